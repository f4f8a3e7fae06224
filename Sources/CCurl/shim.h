#ifndef QUIZ_CCURL_SHIM_H
#define QUIZ_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call; these typed wrappers are the only way in (as GRDB does for sqlite3_config).
static inline CURLcode quiz_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode quiz_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode quiz_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode quiz_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode quiz_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*quiz_curl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode quiz_curl_setopt_write_function(CURL *handle, quiz_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode quiz_curl_setopt_header_function(CURL *handle, quiz_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode quiz_curl_setopt_read_function(CURL *handle, quiz_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

static inline CURLcode quiz_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode quiz_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

// CURLOPT_POSTFIELDS does not copy the body: the caller keeps `data` alive until
// curl_easy_perform returns (https://curl.se/libcurl/c/CURLOPT_POSTFIELDS.html). The size is
// set first so bodies holding NUL bytes are sent whole, and a NULL pointer (an empty Swift
// array has no storage) is replaced by "": with NULL, libcurl would read the body from the
// read callback, which defaults to stdin.
static inline CURLcode quiz_curl_setopt_postfields(CURL *handle, const void *data, curl_off_t size) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, size);
    if (code != CURLE_OK) {
        return code;
    }
    return curl_easy_setopt(handle, CURLOPT_POSTFIELDS, data != NULL ? data : "");
}

#endif

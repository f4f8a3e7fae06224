// runtime-floor: the least a custom-runtime bootstrap can do, in C over libcurl, so that
// quiz-runtime-bench can put the Swift runtime loop (Sources/LambdaRuntime) next to a floor
// measured in the same run, under the same Runtime Interface Emulator.
//
// It loops GET /2018-06-01/runtime/invocation/next -> POST .../{request id}/response with the
// event's own bytes as the response, over one reused curl easy handle (so one keep-alive
// connection), as the echo bootstrap does. No JSON, no context, no error reports: anything a
// real runtime adds on top is what the benchmark measures. Any failure ends the process with
// status 2, as the Swift runtime does for a Runtime API it can no longer use.
//
// Built by SwiftPM, it is linked by swiftc, whose start-up object (swiftrt.o) registers the image
// with libswiftCore: so the floor loads libswiftCore too, a little of its cold start and resident
// memory. The per-invocation figures do not touch it.
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/// The event bytes of the invocation being served; grown as needed, reused across invocations
/// so the loop allocates nothing per invocation once warm.
struct buffer {
    char *bytes;
    size_t count;
    size_t capacity;
};

static size_t collect_body(char *data, size_t size, size_t count, void *context) {
    struct buffer *body = context;
    size_t length = size * count;
    if (body->count + length > body->capacity) {
        size_t capacity = body->capacity ? body->capacity : 4096;
        while (capacity < body->count + length) capacity *= 2;
        char *grown = realloc(body->bytes, capacity);
        if (grown == NULL) return 0; // makes libcurl fail the transfer with CURLE_WRITE_ERROR
        body->bytes = grown;
        body->capacity = capacity;
    }
    memcpy(body->bytes + body->count, data, length);
    body->count += length;
    return length;
}

/// Keeps the value of `Lambda-Runtime-Aws-Request-Id` (header lines arrive one per call).
static size_t collect_request_id(char *data, size_t size, size_t count, void *context) {
    static const char name[] = "Lambda-Runtime-Aws-Request-Id:";
    char *request_id = context; // 128 bytes
    size_t length = size * count;
    size_t prefix = sizeof(name) - 1;
    if (length > prefix && strncasecmp(data, name, prefix) == 0) {
        size_t start = prefix;
        size_t end = length;
        while (start < end && (data[start] == ' ' || data[start] == '\t')) start++;
        while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n' || data[end - 1] == ' ')) end--;
        size_t value = end - start < 127 ? end - start : 127;
        memcpy(request_id, data + start, value);
        request_id[value] = 0;
    }
    return length;
}

/// Discards the headers and body of the answer to a POST (202 with a short JSON).
static size_t discard(char *data, size_t size, size_t count, void *context) {
    (void)data;
    (void)context;
    return size * count;
}

static void fail(const char *what, CURLcode code) {
    fprintf(stderr, "runtime-floor: %s: %s\n", what, curl_easy_strerror(code));
    exit(2);
}

int main(void) {
    const char *endpoint = getenv("AWS_LAMBDA_RUNTIME_API");
    if (endpoint == NULL || endpoint[0] == 0) {
        fprintf(stderr, "runtime-floor: AWS_LAMBDA_RUNTIME_API is not set\n");
        return 1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "runtime-floor: curl_global_init failed\n");
        return 1;
    }
    CURL *handle = curl_easy_init();
    if (handle == NULL) {
        fprintf(stderr, "runtime-floor: curl_easy_init failed\n");
        return 1;
    }

    char next_url[512];
    snprintf(next_url, sizeof next_url, "http://%s/2018-06-01/runtime/invocation/next", endpoint);
    char response_url[768];
    char request_id[128];
    struct buffer event = {0};
    // The same headers the Swift client suppresses: no `Expect: 100-continue` round trip, no
    // form content type, no `Accept`.
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Expect:");
    headers = curl_slist_append(headers, "Content-Type:");
    headers = curl_slist_append(headers, "Accept:");

    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_PROXY, "");
    curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);

    for (;;) {
        event.count = 0;
        request_id[0] = 0;
        curl_easy_setopt(handle, CURLOPT_URL, next_url);
        curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, collect_request_id);
        curl_easy_setopt(handle, CURLOPT_HEADERDATA, request_id);
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect_body);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &event);
        CURLcode code = curl_easy_perform(handle);
        if (code != CURLE_OK) fail("GET next", code);
        long status = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200 || request_id[0] == 0) {
            fprintf(stderr, "runtime-floor: GET next answered %ld%s\n", status, request_id[0] ? "" : " without a request id");
            return 2;
        }

        snprintf(response_url, sizeof response_url, "http://%s/2018-06-01/runtime/invocation/%s/response", endpoint, request_id);
        curl_easy_setopt(handle, CURLOPT_URL, response_url);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)event.count);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, event.count ? event.bytes : "");
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, discard);
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard);
        code = curl_easy_perform(handle);
        if (code != CURLE_OK) fail("POST response", code);
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        if (status != 202) {
            fprintf(stderr, "runtime-floor: POST response answered %ld\n", status);
            return 2;
        }
    }
}

#ifndef QUIZ_CLIBCRYPTO_SHIM_H
#define QUIZ_CLIBCRYPTO_SHIM_H

// OpenSSL's libcrypto: the one the system's libcurl already loads for TLS, so hashing and
// signing in this process cost no second crypto library. Only what SystemCrypto uses:
// one-shot and incremental message digests, one-shot HMAC, and constant-time helpers.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#endif

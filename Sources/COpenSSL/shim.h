#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/err.h>

// The plain-struct SHA-1 and SHA-256 calls. OpenSSL 3 deprecates them in favour of EVP, but an
// EVP context is opaque and cannot be saved, while a `SHA256_CTX` is a plain struct whose state
// can be stored between requests (a resumable upload's whole-file digest). Swift would warn at
// every call of a deprecated function, so Swift calls these wrappers instead; the deprecation is
// silenced here only, for these calls only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static inline int filedrop_sha256_init(SHA256_CTX *context) {
    return SHA256_Init(context);
}

static inline int filedrop_sha256_update(SHA256_CTX *context, const void *bytes, size_t count) {
    return SHA256_Update(context, bytes, count);
}

static inline int filedrop_sha256_final(unsigned char *digest, SHA256_CTX *context) {
    return SHA256_Final(digest, context);
}

static inline int filedrop_sha1_init(SHA_CTX *context) {
    return SHA1_Init(context);
}

static inline int filedrop_sha1_update(SHA_CTX *context, const void *bytes, size_t count) {
    return SHA1_Update(context, bytes, count);
}

static inline int filedrop_sha1_final(unsigned char *digest, SHA_CTX *context) {
    return SHA1_Final(digest, context);
}

#pragma GCC diagnostic pop

#endif

#include "SystemDigest.h"

#if defined(XEROFLOW_LIBCRYPTO)
#include <openssl/opensslv.h>
#endif

// (EVP_MD_fetch and EVP_DigestInit_ex2 are OpenSSL 3's: an older libcrypto is left alone)
#if defined(XEROFLOW_LIBCRYPTO) && OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>

// The algorithm fetched once; a context per thread, made at its first digest and freed when
// the thread ends. (EVP_sha256() without a fetch looks the algorithm up again at every init.)
static EVP_MD *sha256;
static pthread_key_t contextKey;
static int ready;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void freeContext(void *context) { EVP_MD_CTX_free(context); }

static void setUp(void) {
    // No clean-up at exit: a thread still hashing then would use a freed algorithm.
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) != 1) return;
    if (pthread_key_create(&contextKey, freeContext) != 0) return;
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    ready = sha256 != NULL;
}

int xeroflow_sha256(const void *data, size_t count, unsigned char *digest) {
    pthread_once(&once, setUp);
    if (!ready) return 0;
    EVP_MD_CTX *context = pthread_getspecific(contextKey);
    if (context == NULL) {
        context = EVP_MD_CTX_new();
        if (context == NULL) return 0;
        if (pthread_setspecific(contextKey, context) != 0) {
            EVP_MD_CTX_free(context);
            return 0;
        }
    }
    unsigned int length = 0;
    if (EVP_DigestInit_ex2(context, sha256, NULL) != 1 || EVP_DigestUpdate(context, data, count) != 1
        || EVP_DigestFinal_ex(context, digest, &length) != 1 || length != 32)
        return 0;
    return 1;
}
#else
int xeroflow_sha256(const void *data, size_t count, unsigned char *digest) {
    (void)data; (void)count; (void)digest;
    return 0;
}
#endif

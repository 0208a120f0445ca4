// SHA-256 through the system's libcrypto (OpenSSL 3), for the content hash of every record a
// target writes. swift-crypto's SHA256 makes and copies a context object per digest, which costs
// more than the hashing of a short record; a reused context costs nothing. See ContentHashes in
// Sources/Engine/ContentHashes.swift.
#ifndef XEROFLOW_SYSTEM_DIGEST_H
#define XEROFLOW_SYSTEM_DIGEST_H

#include <stddef.h>

/// Writes the SHA-256 digest of bytes [data, data + count) to `digest` (32 bytes) and returns 1;
/// returns 0 and writes nothing when this build has no libcrypto (or one older than OpenSSL 3)
/// or libcrypto cannot hash
/// (the caller then hashes another way). Safe to call from any thread.
int xeroflow_sha256(const void *data, size_t count, unsigned char *digest);

#endif

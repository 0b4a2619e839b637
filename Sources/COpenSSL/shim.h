// COpenSSL: libcrypto for the Crypto module only (hashes and random bytes for link credentials).
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#endif

/*
 * sha256 - one-shot SHA-256 (FIPS 180-4).
 *
 * On x86-64 CPUs with the SHA extensions the blocks go through SHA-NI;
 * elsewhere, or with ABUSEDESK_SHA256_PORTABLE=1 in the environment, through
 * plain C. The choice is made at the first call.
 */
#ifndef AD_SHA256_H
#define AD_SHA256_H

#include <stddef.h>

void sha256(const void *data, size_t len, unsigned char out[32]);
void sha256_hex(const void *data, size_t len, char out[65]); /* lowercase, NUL-terminated */

/* for tests: 1 forces the portable code; 0 chooses again from the
 * environment and the CPU, as at the first call */
void sha256_force_portable(int on);
const char *sha256_impl(void); /* "sha-ni" or "portable": what the next call uses */

#endif

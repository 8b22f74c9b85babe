/*
 * sha256 - SHA-256 (FIPS 180-4): one-shot, or streamed through a context.
 *
 * On x86-64 CPUs with the SHA extensions the blocks go through SHA-NI;
 * elsewhere, or with ABUSEDESK_SHA256_PORTABLE=1 in the environment, through
 * plain C. The choice is made at the first call.
 *
 * For a stream (a message read from a pipe): sha256_init, sha256_update
 * any number of times, sha256_final_hex once.
 */
#ifndef AD_SHA256_H
#define AD_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256_ctx {
	uint32_t st[8];
	uint64_t len;            /* bytes so far */
	unsigned char buf[64];   /* a partial block */
	size_t nbuf;
};

void sha256(const void *data, size_t len, unsigned char out[32]);
void sha256_hex(const void *data, size_t len, char out[65]); /* lowercase, NUL-terminated */
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final_hex(struct sha256_ctx *c, char out[65]);

/* for tests: 1 forces the portable code; 0 chooses again from the
 * environment and the CPU, as at the first call */
void sha256_force_portable(int on);
const char *sha256_impl(void); /* "sha-ni" or "portable": what the next call uses */

#endif

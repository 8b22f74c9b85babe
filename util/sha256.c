/*
 * sha256 - SHA-256 (FIPS 180-4), one-shot and streamed, with two block functions: SHA-NI
 * on x86-64 CPUs that have it, plain C elsewhere. Whole blocks are read in
 * place; only the padded tail is copied.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* a block function: nblocks 64-byte blocks from p into st */
typedef void block_fn(uint32_t st[8], const unsigned char *p, size_t nblocks);

static uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
/* the Sigma functions as nested rotations: one copy of x instead of three */
#define BS0(x) ROR(ROR(ROR(x, 9) ^ (x), 11) ^ (x), 2)  /* ROR 2 ^ ROR 13 ^ ROR 22 */
#define BS1(x) ROR(ROR(ROR(x, 14) ^ (x), 5) ^ (x), 6)  /* ROR 6 ^ ROR 11 ^ ROR 25 */
#define SS0(x) (ROR(ROR(x, 11) ^ (x), 7) ^ ((x) >> 3))  /* ROR 7 ^ ROR 18 ^ SHR 3 */
#define SS1(x) (ROR(ROR(x, 2) ^ (x), 17) ^ ((x) >> 10)) /* ROR 17 ^ ROR 19 ^ SHR 10 */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))

/* W(i) for i >= 16, computed in the 16-word ring w */
#define WX(i) (w[(i) & 15] += SS1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + SS0(w[((i) - 15) & 15]))
#define W16(i) w[i]

/*
 * One round; the caller rotates the names instead of the values. Maj(a,b,c)
 * is ((a ^ b) & (b ^ c)) ^ b, and b ^ c is the previous round's a ^ b (bc).
 */
#define RND(a, b, c, d, e, f, g, h, i, wi)                                     \
	do {                                                                   \
		uint32_t t1_ = (h) + BS1(e) + CH(e, f, g) + K[i] + (wi);       \
		uint32_t ab_ = (a) ^ (b);                                      \
		(d) += t1_;                                                    \
		(h) = t1_ + BS0(a) + ((ab_ & bc) ^ (b));                       \
		bc = ab_;                                                      \
	} while (0)

#define RND8(i, W)                                                             \
	do {                                                                   \
		RND(a, b, c, d, e, f, g, h, (i) + 0, W((i) + 0));              \
		RND(h, a, b, c, d, e, f, g, (i) + 1, W((i) + 1));              \
		RND(g, h, a, b, c, d, e, f, (i) + 2, W((i) + 2));              \
		RND(f, g, h, a, b, c, d, e, (i) + 3, W((i) + 3));              \
		RND(e, f, g, h, a, b, c, d, (i) + 4, W((i) + 4));              \
		RND(d, e, f, g, h, a, b, c, (i) + 5, W((i) + 5));              \
		RND(c, d, e, f, g, h, a, b, (i) + 6, W((i) + 6));              \
		RND(b, c, d, e, f, g, h, a, (i) + 7, W((i) + 7));              \
	} while (0)

/* blocks_portable - the FIPS 180-4 block function in plain C */
static void blocks_portable(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	uint32_t w[16], a, b, c, d, e, f, g, h, bc;
	int i;

	for (; nblocks; nblocks--, p += 64) {
		for (i = 0; i < 16; i++)
			w[i] = load_be32(p + 4 * i);
		a = st[0]; b = st[1]; c = st[2]; d = st[3];
		e = st[4]; f = st[5]; g = st[6]; h = st[7];
		bc = b ^ c;
		RND8(0, W16);
		RND8(8, W16);
		for (i = 16; i < 64; i += 16) {
			RND8(i, WX);
			RND8(i + 8, WX);
		}
		st[0] += a; st[1] += b; st[2] += c; st[3] += d;
		st[4] += e; st[5] += f; st[6] += g; st[7] += h;
	}
}

#if defined(__x86_64__)
/*
 * Four rounds i*4..i*4+3 with SHA-NI: cur holds their message words; the
 * schedule computes the words of later rounds into nxt (msg2, rounds 12..59)
 * and prv (msg1, rounds 4..51), the register order of Intel's sample code.
 */
#define NI_RND4(i, cur, prv, nxt)                                              \
	do {                                                                   \
		msg = _mm_add_epi32(cur, _mm_loadu_si128((const __m128i *)&K[4 * (i)])); \
		s1 = _mm_sha256rnds2_epu32(s1, s0, msg);                       \
		if ((i) >= 3 && (i) <= 14) {                                   \
			nxt = _mm_add_epi32(nxt, _mm_alignr_epi8(cur, prv, 4)); \
			nxt = _mm_sha256msg2_epu32(nxt, cur);                  \
		}                                                              \
		msg = _mm_shuffle_epi32(msg, 0x0e);                            \
		s0 = _mm_sha256rnds2_epu32(s0, s1, msg);                       \
		if ((i) >= 1 && (i) <= 12)                                     \
			prv = _mm_sha256msg1_epu32(prv, cur);                  \
	} while (0)

/* blocks_shani - the block function with the x86 SHA extensions */
__attribute__((target("sha,sse4.1")))
static void blocks_shani(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i s0, s1, tmp, msg, m0, m1, m2, m3, save0, save1;

	/* st is a b c d e f g h; the rounds want ABEF and CDGH */
	tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[0]), 0xb1); /* CDAB */
	s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[4]), 0x1b);  /* EFGH */
	s0 = _mm_alignr_epi8(tmp, s1, 8);    /* ABEF */
	s1 = _mm_blend_epi16(s1, tmp, 0xf0); /* CDGH */

	for (; nblocks; nblocks--, p += 64) {
		save0 = s0;
		save1 = s1;
		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
		NI_RND4(0, m0, m3, m1);
		NI_RND4(1, m1, m0, m2);
		NI_RND4(2, m2, m1, m3);
		NI_RND4(3, m3, m2, m0);
		NI_RND4(4, m0, m3, m1);
		NI_RND4(5, m1, m0, m2);
		NI_RND4(6, m2, m1, m3);
		NI_RND4(7, m3, m2, m0);
		NI_RND4(8, m0, m3, m1);
		NI_RND4(9, m1, m0, m2);
		NI_RND4(10, m2, m1, m3);
		NI_RND4(11, m3, m2, m0);
		NI_RND4(12, m0, m3, m1);
		NI_RND4(13, m1, m0, m2);
		NI_RND4(14, m2, m1, m3);
		NI_RND4(15, m3, m2, m0);
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}

	tmp = _mm_shuffle_epi32(s0, 0x1b);   /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xb1);    /* DCHG */
	s0 = _mm_blend_epi16(tmp, s1, 0xf0); /* DCBA */
	s1 = _mm_alignr_epi8(s1, tmp, 8);    /* HGFE */
	_mm_storeu_si128((__m128i *)&st[0], s0);
	_mm_storeu_si128((__m128i *)&st[4], s1);
}

/* cpu_has_sha - CPUID reports the SHA extensions (and SSE4.1 for the shuffles) */
static int cpu_has_sha(void)
{
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
	__builtin_cpu_init();
	return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1");
#else
	/* clang (up to 14 at least) has no "sha" for __builtin_cpu_supports */
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & bit_SHA) != 0;
#endif
}
#endif /* __x86_64__ */

enum { IMPL_UNSET, IMPL_PORTABLE, IMPL_SHANI };

static int impl; /* IMPL_*, read and written with relaxed atomics */

/* pick - the environment, then the CPU */
static int pick(void)
{
	const char *e = getenv("ABUSEDESK_SHA256_PORTABLE");

	if (e && *e && strcmp(e, "0") != 0)
		return IMPL_PORTABLE;
#if defined(__x86_64__)
	if (cpu_has_sha())
		return IMPL_SHANI;
#endif
	return IMPL_PORTABLE;
}

static int current(void)
{
	int i = __atomic_load_n(&impl, __ATOMIC_RELAXED);

	if (i == IMPL_UNSET) {
		i = pick();
		__atomic_store_n(&impl, i, __ATOMIC_RELAXED);
	}
	return i;
}

void sha256_force_portable(int on)
{
	__atomic_store_n(&impl, on ? IMPL_PORTABLE : IMPL_UNSET, __ATOMIC_RELAXED);
}

const char *sha256_impl(void)
{
	return current() == IMPL_SHANI ? "sha-ni" : "portable";
}

/* block_fn_current - the block function the next digest uses */
static block_fn *block_fn_current(void)
{
#if defined(__x86_64__)
	if (current() == IMPL_SHANI)
		return blocks_shani;
#endif
	return blocks_portable;
}

/* finish - pad the rest (under 64 bytes) of a message of len bytes into st */
static void finish(block_fn *fn, uint32_t st[8], const unsigned char *rest_p, size_t rest,
		   uint64_t len, unsigned char out[32])
{
	unsigned char tail[128];
	uint64_t bits = len << 3;
	size_t tn, i;

	if (rest)
		memcpy(tail, rest_p, rest);
	tail[rest] = 0x80;
	tn = rest < 56 ? 64 : 128;
	memset(tail + rest + 1, 0, tn - 8 - rest - 1);
	store_be32(tail + tn - 8, (uint32_t)(bits >> 32));
	store_be32(tail + tn - 4, (uint32_t)bits);
	fn(st, tail, tn / 64);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, st[i]);
}

/* hex_of - lowercase hex of a 32-byte digest, NUL-terminated */
static void hex_of(const unsigned char md[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* sha256 - one-shot digest of data */
void sha256(const void *data, size_t len, unsigned char out[32])
{
	const unsigned char *p = data ? data : (const void *)"";   /* (NULL, 0): no offset on NULL */
	uint32_t st[8];
	size_t full = len / 64;
	block_fn *fn = block_fn_current();

	memcpy(st, IV, sizeof(st));
	if (full)
		fn(st, p, full);
	finish(fn, st, p + full * 64, len % 64, len, out);
}

/* sha256_hex - one-shot lowercase hex digest */
void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];

	sha256(data, len, md);
	hex_of(md, out);
}

/* sha256_init - start a streamed digest */
void sha256_init(struct sha256_ctx *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->st, IV, sizeof(c->st));
}

/* sha256_update - add bytes to a streamed digest; whole blocks are hashed in place */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	const unsigned char *p = data ? data : (const void *)"";
	block_fn *fn = block_fn_current();
	size_t n;

	c->len += len;
	if (c->nbuf) {
		n = 64 - c->nbuf < len ? 64 - c->nbuf : len;
		memcpy(c->buf + c->nbuf, p, n);
		c->nbuf += n;
		p += n;
		len -= n;
		if (c->nbuf < 64)
			return;
		fn(c->st, c->buf, 1);
		c->nbuf = 0;
	}
	if (len >= 64) {
		fn(c->st, p, len / 64);
		p += len / 64 * 64;
		len %= 64;
	}
	if (len) {
		memcpy(c->buf, p, len);
		c->nbuf = len;
	}
}

/* sha256_final_hex - pad and finish a streamed digest into lowercase hex */
void sha256_final_hex(struct sha256_ctx *c, char out[65])
{
	unsigned char md[32];

	finish(block_fn_current(), c->st, c->buf, c->nbuf, c->len, md);
	hex_of(md, out);
}

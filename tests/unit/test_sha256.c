/*
 * test_sha256 - util/sha256 against the FIPS 180-4 / NIST vectors and against
 * GLib's g_checksum, through both block functions (SHA-NI and portable C),
 * one-shot and streamed in uneven pieces.
 *
 * With ABUSEDESK_SHA256_PORTABLE=1 in the environment both passes run the
 * portable code (for valgrind, which does not know the SHA instructions).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "../../util/sha256.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

/* the passes: 0 the automatic choice (SHA-NI where the CPU has it), 1 portable */
static void set_pass(int portable)
{
	sha256_force_portable(portable);
	if (portable)
		assert_string_equal(sha256_impl(), "portable");
}

/* expect_auto_impl - with no forcing, SHA-NI is used exactly when CPUID has it */
static void test_auto_choice(void **state)
{
	const char *e = getenv("ABUSEDESK_SHA256_PORTABLE");
	int want_ni = 0;

#if defined(__x86_64__)
	unsigned int a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) &&
	    __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA))
		want_ni = 1;
#endif
	if (e && *e && strcmp(e, "0") != 0)
		want_ni = 0;
	set_pass(0);
	print_message("sha256 automatic choice: %s\n", sha256_impl());
	assert_string_equal(sha256_impl(), want_ni ? "sha-ni" : "portable");
	set_pass(1);
	assert_string_equal(sha256_impl(), "portable");
	set_pass(0);
	assert_string_equal(sha256_impl(), want_ni ? "sha-ni" : "portable");
}

static void check_vector(const void *data, size_t len, const char *want)
{
	char hex[66];
	unsigned char md[32];
	char from_md[65];
	int i;

	memset(hex, 'x', sizeof(hex));
	sha256_hex(data, len, hex);
	assert_string_equal(hex, want);
	assert_int_equal(hex[65], 'x'); /* exactly 65 bytes written */
	sha256(data, len, md);
	for (i = 0; i < 32; i++)
		snprintf(from_md + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(from_md, want);
}

static void run_vectors(int portable)
{
	const char *s448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	const char *s896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char *million;

	set_pass(portable);
	check_vector("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_vector(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_vector("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_vector(s448, strlen(s448),
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_vector(s896, strlen(s896),
		     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	check_vector(million, 1000000,
		     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
	sha256_force_portable(0);
}

static void test_vectors_auto(void **state)
{
	run_vectors(0);
}

static void test_vectors_portable(void **state)
{
	run_vectors(1);
}

/* xorshift64 - reproducible pseudo-random bytes */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(rng() >> 56);
}

/* compare - our digest of p[0..n) equals GLib's */
static void compare(const unsigned char *p, size_t n)
{
	char ours[65];
	gchar *theirs = g_compute_checksum_for_data(G_CHECKSUM_SHA256, p, n);

	assert_non_null(theirs);
	sha256_hex(p, n, ours);
	if (strcmp(ours, theirs) != 0)
		fail_msg("length %zu (%s): %s, GLib %s", n, sha256_impl(), ours, theirs);
	/* the same bytes streamed in uneven pieces */
	{
		struct sha256_ctx c;
		size_t at = 0, step = 1 + n % 97;

		sha256_init(&c);
		while (at < n) {
			size_t k = n - at < step ? n - at : step;

			sha256_update(&c, p + at, k);
			at += k;
			step = step * 3 % 131 + 1;
		}
		sha256_final_hex(&c, ours);
		if (strcmp(ours, theirs) != 0)
			fail_msg("streamed length %zu (%s): %s, GLib %s", n, sha256_impl(), ours, theirs);
	}
	g_free(theirs);
}

static void run_differential(int portable)
{
	enum { SMALL = 300, BIG = 1 << 20 };
	unsigned char *buf = malloc(BIG + 16);
	size_t n, off;
	int i;

	assert_non_null(buf);
	set_pass(portable);
	fill(buf, BIG + 16);
	/* every length 0..300 at every start offset 0..7 (unaligned reads) */
	for (off = 0; off < 8; off++)
		for (n = 0; n <= SMALL; n++)
			compare(buf + off, n);
	/* lengths around the one- and two-block padding edges of larger inputs */
	for (n = 4096 - 70; n <= 4096 + 70; n++)
		compare(buf + 3, n);
	/* random large lengths (up to 256 KiB) and offsets, then one of 1 MiB */
	for (i = 0; i < 24; i++) {
		n = (size_t)(rng() % (BIG / 4));
		off = (size_t)(rng() % 16);
		fill(buf + off, n);
		compare(buf + off, n);
	}
	compare(buf, BIG);
	free(buf);
	sha256_force_portable(0);
}

static void test_glib_auto(void **state)
{
	run_differential(0);
}

static void test_glib_portable(void **state)
{
	run_differential(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_choice),
		cmocka_unit_test(test_vectors_auto),
		cmocka_unit_test(test_vectors_portable),
		cmocka_unit_test(test_glib_auto),
		cmocka_unit_test(test_glib_portable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

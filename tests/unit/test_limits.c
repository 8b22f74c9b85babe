/*
 * test_limits - the resource caps of parse/ proven on hostile input.
 *
 * Each case builds a message that pushes one cap of parse/report.h (MIME
 * depth and part count, header count, header line length, Received hops, DSN
 * recipients, list sizes, warnings, X-ARF YAML size) or the PCRE2 limits of
 * parse/received.c, parses it, and checks that the cap held, that the report
 * says what was cut, and that the work took bounded time (scaled for ASan and
 * valgrind) and, in a plain build, bounded memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../../parse/received.h"
#include "../../parse/report.h"
#include "../../util/buf.h"

#include "slowdown.h"

#define TIME_LIMIT 3.0          /* seconds of CPU for one hostile message, plain build */
#define RSS_LIMIT_KB (512L * 1024)


/* big - n in a plain build; under ASan or valgrind, whose realloc never grows in
 * place (GMime grows a long header value by realloc when it decodes one), the
 * smaller m that still passes the cap under test */
static size_t big(size_t n, size_t m)
{
	return slowdown() > 1.0 ? m : n;
}

/* cpu_now - process CPU seconds */
static double cpu_now(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* max_rss_kb - peak resident set of this process */
static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* has_warning - some warning contains needle */
static int has_warning(const struct report *r, const char *needle)
{
	for (size_t i = 0; i < r->warnings.n; i++)
		if (strstr(r->warnings.v[i], needle))
			return 1;
	return 0;
}

/* hostile - parse b in bounded time and memory; every cap holds; want is warned (or NULL) */
static void hostile(struct buf *b, struct report *r, const char *want)
{
	double t0 = cpu_now(), dt;

	assert_false(b->toobig);
	report_init(r);
	assert_int_equal(parse_message(b->data, b->len, r), 0);
	dt = cpu_now() - t0;
	if (dt > TIME_LIMIT * slowdown())
		fail_msg("parse took %.2f s of CPU (limit %.1f)", dt, TIME_LIMIT * slowdown());
	if (!SANITIZED && !getenv("VALGRIND") && max_rss_kb() > RSS_LIMIT_KB)
		fail_msg("peak RSS %ld kB over %ld kB", max_rss_kb(), RSS_LIMIT_KB);
	assert_true(r->nhops <= PARSE_MAX_HOPS);
	assert_true(r->nrcpts <= PARSE_MAX_RCPTS);
	assert_true(r->warnings.n <= PARSE_MAX_WARNINGS);
	assert_true(r->original_rcpt_to.n <= PARSE_MAX_LIST);
	assert_true(r->reported_domains.n <= PARSE_MAX_LIST);
	assert_true(r->reported_uris.n <= PARSE_MAX_LIST);
	if (r->orig.headers)
		assert_true(strlen(r->orig.headers) <= PARSE_MAX_ORIG_HEADERS);
	if (want && !has_warning(r, want)) {
		for (size_t i = 0; i < r->warnings.n; i++)
			print_message("warning: %s\n", r->warnings.v[i]);
		fail_msg("no warning containing \"%s\"", want);
	}
	buf_free(b);
}

/* test_mime_depth_multipart - nested multiparts far past PARSE_MAX_MIME_DEPTH */
static void test_mime_depth_multipart(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nMIME-Version: 1.0\n");
	for (int i = 0; i < PARSE_MAX_MIME_DEPTH * 10; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	buf_puts(&b, "Content-Type: text/plain\n\nhello 192.0.2.1\n");
	hostile(&b, &r, "nesting deeper than");
	report_free(&r);
}

/* test_mime_depth_rfc822 - message/rfc822 inside message/rfc822, just under the type count */
static void test_mime_depth_rfc822(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nMIME-Version: 1.0\n");
	for (int i = 0; i < PARSE_MAX_PARTS - 10; i++)
		buf_puts(&b, "Content-Type: message/rfc822\n\nSubject: x\n");
	buf_puts(&b, "Content-Type: text/plain\n\nhello\n");
	hostile(&b, &r, NULL);   /* message/rfc822 is a leaf: the scanner does not go in */
	report_free(&r);
}

/* test_mime_depth_spelled - nesting spelled so the type count misses it ("multipart /", comments) */
static void test_mime_depth_spelled(void **state)
{
	static const char *const units[] = {
		"Content-Type: multipart /mixed; boundary=a\n\n--a\n",
		"Content-Type: multipart(x)/mixed; boundary=\"a\"\n\n--a\n",
		"Content-Type: message /rfc822\n\n",
		"Content-Type: message(c)/rfc822\n\n",
	};
	struct buf b;
	struct report r;

	for (size_t u = 0; u < sizeof(units) / sizeof(*units); u++) {
		buf_init(&b, 0);
		buf_puts(&b, "From: a@example.com\nMIME-Version: 1.0\n");
		for (int i = 0; i < 50000; i++)
			buf_puts(&b, units[u]);
		buf_puts(&b, "Content-Type: text/plain\n\nhello\n");
		hostile(&b, &r, u < 2 ? "nesting deeper than" : NULL);
		report_free(&r);
	}
}

/* test_mime_wide - more children of one multipart than the walk's stack holds: the last ones are kept */
static void test_mime_wide(void **state)
{
	struct buf b;
	struct report r;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nSubject: fwd\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=W\n\n");
	for (int i = 0; i < 300; i++)
		buf_puts(&b, "--W\nContent-Type: text/plain\n\nsee the attached spam\n");
	buf_puts(&b, "--W\nContent-Type: message/rfc822\n\n"
		 "Received: from x (x [203.0.113.9]) by mx.example.com; Tue, 30 Apr 2024 10:00:00 +0000\n"
		 "Message-ID: <last-child@example.org>\nSubject: spam\n\nbuy\n--W--\n");
	hostile(&b, &r, "too many MIME parts at one level");
	assert_non_null(r.orig.message_id);
	assert_string_equal(r.orig.message_id, "last-child@example.org");
	report_free(&r);
}

/* test_mime_type_count - more nested MIME types than PARSE_MAX_PARTS: not split at all */
static void test_mime_type_count(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nMIME-Version: 1.0\n");
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "Content-Type: message/rfc822\n\n");
	buf_puts(&b, "\nhello\n");
	hostile(&b, &r, "MIME structure not parsed");
	report_free(&r);
}

/* test_mime_parts - many sibling parts */
static void test_mime_parts(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=\"S\"\n\n");
	for (int i = 0; i < PARSE_MAX_PARTS * 5; i++)
		buf_printf(&b, "--S\nContent-Type: text/plain\n\npart %d\n", i);
	buf_puts(&b, "--S--\n");
	hostile(&b, &r, "MIME parts");
	report_free(&r);
}

/* test_header_count - far more header lines than PARSE_MAX_HEADERS */
static void test_header_count(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\n");
	for (int i = 0; i < PARSE_MAX_HEADERS * 20; i++)
		buf_printf(&b, "X-H%d: v\n", i);
	buf_puts(&b, "\nbody\n");
	hostile(&b, &r, "header lines");
	report_free(&r);
}

/* test_header_line_length - one header line of 4 MB, folded and unfolded */
static void test_header_line_length(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nSubject: ");
	for (size_t i = 0; i < big(4 << 20, 256 << 10) / 8; i++)
		buf_puts(&b, "spamspam");
	buf_puts(&b, "\nX-Folded: a");
	for (size_t i = 0; i < big(200000, 20000); i++)
		buf_puts(&b, "\n b");
	buf_puts(&b, "\n\nbody\n");
	hostile(&b, &r, "longer than");
	assert_non_null(r.subject);
	assert_true(strlen(r.subject) <= PARSE_MAX_FIELD);
	report_free(&r);
}

/* test_hops - a reported message with far more Received headers than PARSE_MAX_HOPS */
static void test_hops(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: fbl@example.net\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=feedback-report; boundary=\"BB\"\n\n"
		 "--BB\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n\n"
		 "--BB\nContent-Type: message/rfc822\n\n");
	for (int i = 0; i < PARSE_MAX_HOPS * 30; i++)
		buf_printf(&b, "Received: from h%d.example.org (h%d.example.org [192.0.2.%d]) by "
			   "mx.example.net with ESMTP id Q%d; Mon, 1 Jan 2024 10:00:00 +0000\n",
			   i, i, i % 250 + 1, i);
	buf_puts(&b, "From: s@example.org\nSubject: x\n\nbody\n--BB--\n");
	hostile(&b, &r, "Received headers; the rest ignored");
	assert_int_equal(r.nhops, PARSE_MAX_HOPS);
	report_free(&r);
}

/* test_rcpts - a DSN with more recipients than PARSE_MAX_RCPTS */
static void test_rcpts(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: MAILER-DAEMON@example.org\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=delivery-status; boundary=\"C\"\n\n"
		 "--C\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n");
	for (int i = 0; i < PARSE_MAX_RCPTS * 5; i++)
		buf_printf(&b, "Final-Recipient: rfc822; u%d@example.com\nAction: failed\n"
			   "Status: 5.0.0\n\n", i);
	buf_puts(&b, "--C--\n");
	hostile(&b, &r, NULL);
	assert_int_equal(r.nrcpts, PARSE_MAX_RCPTS);
	report_free(&r);
}

/* test_lists - Original-Rcpt-To, Reported-Domain and Reported-URI past PARSE_MAX_LIST */
static void test_lists(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: fbl@example.net\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=feedback-report; boundary=\"BB\"\n\n"
		 "--BB\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n");
	for (int i = 0; i < PARSE_MAX_LIST * 3; i++)
		buf_printf(&b, "Original-Rcpt-To: <u%d@example.net>\nReported-Domain: d%d.example\n"
			   "Reported-URI: http://d%d.example/\n", i, i, i);
	buf_puts(&b, "\n--BB--\n");
	hostile(&b, &r, "the rest ignored");
	assert_int_equal(r.original_rcpt_to.n, PARSE_MAX_LIST);
	report_free(&r);
}

/* test_warnings - a message that is odd in many distinct ways keeps PARSE_MAX_WARNINGS */
static void test_warnings(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: fbl@example.net\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=feedback-report; boundary=\"BB\"\n\n"
		 "--BB\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n\n"
		 "--BB\nContent-Type: message/rfc822\n\n");
	for (int i = 0; i < 500; i++)
		buf_printf(&b, "Received: nonsense %d that no MTA wrote\n", i);
	buf_puts(&b, "Subject: x\n\nbody\n--BB--\n");
	hostile(&b, &r, NULL);
	assert_true(r.warnings.n > 5);
	report_free(&r);
}

/* xarf_with - an X-ARF message whose report.txt part is yaml (len bytes) */
static void xarf_with(struct buf *b, const char *yaml, size_t len)
{
	buf_init(b, 0);
	buf_puts(b, "From: reports@example.org\nX-XARF: PLAIN\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=\"X\"\n\n--X\nContent-Type: text/plain\n\nreport\n"
		 "--X\nContent-Type: text/plain; name=\"report.txt\"\n\n");
	buf_append(b, yaml, len);
	buf_puts(b, "\n--X--\n");
}

/* test_yaml_size - an X-ARF YAML part of 24 MB and one of 300,000 keys (PARSE_MAX_TEXT is 1 MB) */
static void test_yaml_size(void **state)
{
	struct buf b, y;
	struct report r;

	buf_init(&y, 0);
	buf_puts(&y, "---\nReported-From: a@example.org\nCategory: abuse\nSource: 192.0.2.66\n"
		 "Description: ");
	for (size_t i = 0; i < big(24 << 20, 2 << 20) / 16; i++)
		buf_puts(&y, "0123456789abcdef");
	buf_puts(&y, "\n");
	xarf_with(&b, y.data, y.len);
	hostile(&b, &r, NULL);
	assert_int_equal(r.format, FMT_XARF);
	report_free(&r);

	buf_reset(&y);
	buf_puts(&y, "---\nReported-From: a@example.org\nCategory: abuse\nSource: 192.0.2.66\n");
	for (int i = 0; i < (int)big(300000, 100000); i++)
		buf_printf(&y, "K%d: \"%d\"\n", i, i);
	xarf_with(&b, y.data, y.len);
	hostile(&b, &r, NULL);
	assert_int_equal(r.format, FMT_XARF);
	assert_true(r.source_ip == NULL || strcmp(r.source_ip, "192.0.2.66") == 0);
	report_free(&r);
	buf_free(&y);
}

/* rcvd_timed - parse one Received value; return CPU seconds */
static double rcvd_timed(const char *v, size_t len)
{
	struct hop h;
	double t0 = cpu_now();
	int rc = rcvd_parse(v, len, &h);

	assert_true(rc >= -1 && rc <= 1);
	if (rc == 1)
		hop_free(&h);
	return cpu_now() - t0;
}

/* test_rcvd_backtracking - PCRE2 bait is cut by the match and depth limits */
static void test_rcvd_backtracking(void **state)
{
	static const char *const units[] = {
		"(", "[", "from (", "a.", "(a [1.2.3.4] ", " by ", "with ESMTP id ", "=?",
		"from a (b [192.0.2.1]) ", "for <", "(Authenticated sender: "
	};
	struct buf b;

	rcvd_init();
	for (size_t u = 0; u < sizeof(units) / sizeof(*units); u++) {
		double dt;

		buf_init(&b, 0);
		buf_puts(&b, "from ");
		while (b.len < RCVD_MAX_LEN * 4)
			buf_puts(&b, units[u]);
		dt = rcvd_timed(b.data, b.len);
		if (dt > 0.5 * slowdown())
			fail_msg("rcvd_parse took %.3f s on \"%s\" x %zu", dt, units[u], b.len);
		buf_free(&b);
	}
}

/* test_whole_message_size - 40 MB of one header line, no header end */
static void test_whole_message_size(void **state)
{
	struct buf b;
	struct report r;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nX: ");
	for (size_t i = 0; i < big(40 << 20, 4 << 20) / 16; i++)
		buf_puts(&b, "aaaaaaaaaaaaaaaa");
	hostile(&b, &r, NULL);
	report_free(&r);
}

/* setup - parser once */
static int setup(void **state)
{
	parse_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime_depth_multipart),
		cmocka_unit_test(test_mime_depth_rfc822),
		cmocka_unit_test(test_mime_depth_spelled),
		cmocka_unit_test(test_mime_type_count),
		cmocka_unit_test(test_mime_wide),
		cmocka_unit_test(test_mime_parts),
		cmocka_unit_test(test_header_count),
		cmocka_unit_test(test_header_line_length),
		cmocka_unit_test(test_hops),
		cmocka_unit_test(test_rcpts),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_yaml_size),
		cmocka_unit_test(test_rcvd_backtracking),
		cmocka_unit_test(test_whole_message_size),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

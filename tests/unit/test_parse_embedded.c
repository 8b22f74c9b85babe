/*
 * test_parse_embedded - reported messages carried as message/rfc822 parts:
 * read from their raw bytes (base64-encoded too), the digest taken over
 * those bytes, a part without a body is headers-only, a forwarded report
 * is read as before, and bounces find the recipient in
 * the attached original's To header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../../parse/report.h"

#define ORIG \
	"Received: from mail.example.com (mail.example.com [192.0.2.10])\n" \
	"\tby mx.example.net (Postfix) with ESMTP id 4ABC\n" \
	"\tfor <u@example.net>; Mon, 1 Jan 2024 10:00:00 +0000\n" \
	"From: Spammer <spam@example.com>\nTo: u@example.net\nSubject: buy\n" \
	"Message-ID: <m1@example.com>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nbody\n"

#define ARF_HEAD \
	"From: fbl@example.net\nTo: abuse@example.com\nSubject: report\nMIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"BB\"\n\n" \
	"--BB\nContent-Type: text/plain\n\nThis is an abuse report.\n\n" \
	"--BB\nContent-Type: message/feedback-report\n\n" \
	"Feedback-Type: abuse\nUser-Agent: T/1\nVersion: 1\nSource-IP: 192.0.2.10\n\n"

/* parse_str - parse a NUL-terminated message into r */
static void parse_str(const char *s, struct report *r)
{
	report_init(r);
	assert_int_equal(parse_message(s, strlen(s), r), 0);
}

/* sha_of - hex SHA-256 of s[0..n) (caller g_frees) */
static char *sha_of(const char *s, size_t n)
{
	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, s, (gssize)n);
}

/* assert_orig - the fields of ORIG were read, with one hop */
static void assert_orig(const struct report *r)
{
	assert_true(r->orig.present);
	assert_string_equal(r->orig.message_id, "m1@example.com");
	assert_string_equal(r->orig.subject, "buy");
	assert_string_equal(r->orig.to, "u@example.net");
	assert_int_equal(r->nhops, 1);
	assert_string_equal(r->hops[0].from_ip, "192.0.2.10");
}

/* test_plain_part - the digest is over the body of the part's message (the
 * newline before a boundary is the boundary's) */
static void test_plain_part(void **state)
{
	struct report r;
	const char *body = strstr(ORIG, "\n\n") + 2;
	char *want = sha_of(body, strlen(body) - 1);

	(void)state;
	parse_str(ARF_HEAD "--BB\nContent-Type: message/rfc822\n\n" ORIG "--BB--\n", &r);
	assert_int_equal(r.format, FMT_ARF);
	assert_orig(&r);
	assert_false(r.orig.headers_only);
	assert_string_equal(r.orig.body_sha256, want);
	assert_non_null(strstr(r.orig.headers, "Message-ID: <m1@example.com>"));
	g_free(want);
	report_free(&r);
}

/* test_base64_part - a base64-encoded message/rfc822 is decoded first */
static void test_base64_part(void **state)
{
	struct report r;
	char *b64 = g_base64_encode((const guchar *)ORIG, strlen(ORIG));
	char *msg = g_strconcat(ARF_HEAD "--BB\nContent-Type: message/rfc822\n"
				"Content-Transfer-Encoding: base64\n\n", b64, "\n--BB--\n", NULL);
	const char *body = strstr(ORIG, "\n\n") + 2;
	char *want = sha_of(body, strlen(body));

	(void)state;
	parse_str(msg, &r);
	assert_int_equal(r.format, FMT_ARF);
	assert_orig(&r);
	assert_string_equal(r.orig.body_sha256, want);
	g_free(want);
	g_free(msg);
	g_free(b64);
	report_free(&r);
}

/* test_headers_only_part - a message/rfc822 part without a body */
static void test_headers_only_part(void **state)
{
	struct report r;

	(void)state;
	parse_str(ARF_HEAD "--BB\nContent-Type: message/rfc822\n\n"
		  "From: a@example.com\nMessage-ID: <h1@example.com>\n\n--BB--\n", &r);
	assert_true(r.orig.present);
	assert_string_equal(r.orig.message_id, "h1@example.com");
	assert_true(r.orig.headers_only);
	assert_null(r.orig.body_sha256);
	report_free(&r);
}

/*
 * test_nested_forward - a forward of an ARF report: GMime does not look
 * into the attached message, the raw scan finds the report in it, and the
 * message the report carries is the original
 */
static void test_nested_forward(void **state)
{
	struct report r;

	(void)state;
	parse_str("From: Alice <alice@example.org>\nTo: abuse@example.com\nSubject: Fwd: spam\n"
		  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"OUT\"\n\n"
		  "--OUT\nContent-Type: text/plain\n\nPlease look at this.\n\n"
		  "--OUT\nContent-Type: message/rfc822\n\n"
		  "From: fbl@example.net\nMessage-ID: <outer@example.net>\nSubject: report\n"
		  "MIME-Version: 1.0\n"
		  "Content-Type: multipart/report; report-type=feedback-report; boundary=\"BB\"\n\n"
		  "--BB\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n\n"
		  "--BB\nContent-Type: message/rfc822\n\n" ORIG "--BB--\n\n--OUT--\n", &r);
	assert_int_equal(r.format, FMT_ARF);
	assert_string_equal(r.reporter, "alice@example.org");
	assert_string_equal(r.feedback_type, "abuse");
	assert_orig(&r);
	report_free(&r);
}

/* test_bounce_rcpt_from_original - a bounce naming no recipient takes the original's To */
static void test_bounce_rcpt_from_original(void **state)
{
	struct report r;

	(void)state;
	parse_str("From: MAILER-DAEMON@mx.example.org\nTo: u@example.net\n"
		  "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
		  "Content-Type: multipart/mixed; boundary=\"DD\"\n\n"
		  "--DD\nContent-Type: text/plain\n\n"
		  "This message was created automatically by mail delivery software.\n\n"
		  "A message that you sent could not be delivered to one or more of its\n"
		  "recipients. This is a permanent error.\n\n"
		  "--DD\nContent-Type: message/rfc822\n\n"
		  "From: u@example.net\nTo: =?utf-8?q?Bob?= <bob@example.com>\n"
		  "Message-ID: <b1@example.net>\n\nhello\n--DD--\n", &r);
	assert_int_equal(r.format, FMT_DSN);
	assert_string_equal(r.orig.message_id, "b1@example.net");
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "bob@example.com");
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_part),
		cmocka_unit_test(test_base64_part),
		cmocka_unit_test(test_headers_only_part),
		cmocka_unit_test(test_nested_forward),
		cmocka_unit_test(test_bounce_rcpt_from_original),
	};
	int rc;

	parse_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	parse_shutdown();
	return rc;
}

/*
 * test_dsn - the bounce reader: RFC 3464 reports field by field, the
 * recipient cap, the text bounces of Exim, qmail, Postfix and Amazon SES,
 * LF / CRLF / CR-only line ends, what is not a bounce (ARF, ordinary mail),
 * status derivation, and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../parse/dsn_local.h"
#include "../../util/buf.h"
#include "../../util/mem.h"

static const char rfc3464[] =
	"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
	"To: a@example.net\nSubject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\n\n"
	"--XX\nContent-Type: text/plain\n\nThe mail system\n\n"
	"--XX\nContent-Type: message/delivery-status\n\n"
	"Reporting-MTA: dns; mx.example.org\n\n"
	"Final-Recipient: rfc822; <one@example.com>\nAction: failed\nStatus: 5.1.1\n"
	"Remote-MTA: dns; mx.example.com\n"
	"Diagnostic-Code: smtp; 550 5.1.1 user\n    unknown\n\n"
	"Original-Recipient: rfc822; two@example.com\nAction: delayed\nStatus: 4.4.1 (timeout)\n\n"
	"--XX\nContent-Type: text/rfc822-headers\n\n"
	"From: a@example.net\nTo: one@example.com\nSubject: hello\nMessage-ID: <m1@example.net>\n\n"
	"--XX--\n";

static const char exim[] =
	"From: Mail Delivery System <Mailer-Daemon@relay.example.org>\n"
	"To: a@example.net\nSubject: Mail delivery failed: returning message to sender\n"
	"X-Failed-Recipients: gone@example.com\n\n"
	"This message was created automatically by mail delivery software.\n\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n\n"
	"  gone@example.com\n"
	"    SMTP error from remote mail server after RCPT TO:<gone@example.com>:\n"
	"    550 5.2.1 mailbox disabled\n\n"
	"------ This is a copy of the message, including all the headers. ------\n\n"
	"From: a@example.net\nTo: gone@example.com\nSubject: news\n"
	"Message-ID: <news-1@example.net>\n\nHello.\n";

static const char qmail[] =
	"From: MAILER-DAEMON@mx4.example.org\nTo: a@example.net\nSubject: failure notice\n\n"
	"Hi. This is the qmail-send program at mx4.example.org.\n"
	"I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
	"<nouser@example.com>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
	"<other@example.com>:\nRemote host said: 554 denied\n\n"
	"--- Below this line is a copy of the message.\n\n"
	"From: a@example.net\nTo: nouser@example.com\nMessage-ID: <q1@example.net>\n\nx\n";

/* parse - split s into MIME parts and run dsn_parse on it; returns its result */
static int parse(const char *s, size_t n, struct report *r)
{
	struct mime m;
	int rc;

	report_init(r);
	mp_parse(&m, s, n);
	rc = dsn_parse(m.nomsg ? NULL : &m.parts[0], s, n, r);
	mp_free(&m);
	return rc;
}

/* ends - copy of s with every "\n" replaced by eol */
static char *ends(const char *s, const char *eol)
{
	struct buf b;
	char *o;

	buf_init(&b, 0);
	for (; *s; s++) {
		if (*s == '\n')
			buf_puts(&b, eol);
		else
			buf_putc(&b, *s);
	}
	o = buf_steal(&b);
	buf_free(&b);
	return o;
}

static void test_rfc3464(void **state)
{
	struct report r;

	(void)state;
	assert_int_equal(parse(rfc3464, sizeof rfc3464 - 1, &r), 1);
	assert_int_equal(r.format, FMT_DSN);
	assert_string_equal(r.reporting_mta, "mx.example.org");
	assert_int_equal(r.nrcpts, 2);
	assert_string_equal(r.rcpts[0].address, "one@example.com");
	assert_string_equal(r.rcpts[0].action, "failed");
	assert_string_equal(r.rcpts[0].status, "5.1.1");
	assert_string_equal(r.rcpts[0].remote_mta, "mx.example.com");
	assert_string_equal(r.rcpts[0].diagnostic, "550 5.1.1 user unknown");
	assert_string_equal(r.rcpts[1].address, "two@example.com");
	assert_string_equal(r.rcpts[1].action, "delayed");
	assert_string_equal(r.rcpts[1].status, "4.4.1");
	assert_true(r.orig.present);
	assert_true(r.orig.headers_only);
	assert_non_null(r.orig.message_id);
	assert_non_null(strstr(r.orig.message_id, "m1@example.net"));
	report_free(&r);
}

static void test_feedback_left_alone(void **state)
{
	static const char arf[] =
		"From: fbl@example.net\nSubject: report\nMIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"B\"\n\n"
		"--B\nContent-Type: text/plain\n\nabuse report\n"
		"--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
		"--B--\n";
	struct report r;

	(void)state;
	assert_int_equal(parse(arf, sizeof arf - 1, &r), 0);
	assert_int_equal(r.format, FMT_UNKNOWN);
	assert_int_equal(r.nrcpts, 0);
	assert_null(r.rcpts);
	report_free(&r);
}

static void test_not_bounce(void **state)
{
	static const char plain[] =
		"From: Alice <alice@example.com>\nTo: abuse@example.net\nSubject: spam from you\n\n"
		"Hello, bob@example.org keeps sending me mail.\nPlease stop it.\n";
	static const char autoreply[] =
		"From: Bob <bob@example.com>\nTo: a@example.net\nSubject: Out of office\n"
		"Auto-Submitted: auto-replied\n\nI am away until Monday.\n";
	struct report r;

	(void)state;
	assert_int_equal(parse(plain, sizeof plain - 1, &r), 0);
	assert_int_equal(r.nrcpts, 0);
	report_free(&r);
	assert_int_equal(parse(autoreply, sizeof autoreply - 1, &r), 0);
	report_free(&r);
}

static void test_exim(void **state)
{
	struct report r;

	(void)state;
	assert_int_equal(parse(exim, sizeof exim - 1, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "gone@example.com");
	assert_string_equal(r.rcpts[0].status, "5.2.1");
	assert_string_equal(r.rcpts[0].action, "failed");
	assert_non_null(strstr(r.rcpts[0].diagnostic, "mailbox disabled"));
	assert_true(r.orig.present);
	assert_non_null(r.orig.message_id);
	assert_non_null(strstr(r.orig.message_id, "news-1@example.net"));
	report_free(&r);
}

/* check_qmail - the qmail bounce as read with any line end (parse_message makes them LF) */
static void check_qmail(const char *eol)
{
	char *s = ends(qmail, eol);
	struct report r;

	report_init(&r);
	parse_message(s, strlen(s), &r);
	assert_int_equal(r.format, FMT_DSN);
	assert_int_equal(r.nrcpts, 2);
	assert_string_equal(r.rcpts[0].address, "nouser@example.com");
	assert_string_equal(r.rcpts[0].status, "5.1.1");
	assert_string_equal(r.rcpts[1].address, "other@example.com");
	assert_string_equal(r.rcpts[1].status, "5.0.0");
	assert_non_null(r.orig.message_id);
	assert_non_null(strstr(r.orig.message_id, "q1@example.net"));
	report_free(&r);
	free(s);
}

static void test_line_ends(void **state)
{
	(void)state;
	check_qmail("\n");
	check_qmail("\r\n");
	check_qmail("\r");
}

static void test_ses_json(void **state)
{
	static const char ses[] =
		"From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n"
		"{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":"
		"[{\"emailAddress\":\"x@example.com\",\"action\":\"failed\",\"status\":\"5.1.1\","
		"\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"},"
		"{\"emailAddress\":\"y@example.com\",\"status\":\"5.2.2\"}]}}\n";
	struct report r;

	(void)state;
	assert_int_equal(parse(ses, sizeof ses - 1, &r), 1);
	assert_int_equal(r.nrcpts, 2);
	assert_string_equal(r.rcpts[0].address, "x@example.com");
	assert_string_equal(r.rcpts[0].diagnostic, "550 5.1.1 user unknown");
	assert_string_equal(r.rcpts[1].status, "5.2.2");
	report_free(&r);
}

static void test_rcpt_cap(void **state)
{
	struct buf b;
	struct report r;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "From: MAILER-DAEMON@example.org\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=delivery-status; boundary=\"C\"\n\n"
		 "--C\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n");
	for (int i = 0; i < PARSE_MAX_RCPTS + 500; i++)
		buf_printf(&b, "Final-Recipient: rfc822; u%d@example.com\nAction: failed\n"
			   "Status: 5.0.0\n\n", i);
	buf_puts(&b, "--C--\n");
	assert_int_equal(parse(b.data, b.len, &r), 1);
	assert_int_equal(r.nrcpts, PARSE_MAX_RCPTS);
	assert_string_equal(r.rcpts[PARSE_MAX_RCPTS - 1].address, "u999@example.com");
	report_free(&r);
	buf_free(&b);
}

static void test_status_guess(void **state)
{
	char st[16];

	(void)state;
	/* a phrase names the cause; the reply code gives the class */
	dsn_status_guess("host said: 550 unknown user", "5.0.0", st);
	assert_string_equal(st, "5.1.1");
	dsn_status_guess("host said: 452 mailbox full, try later", "5.0.0", st);
	assert_string_equal(st, "4.2.2");
	dsn_status_guess("250 2.0.0 Ok then 550 5.7.1 relaying denied", "5.0.0", st);
	assert_string_equal(st, "5.7.1");
	dsn_status_guess("from 192.0.2.55 version 10.4.5.6: 421 try later", "5.0.0", st);
	assert_string_equal(st, "4.0.0");
	dsn_status_guess("Your mailbox is full", "5.0.0", st);
	assert_string_equal(st, "5.2.2");
	dsn_status_guess("no idea", "4.0.0", st);
	assert_string_equal(st, "4.0.0");
	assert_int_equal(dsn_find_status("v1.2.3.4", 8, st), -1);
	/* the remote server's pair: reply code, then an enhanced code of its class */
	assert_int_equal(dsn_find_pair("host x said: 552-5.2.2 Over quota", 33, st), 0);
	assert_string_equal(st, "5.2.2");
	assert_int_equal(dsn_find_pair("550 4.7.1 mixed classes", 23, st), -1);
	assert_int_equal(dsn_find_pair("version 550 5.1 x", 17, st), -1);
	assert_int_equal(dsn_find_pair("250 2.0.0 ok; then 554  5.7.1 no", 32, st), 0);
	assert_string_equal(st, "5.7.1");
	/* qmail's code at the end of its reply; not one of another reply or class */
	{
		static const char *const yes = "553 sorry, your envelope recipient is in my badrcptto list (#5.7.1)";
		static const char *const no1 = "553 sorry (#4.7.1)";
		static const char *const no2 = "550 no such user here 421 later (#5.7.1)";
		static const char *const no3 = "553 sorry (#5.7.1";

		assert_int_equal(dsn_find_pair(yes, strlen(yes), st), 0);
		assert_string_equal(st, "5.7.1");
		assert_int_equal(dsn_find_pair(no1, strlen(no1), st), -1);
		assert_int_equal(dsn_find_pair(no2, strlen(no2), st), -1);
		assert_int_equal(dsn_find_pair(no3, strlen(no3), st), -1);
	}
}

/* text bounces that name no recipient in their own words, or name the
 * refusal above the recipient; an RFC 5321 source route */
static void test_text_shapes(void **state)
{
	static const char transcript[] =
		"From: Mail Delivery Subsystem <MAILER-DAEMON@example.com>\n"
		"Subject: Returned mail: Cannot send message for 4 days\n\n"
		"   ----- Transcript of session follows -----\n"
		"421 example.com (smtp)... Deferred: Connection timed out\n\n"
		"   ----- Unsent message follows -----\n"
		"Received: by mx9.example.com; id 0000000\n"
		"From: a@example.co.jp\nTo: gone@example.com\nSubject: hi\n\nbody\n";
	static const char james[] =
		"From: post_master@vtext.example.com\nSubject: Re:Test message\n\n"
		"Error: Invalid user address\n\nError message below:\n"
		"550 - Requested action not taken: no such user here\n\n"
		"Message details:\n  Subject: Test message\n  MAIL FROM: a@example.com\n"
		"  RCPT TO: 000000@vtext.example.com\n  From: a@example.com\n";
	static const char route[] =
		"From: MAILER-DAEMON@mx.example.org\nTo: a@example.net\nSubject: Undelivered\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\n\n"
		"--XX\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example.org\n\n"
		"Final-Recipient: rfc822;@smtp.example.net:kijitora@example.net\n"
		"Action: failed\nStatus: 5.2.0\n\n--XX--\n";
	struct report r;

	(void)state;
	assert_int_equal(parse(transcript, sizeof transcript - 1, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "gone@example.com");
	report_free(&r);
	assert_int_equal(parse(james, sizeof james - 1, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "000000@vtext.example.com");
	assert_string_equal(r.rcpts[0].status, "5.1.1");
	assert_non_null(strstr(r.rcpts[0].diagnostic, "no such user here"));
	report_free(&r);
	assert_int_equal(parse(route, sizeof route - 1, &r), 1);
	assert_string_equal(r.rcpts[0].address, "kijitora@example.net");
	report_free(&r);
}

/* a Status the reporting MTA mapped from the reply code gives way to the
 * remote server's own enhanced code; a Status with no pair to contradict it stays */
static void test_status_pair(void **state)
{
	static const char tmpl[] =
		"From: MAILER-DAEMON@mx.example.org\nTo: a@example.net\nSubject: Undelivered\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\n\n"
		"--XX\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example.org\n\n"
		"Final-Recipient: rfc822; one@example.com\nAction: failed\nStatus: %s\n"
		"Diagnostic-Code: smtp; %s\n\n--XX--\n";
	char msg[1024];
	struct report r;
	int n;

	(void)state;
	n = snprintf(msg, sizeof msg, tmpl, "5.1.1", "552 5.2.2 Over quota");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].status, "5.2.2");
	report_free(&r);
	n = snprintf(msg, sizeof msg, tmpl, "4.5.0", "550 5.5.0 Service refused");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].status, "5.5.0");
	report_free(&r);
	n = snprintf(msg, sizeof msg, tmpl, "5.0.0",
		     "5.1.0 - Unknown address error 550-'5.2.2 <one@example.com>... Mailbox Full'");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].status, "5.2.2");
	report_free(&r);
	n = snprintf(msg, sizeof msg, tmpl, "5.1.1", "550 user unknown");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].status, "5.1.1");
	report_free(&r);
	/* digits in an address are no reply code: "+555-" starts no pair with the qmail "(#5.1.1)" */
	n = snprintf(msg, sizeof msg, tmpl, "4.0.0", "454 5.6.25 <v+555-553@example.com> (#5.1.1)");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].status, "4.0.0");
	report_free(&r);
	/* nor do they end the reply before its qmail "(#5.1.1)" */
	n = snprintf(msg, sizeof msg, tmpl, "5.0.0", "552 4.3.23 <v+555-=56@example.com> User (#5.1.1)");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].status, "5.1.1");
	report_free(&r);
}

/* fields written into a text bounce (no delivery-status part) are read as
 * fields: the Status there wins over a guess from the human text, and an
 * Original-Recipient in the same group is not a recipient of its own */
static void test_inline_fields(void **state)
{
	static const char qp[] =
		"From: MAILER-DAEMON@mx.example.org\nTo: a@example.net\n"
		"Subject: Delivery Status Notification (Failure)\nMIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=iso-8859-1\n"
		"Content-Transfer-Encoding: quoted-printable\n\n"
		"An error occurred while trying to deliver the mail to the following recip=\n"
		"ients:\none@example.com\n\nTechnical report:\n\nReporting-MTA: dsn; mx=\n"
		".example.org\n\nAction: failed\nFinal-Recipient:=\n rfc822; one@example.com\n"
		"Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to deliver in 840 m=\n"
		"inutes.\nS=\ntatus: 4.4.7\n\n";
	static const char quoted[] =
		"From: MAILER-DAEMON@relay.example.org\nTo: a@example.net\n"
		"Subject: Undelivered Mail Returned to Sender\n\n"
		"The message returned below could not be delivered.\n\n"
		"---------------------------------\n"
		"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
		"Subject: Undelivered Mail Returned to Sender\n\n"
		"<two@example.com> (expanded from <list@example.com>): delivery temporarily\n"
		"    suspended: connect to mx.example.com[192.0.2.2]: server refused to talk\n"
		"    to me: 421 Service not available\n\n"
		"Reporting-MTA: dns; mx.example.org\n\n"
		"Final-Recipient: rfc822; two@example.com\n"
		"Original-Recipient: rfc822; list@example.com\nAction: failed\nStatus: 4.0.0\n"
		"Diagnostic-Code: X-Postfix; delivery temporarily suspended: connect to\n"
		"    mx.example.com[192.0.2.2]: server refused to talk to me: 421\n\n";
	struct report r;

	(void)state;
	assert_int_equal(parse(qp, sizeof qp - 1, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "one@example.com");
	assert_string_equal(r.rcpts[0].status, "4.4.7");
	assert_string_equal(r.rcpts[0].action, "failed");
	report_free(&r);
	assert_int_equal(parse(quoted, sizeof quoted - 1, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "two@example.com");
	assert_string_equal(r.rcpts[0].status, "4.0.0");
	assert_string_equal(r.rcpts[0].action, "failed");
	report_free(&r);
}

/* a bounce forwarded by hand, every line quoted with ">": the quoted
 * delivery-status fields are read as fields (status, diagnostic, remote
 * MTA), not the transcript's last reply and the quoted text after it */
static void test_quoted_forward(void **state)
{
	static const char fwd[] =
		"From: user@example.jp\nTo: abuse@example.net\nSubject: Fwd: Returned mail\n"
		"Content-Type: text/plain\n\nBegin forwarded message:\n\n"
		"> From: Mail Delivery Subsystem <MAILER-DAEMON>\n"
		"> Subject: Returned mail: see transcript for details\n>\n"
		">    ----- The following addresses had permanent fatal errors -----\n"
		"> <gone@example.org>\n"
		">     (reason: 550 Unknown user gone@example.org)\n>\n"
		">    ----- Transcript of session follows -----\n"
		"> ... while talking to mx.example.org.:\n> >>> DATA\n"
		"> <<< 550 Unknown user gone@example.org\n> 554 5.0.0 Service unavailable\n"
		"> Reporting-MTA: dns; smtp.example.jp\n>\n"
		"> Final-Recipient: RFC822; gone@example.org\n> Action: failed\n> Status: 5.2.0\n"
		"> Remote-MTA: DNS; mx.example.org\n"
		"> Diagnostic-Code: SMTP; 550 Unknown user gone@example.org\n>\n"
		"> From: user@example.jp\n> To: gone@example.org\n> Subject: TEST\n>\n> TEST\n";
	struct report r;

	(void)state;
	assert_int_equal(parse(fwd, sizeof fwd - 1, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "gone@example.org");
	assert_string_equal(r.rcpts[0].status, "5.2.0");
	assert_string_equal(r.rcpts[0].diagnostic, "550 Unknown user gone@example.org");
	assert_string_equal(r.rcpts[0].remote_mta, "mx.example.org");
	report_free(&r);
}

/* a Final-Recipient that is no mailbox (a pipe, a bare route) gives way to
 * the one recipient the bounce names in its own words */
static void test_not_a_mailbox(void **state)
{
	static const char tmpl[] =
		"From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nTo: a@example.net\n"
		"Subject: Mail delivery failed: returning message to sender\n%s"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\n\n"
		"--XX\nContent-Type: text/plain\n\n%s\n"
		"--XX\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example.org\n\n"
		"Final-Recipient: rfc822;%s\nAction: failed\nStatus: 5.0.0\n\n--XX--\n";
	char msg[2048];
	struct report r;
	int n;

	(void)state;
	n = snprintf(msg, sizeof msg, tmpl, "X-Failed-Recipients: one@example.com\n",
		     "A message that you sent could not be delivered to one or more of its\n"
		     "recipients. This is a permanent error. The following address(es) failed:\n\n"
		     "  pipe to |/usr/bin/filter one@example.com\n    generated by one@example.com\n",
		     "|/usr/bin/filter one@example.com");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "one@example.com");
	report_free(&r);
	n = snprintf(msg, sizeof msg, tmpl, "",
		     "   ----- The following addresses had permanent fatal errors -----\n"
		     "<two@example.org>\n    (reason: 550 Host unknown)\n", "@mx.example.org");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "two@example.org");
	report_free(&r);
	/* a mailbox Final-Recipient stands even when the text names another */
	n = snprintf(msg, sizeof msg, tmpl, "X-Failed-Recipients: other@example.com\n",
		     "The following address(es) failed:\n\n  other@example.com\n",
		     "three@example.com");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].address, "three@example.com");
	report_free(&r);
}

/*
 * a notice that names no recipient and attaches a delivery status report in
 * place of the original (Sisimai's "X5"): the attached report's recipients,
 * reporting MTA and original are the bounce's; anything else attached is
 * read as before (the attached message's To)
 */
static void test_nested_report(void **state)
{
	static const char tmpl[] =
		"From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example.org>\n"
		"To: NotificationRecipients@gw.example.org\nSubject: Returned mail: see transcript\n"
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"OUT\"\n\n"
		"--OUT\nContent-Type: text/plain\n\n"
		"The original message was received at Mon, 2 Jan 2024 00:00:00 +0000\n\n"
		"----- The following addresses had permanent delivery errors -----\n\n\n"
		"--OUT\nContent-Type: message/rfc822\n\n%s\n--OUT--\n";
	static const char report[] =
		"From: Mail Delivery Subsystem <MAILER-DAEMON@store.example.net>\n"
		"To: sender@example.org\nSubject: Returned mail: User unknown\n"
		"Message-Id: <dsn-1@store.example.net>\nMIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"IN\"\n\n"
		"--IN\n\n   ----- The following addresses had permanent delivery errors -----\n"
		"dest@example.com\n\n"
		"--IN\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; store.example.net\n\n"
		"Final-Recipient: RFC822; dest@example.com\nAction: failed\nStatus: 5.2.2\n"
		"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n"
		"--IN\nContent-Type: message/rfc822\n\n"
		"Received: from pc.example.org (pc.example.org [192.0.2.77]) by mx.example.org"
		" (Postfix) with ESMTP id 4AbC; Mon, 2 Jan 2024 00:00:00 +0000\n"
		"From: sender@example.org\nTo: dest@example.com\nSubject: hello\n"
		"Message-ID: <orig-1@example.org>\n\nbody\n--IN--\n";
	static const char plain[] =
		"From: sender@example.org\nTo: plain@example.com\nSubject: hello\n"
		"Message-ID: <orig-2@example.org>\n\nbody\n";
	static const char arf[] =
		"From: fbl@isp.example\nTo: sender@example.org\nSubject: complaint\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"FB\"\n\n"
		"--FB\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n\n"
		"--FB\nContent-Type: message/delivery-status\n\n"
		"Final-Recipient: rfc822; fbl@example.com\nAction: failed\nStatus: 5.1.1\n\n"
		"--FB\nContent-Type: text/rfc822-headers\n\n"
		"From: sender@example.org\nTo: arf@example.com\n\n--FB--\n";
	char *msg = xmalloc(8192);
	struct report r;
	int n;

	(void)state;
	n = snprintf(msg, 8192, tmpl, report);
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_int_equal(r.format, FMT_DSN);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "dest@example.com");
	assert_string_equal(r.rcpts[0].status, "5.2.2");
	assert_string_equal(r.rcpts[0].diagnostic, "552 5.2.2 Mailbox full");
	assert_string_equal(r.reporting_mta, "store.example.net");
	assert_true(r.orig.present);
	assert_non_null(strstr(r.orig.message_id, "orig-1@example.org"));
	assert_int_equal(r.nhops, 1);
	assert_string_equal(r.hops[0].from_ip, "192.0.2.77");
	report_free(&r);
	/* an ordinary message attached: its To, as before */
	n = snprintf(msg, 8192, tmpl, plain);
	assert_true(parse(msg, (size_t)n, &r) > 0);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "plain@example.com");
	assert_non_null(strstr(r.orig.message_id, "orig-2@example.org"));
	report_free(&r);
	/* a feedback report attached is no delivery report: its To, as before */
	n = snprintf(msg, 8192, tmpl, arf);
	assert_true(parse(msg, (size_t)n, &r) > 0);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "sender@example.org");
	report_free(&r);
	free(msg);
}

/* a routed Final-Recipient gives way to the Original-Recipient, in either order */
static void test_routed_final(void **state)
{
	static const char tmpl[] =
		"From: MAILER-DAEMON@mx.example.org\nTo: a@example.net\nSubject: Delivery Notification\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\n\n"
		"--XX\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example.org\n\n%s\n%s\nAction: failed\nStatus: 5.2.0\n\n--XX--\n";
	static const char *const fin[] = {
		"Final-Recipient: rfc822;@smtp.example.net:one@store", "Final-Recipient: rfc822;one@store",
	};
	static const char orig[] = "Original-Recipient: rfc822;one@example.net";
	char msg[1024];
	struct report r;
	int n;

	(void)state;
	for (int order = 0; order < 2; order++) {
		n = snprintf(msg, sizeof msg, tmpl, order ? orig : fin[0], order ? fin[0] : orig);
		assert_int_equal(parse(msg, (size_t)n, &r), 1);
		assert_int_equal(r.nrcpts, 1);
		assert_string_equal(r.rcpts[0].address, "one@example.net");
		report_free(&r);
	}
	/* a plain Final-Recipient stands */
	n = snprintf(msg, sizeof msg, tmpl, fin[1], orig);
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].address, "one@store");
	report_free(&r);
	/* a lone '>' after the address (NTT docomo's mopera) is no part of it */
	n = snprintf(msg, sizeof msg, tmpl, "Final-Recipient: RFC822; two@mopera.example.jp>", "");
	assert_int_equal(parse(msg, (size_t)n, &r), 1);
	assert_string_equal(r.rcpts[0].address, "two@mopera.example.jp");
	report_free(&r);
}

/* an address in the remote server's quoted answer, after a label of its own
 * ("said: 554 ... Recipient: <x>"), is no recipient of the bounce; the same
 * words starting a line, as Sendmail writes its recipient line, still are */
static void test_reply_quotes_address(void **state)
{
	static const char qmail[] =
		"From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
		"Hi. This is the qmail-send program at mx.example.net.\n"
		"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
		"This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
		"<gone@example.org>:\n192.0.2.7 does not like recipient.\n"
		"Remote host said: 554 Error: 5.7.1 Final-Recipient: <decoy@example.com>\n"
		"Giving up on 192.0.2.7.\n\n--- Below this line is a copy of the message.\n\nFrom: a@example.net\n";
	static const char sendmail[] =
		"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\nSubject: Returned mail: see transcript\n\n"
		"   ----- Transcript of session follows -----\n"
		"550 5.1.1 Recipient address rejected: <gone@example.org>\n";
	struct report r;

	(void)state;
	assert_int_equal(parse(qmail, sizeof qmail - 1, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "gone@example.org");
	assert_string_equal(r.rcpts[0].status, "5.7.1");
	assert_non_null(strstr(r.rcpts[0].diagnostic, "decoy@example.com"));
	report_free(&r);
	assert_int_equal(parse(sendmail, sizeof sendmail - 1, &r), 1);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "gone@example.org");
	assert_string_equal(r.rcpts[0].status, "5.1.1");
	report_free(&r);
}

static void test_hostile(void **state)
{
	struct buf b;
	struct report r;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "From: MAILER-DAEMON@example.org\nSubject: Undeliverable\n"
		 "X-Failed-Recipients: ");
	for (int i = 0; i < 3000; i++)
		buf_printf(&b, "f%d@example.com, ", i);
	buf_puts(&b, "\n\nThis message was created automatically by mail delivery software.\n");
	for (int i = 0; i < 20000; i++)
		buf_puts(&b, "<@@@.@@>:: 5.5. 55 <a@b.c>... ;;; \r\r\n");
	buf_append(&b, "\0\0\xff\xfe", 4);
	assert_int_equal(parse(b.data, b.len, &r), 1);
	assert_true(r.nrcpts <= PARSE_MAX_RCPTS);
	report_free(&r);
	assert_int_equal(parse("", 0, &r), 0);
	report_free(&r);
	assert_int_equal(dsn_parse(NULL, NULL, 0, &r), 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3464),
		cmocka_unit_test(test_feedback_left_alone),
		cmocka_unit_test(test_not_bounce),
		cmocka_unit_test(test_exim),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_ses_json),
		cmocka_unit_test(test_rcpt_cap),
		cmocka_unit_test(test_status_guess),
		cmocka_unit_test(test_status_pair),
		cmocka_unit_test(test_inline_fields),
		cmocka_unit_test(test_quoted_forward),
		cmocka_unit_test(test_not_a_mailbox),
		cmocka_unit_test(test_routed_final),
		cmocka_unit_test(test_nested_report),
		cmocka_unit_test(test_text_shapes),
		cmocka_unit_test(test_reply_quotes_address),
		cmocka_unit_test(test_hostile),
	};

	parse_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

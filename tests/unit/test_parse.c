/*
 * test_parse - the report parser: ARF fields and their real-world
 * deviations, X-ARF, SpamCop, JMRP, human complaints, auto-replies, the JSON
 * form, and hostile input (each case bounded in time and warned about).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "../../parse/mimescan.h"
#include "../../parse/parse_int.h"
#include "../../parse/report.h"
#include "slowdown.h"
#include "../../util/buf.h"
#include "../../util/mem.h"

#define ARF_HEAD \
	"From: fbl@example.net\n" \
	"To: abuse@example.com\n" \
	"Subject: FW: report\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"BB\"\n\n" \
	"--BB\nContent-Type: text/plain\n\nThis is an abuse report.\n\n" \
	"--BB\nContent-Type: message/feedback-report\n\n"
#define ARF_ORIG \
	"\n--BB\nContent-Type: message/rfc822\n\n" \
	"Received: from mail.example.com (mail.example.com [192.0.2.10])\n" \
	"\tby mx.example.net (Postfix) with ESMTP id 4ABC\n" \
	"\tfor <u@example.net>; Mon, 1 Jan 2024 10:00:00 +0000\n" \
	"From: Spammer <spam@example.com>\nTo: u@example.net\nSubject: buy\n" \
	"Message-ID: <m1@example.com>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nbody\n" \
	"--BB--\n"

static const char arf_msg[] = ARF_HEAD
	"Feedback-Type: Abuse\nUser-Agent: TestFBL/1.0\nVersion: 1\n"
	"Original-Mail-From: <spam@example.com>\nOriginal-Rcpt-To: <u@example.net>\n"
	"Original-Rcpt-To: <v@example.net>\nArrival-Date: Mon, 1 Jan 2024 10:00:05 +0000\n"
	"Source-IP: 192.0.2.10\nSource-Port: 52100\nReported-Domain: example.com\n"
	"Reported-URI: http://example.com/x\nIncidents: 3\nReporting-MTA: dns; mx.example.net\n"
	ARF_ORIG;

/* parse_str - parse a NUL-terminated message */
static void parse_str(const char *s, size_t len, struct report *r)
{
	report_init(r);
	assert_int_equal(parse_message(s, len, r), 0);
}

/* has_warning - some warning contains needle */
static int has_warning(const struct report *r, const char *needle)
{
	size_t i;

	for (i = 0; i < r->warnings.n; i++)
		if (strstr(r->warnings.v[i], needle))
			return 1;
	return 0;
}

static void test_arf_fields(void **state)
{
	struct report r;

	parse_str(arf_msg, strlen(arf_msg), &r);
	assert_int_equal(r.format, FMT_ARF);
	assert_string_equal(r.feedback_type, "abuse");
	assert_string_equal(r.user_agent, "TestFBL/1.0");
	assert_string_equal(r.source_ip, "192.0.2.10");
	assert_int_equal(r.source_port, 52100);
	assert_string_equal(r.arrival_date, "2024-01-01T10:00:05Z");
	assert_string_equal(r.original_mail_from, "spam@example.com");
	assert_int_equal(r.original_rcpt_to.n, 2);
	assert_string_equal(r.original_rcpt_to.v[1], "v@example.net");
	assert_string_equal(r.reported_domains.v[0], "example.com");
	assert_int_equal(r.incidents, 3);
	assert_string_equal(r.reporting_mta, "mx.example.net");
	assert_string_equal(r.reporter, "fbl@example.net");
	assert_true(r.orig.present);
	assert_false(r.orig.headers_only);
	assert_string_equal(r.orig.message_id, "m1@example.com");
	assert_string_equal(r.orig.subject, "buy");
	assert_non_null(r.orig.body_sha256);
	assert_int_equal(r.nhops, 1);
	assert_string_equal(r.hops[0].from_ip, "192.0.2.10");
	report_free(&r);
}

/* RFC 6591 auth-failure fields and RFC 5965's Version and
 * Original-Envelope-Id: kept as written, the first of each */
static void test_arf_auth_failure_fields(void **state)
{
	static const char m[] = ARF_HEAD
		"Feedback-Type: auth-failure\nUser-Agent: Test/1\nVersion: 1\n"
		"Original-Envelope-Id: o.20240101T100000.abc\nAuth-Failure: signature\n"
		"Delivery-Result: reject\nDKIM-Domain: example.com\nDKIM-Identity: @news.example.com\n"
		"DKIM-Selector: s2024\nDKIM-Selector: second\nSPF-DNS: txt : example.com : \"v=spf1 -all\"\n"
		"Identity-Alignment: dkim\nSource-IP: 192.0.2.10\n"
		ARF_ORIG;
	struct report r;
	struct buf j;

	(void)state;
	parse_str(m, strlen(m), &r);
	assert_string_equal(r.auth_failure, "signature");
	assert_string_equal(r.arf_version, "1");
	assert_string_equal(r.original_envelope_id, "o.20240101T100000.abc");
	assert_string_equal(r.delivery_result, "reject");
	assert_string_equal(r.dkim_domain, "example.com");
	assert_string_equal(r.dkim_identity, "@news.example.com");
	assert_string_equal(r.dkim_selector, "s2024");
	assert_string_equal(r.spf_dns, "txt : example.com : \"v=spf1 -all\"");
	assert_string_equal(r.identity_alignment, "dkim");
	buf_init(&j, 0);
	report_to_json(&r, NULL, &j);
	assert_non_null(strstr(j.data, "\"dkim_selector\":\"s2024\""));
	assert_non_null(strstr(j.data, "\"spf_dns\":\"txt : example.com : \\\"v=spf1 -all\\\"\""));
	buf_free(&j);
	report_free(&r);
	/* absent: null */
	parse_str(arf_msg, strlen(arf_msg), &r);
	assert_null(r.dkim_domain);
	assert_null(r.original_envelope_id);
	assert_string_equal(r.arf_version, "1");
	report_free(&r);
}

/* impossible dates and zones: refused with a warning, the field left null */
static void test_arf_impossible_dates(void **state)
{
	static const char *dates[] = {
		"Mon, 01 Jan 0001 00:00:00 +0000",    /* was 2001-01-01 */
		"Thu, 01 Jan 1970 00:00:00 -2400",    /* was arrival_at 86400 */
		"Mon, 1 Jan 2024 10:00:05 +0060",
		"Mon, 1 Jan 2024 10:00:05 +9959",
		"Thu, 01 Jan 1970 00:00:00 +0100",    /* before the epoch */
		"31 Dec 1969 23:00:00 +0000",
		"0001-01-01T00:00:00Z",
		"2024-01-01T00:00:00+24:00",
		"2024-01-01T00:00:00-00:60",
	};
	char msg[2048];
	struct report r;

	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		int n = snprintf(msg, sizeof(msg), ARF_HEAD "Feedback-Type: abuse\nVersion: 1\n"
				 "Arrival-Date: %s\nSource-IP: 192.0.2.10\n" ARF_ORIG, dates[i]);

		assert_true(n > 0 && (size_t)n < sizeof(msg));
		parse_str(msg, (size_t)n, &r);
		if (r.arrival_date != NULL || r.arrival != 0)
			fail_msg("%s: accepted as %s", dates[i], r.arrival_date ? r.arrival_date : "?");
		assert_true(has_warning(&r, "arrival date not understood"));
		report_free(&r);
	}
	/* the edges that remain possible */
	parse_str(msg, (size_t)snprintf(msg, sizeof(msg), ARF_HEAD "Feedback-Type: abuse\nVersion: 1\n"
		  "Arrival-Date: Thu, 01 Jan 1970 00:00:00 -2359\n" ARF_ORIG), &r);
	assert_string_equal(r.arrival_date, "1970-01-01T23:59:00Z");
	report_free(&r);
	parse_str(msg, (size_t)snprintf(msg, sizeof(msg), ARF_HEAD "Feedback-Type: abuse\nVersion: 1\n"
		  "Arrival-Date: 1 Jan 24 10:00:05 +1400\n" ARF_ORIG), &r);
	assert_string_equal(r.arrival_date, "2023-12-31T20:00:05Z");
	report_free(&r);
}

static void test_arf_deviations(void **state)
{
	static const char msg[] = "From MAILER-DAEMON Mon Jan  1 10:00:00 2024\n" ARF_HEAD
		"Version: 0.1\nFeedback-Type: opt-out\nReceived-Date: 1 Jan 2024 10:00:05 -0000\n"
		"Source-Ip: x.x.x.x\n"
		"\n--BB\nContent-Type: text/rfc822-header\n\n"
		"From: a@example.com\nSubject: hi\n\n--BB--\n";
	struct report r;

	parse_str(msg, strlen(msg), &r);
	assert_int_equal(r.format, FMT_ARF);
	assert_string_equal(r.feedback_type, "opt-out");
	assert_string_equal(r.arrival_date, "2024-01-01T10:00:05Z");
	assert_null(r.source_ip);
	assert_true(has_warning(&r, "redacted"));
	assert_true(r.orig.present);
	assert_true(r.orig.headers_only);
	assert_string_equal(r.orig.subject, "hi");
	report_free(&r);
}

static void test_arf_base64_and_comment(void **state)
{
	/* "Feedback-Type: abuse\nSource-IP: 198.51.100.7 (mx.example.org)\n" */
	static const char msg[] = "From: fbl@example.net\nMIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"BB\"\n\n"
		"--BB\nContent-Type: message/feedback-report\nContent-Transfer-Encoding: base64\n\n"
		"RmVlZGJhY2stVHlwZTogYWJ1c2UKU291cmNlLUlQOiAxOTguNTEuMTAwLjcgKG14LmV4YW1wbGUu\n"
		"b3JnKQo=\n--BB--\n";
	struct report r;

	parse_str(msg, strlen(msg), &r);
	assert_int_equal(r.format, FMT_ARF);
	assert_string_equal(r.feedback_type, "abuse");
	assert_string_equal(r.source_ip, "198.51.100.7");
	assert_true(has_warning(&r, "reported message"));
	report_free(&r);
}

static void test_line_ends(void **state)
{
	struct buf crlf, cr;
	struct report a, b;
	size_t i;

	buf_init(&crlf, 0);
	buf_init(&cr, 0);
	for (i = 0; arf_msg[i]; i++) {
		if (arf_msg[i] == '\n') {
			buf_puts(&crlf, "\r\n");
			buf_putc(&cr, '\r');
		} else {
			buf_putc(&crlf, arf_msg[i]);
			buf_putc(&cr, arf_msg[i]);
		}
	}
	parse_str(crlf.data, crlf.len, &a);
	parse_str(cr.data, cr.len, &b);
	assert_int_equal(a.format, FMT_ARF);
	assert_int_equal(b.format, FMT_ARF);
	assert_string_equal(a.source_ip, "192.0.2.10");
	assert_string_equal(b.source_ip, "192.0.2.10");
	assert_int_equal(a.nhops, 1);
	assert_int_equal(b.nhops, 1);
	assert_string_equal(b.orig.subject, "buy");
	report_free(&a);
	report_free(&b);
	buf_free(&crlf);
	buf_free(&cr);
}

/* adjacent base64 encoded words: each is decoded on its own (GMime alone
 * joins their text and stops at the first word's padding) */
static void test_encoded_word_runs(void **state)
{
	static const struct { const char *in, *out; } c[] = {
		/* folded pair, the first word padded: the whole subject */
		{ "=?utf-8?B?44OQ44Km44Oz44K544OIKOaXpQ==?=\n =?utf-8?B?5pys6KqeKQ==?=",
		  "\xe3\x83\x90\xe3\x82\xa6\xe3\x83\xb3\xe3\x82\xb9\xe3\x83\x88(\xe6\x97\xa5"
		  "\xe6\x9c\xac\xe8\xaa\x9e)" },
		/* a character split across two words (no padding): joined bytes */
		{ "=?UTF-8?B?w6k=?= =?utf-8?b?w6g=?=", "\xc3\xa9\xc3\xa8" },
		{ "=?utf-8?B?5pc=?= =?utf-8?B?pQ==?=", "\xe6\x97\xa5" },
		/* three words, text after the run keeps its space */
		{ "=?utf-8?B?YQ==?= =?utf-8?B?Yg==?=\t=?utf-8?B?Yw==?= tail", "abc tail" },
		/* other charsets or a Q word are not joined to the run */
		{ "=?utf-8?B?YQ==?= =?iso-8859-1?Q?=E9?=", "a\xc3\xa9" },
		{ "=?iso-8859-1?B?6Q==?= =?utf-8?B?w6g=?=", "\xc3\xa9\xc3\xa8" },
		/* words with text between are not adjacent */
		{ "=?utf-8?B?YQ==?= and =?utf-8?B?Yg==?=", "a and b" },
		/* an unfinished word stays text */
		{ "=?utf-8?B?YQ==?= =?utf-8?B", "a =?utf-8?B" },
		{ "=?utf-8?B?YQ==?= =?", "a =?" },
		{ "plain", "plain" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *d = mp_decode_text(c[i].in);

		assert_string_equal(d, c[i].out);
		g_free(d);
	}
}

/* a plain-text report with stray addresses (quoted headers, prose, whois, a signature) names
 * only the source its log lines name */
static void test_plain_stray_ips(void **state)
{
	static const char msg[] = "From: noc@example.org\nSubject: attacks on our mail server\n\n"
		"Our server 198.51.100.250 sees password guessing; we blocked it at 198.51.100.1.\n"
		"2024-05-01T10:58:01Z mail dovecot: auth: passwd-file(a@example.org,192.0.2.50): unknown user\n"
		"2024-05-01 10:58:03 mail dovecot: imap-login: rip=192.0.2.50, lip=198.51.100.250\n"
		"[2024-05-01T10:58:05+00:00] mail dovecot: auth failed rip=192.0.2.50\n"
		"> Received: from relay.example.org (relay.example.org [203.0.113.99])\n"
		"> May  1 09:00:00 the attacks come from 203.0.113.98\n"
		"X-Originating-IP: 203.0.113.97\n"
		"-- \nMay  1 09:00:00 NOC 203.0.113.96 resolvers\n";
	static const char prose[] = "From: ops@example.org\nSubject: scans\n\n"
		"the host 203.0.113.7 scans us.\n> quoted 203.0.113.8\n-- \nsig 203.0.113.9\n";
	static const char web[] = "From: ops@example.org\nSubject: wp-login brute force\n\n"
		"203.0.113.30 - - [01/May/2024:10:00:01 +0000] \"POST /wp-login.php HTTP/1.1\" 200 512\n"
		"203.0.113.30 - - [01/May/2024:10:00:02 +0000] \"POST /wp-login.php HTTP/1.1\" 200 512\n"
		"198.51.100.4 - - [01/May/2024:10:00:03 +0000] \"GET / HTTP/1.1\" 200 10\n";
	struct report r;

	parse_str(msg, strlen(msg), &r);
	assert_int_equal(r.format, FMT_PLAIN);
	assert_string_equal(r.source_ip, "192.0.2.50");
	assert_int_equal(r.source_sure, SRC_SURE_HIGH);
	assert_int_equal(r.abuse_category, CAT_LOGIN_ATTACK);
	assert_string_equal(r.arrival_date, "2024-05-01T10:58:01Z");
	assert_non_null(strstr(r.source_field, "3 of 3 log lines"));
	report_free(&r);
	/* no log line: the first unquoted address above the signature, low */
	parse_str(prose, strlen(prose), &r);
	assert_string_equal(r.source_ip, "203.0.113.7");
	assert_int_equal(r.source_sure, SRC_SURE_LOW);
	assert_int_equal(r.abuse_category, CAT_SCAN);
	report_free(&r);
	/* web server log lines: the address on most lines, medium when others appear; the
	 * stamp with its zone is the arrival time */
	parse_str(web, strlen(web), &r);
	assert_string_equal(r.source_ip, "203.0.113.30");
	assert_int_equal(r.source_sure, SRC_SURE_MEDIUM);
	assert_string_equal(r.arrival_date, "2024-05-01T10:00:01Z");
	report_free(&r);
}

/* log lines stamped as RFC 5322 writes dates: the source, and the arrival time when the
 * stamp states its zone; a syslog stamp (no year, no zone) sets none */
static void test_plain_log_stamps(void **state)
{
	static const char rfc[] = "From: ops@example.org\nSubject: port scans\n\n"
		"Fri, 3 May 2024 18:13:36 -0400 fw1: ipfw DENY from 192.0.2.77 port 3863\n"
		"03 May 2024 18:13:40 -0400 fw1: ipfw DENY from 192.0.2.77 port 3864\n";
	static const char bare[] = "From: ops@example.org\nSubject: port scans\n\n"
		"3 May 2024 18:13:36 fw1: ipfw DENY from 192.0.2.78\n";
	static const char sys[] = "From: ops@example.org\nSubject: port scans\n\n"
		"May  3 18:13:36 fw1 kernel: DROP SRC=192.0.2.79 DPT=22\n"
		"May  3 18:13:37 fw1 kernel: DROP SRC=192.0.2.79 DPT=23\n";
	static const char weblog_nozone[] = "From: ops@example.org\nSubject: scans\n\n"
		"192.0.2.80 - - [03/May/2024:18:13:36] \"GET / HTTP/1.1\" 200 10\n";
	struct report r;

	parse_str(rfc, strlen(rfc), &r);
	assert_string_equal(r.source_ip, "192.0.2.77");
	assert_int_equal(r.source_sure, SRC_SURE_HIGH);
	assert_non_null(strstr(r.source_field, "2 of 2 log lines"));
	assert_string_equal(r.arrival_date, "2024-05-03T22:13:36Z");
	report_free(&r);
	/* no zone: a log line, but no time to look the address up at */
	parse_str(bare, strlen(bare), &r);
	assert_string_equal(r.source_ip, "192.0.2.78");
	assert_int_equal(r.source_sure, SRC_SURE_MEDIUM);
	assert_null(r.arrival_date);
	report_free(&r);
	parse_str(sys, strlen(sys), &r);
	assert_string_equal(r.source_ip, "192.0.2.79");
	assert_int_equal(r.source_sure, SRC_SURE_HIGH);
	assert_null(r.arrival_date);
	report_free(&r);
	parse_str(weblog_nozone, strlen(weblog_nozone), &r);
	assert_string_equal(r.source_ip, "192.0.2.80");
	assert_null(r.arrival_date);
	report_free(&r);
}

/* a plain complaint's URLs: its own words and Subject, defanged ones read back, quoted
 * lines and the signature left, the sentence's punctuation not the URL's */
static void test_plain_urls(void **state)
{
	static const char msg[] = "From: cert@example.org\nSubject: phishing on https://shop.example.net/pay\n\n"
		"Phishing page at hxxp://web1[.]example[.]net/paypal/login.php?x=1 (still up).\n"
		"Also (see http://b.example/x_(y)) and <https://c.example/a> and HXXPS[:]//d(.)example/.\n"
		"the same again: http://b.example/x_(y), and ftp://files.example/mal.exe!\n"
		"> quoted: http://quoted.example/\n"
		"not a url: xhttp://e.example/ or http:// alone, http://*MUNGED*/ or http://[Site URL]\n"
		"-- \nCERT http://cert.example.org/\n";
	struct report r;

	parse_str(msg, strlen(msg), &r);
	assert_int_equal(r.format, FMT_PLAIN);
	assert_int_equal(r.reported_uris.n, 6);
	assert_string_equal(r.reported_uris.v[0], "https://shop.example.net/pay");
	assert_string_equal(r.reported_uris.v[1], "http://web1.example.net/paypal/login.php?x=1");
	assert_string_equal(r.reported_uris.v[2], "http://b.example/x_(y)");
	assert_string_equal(r.reported_uris.v[3], "https://c.example/a");
	assert_string_equal(r.reported_uris.v[4], "https://d.example/");
	assert_string_equal(r.reported_uris.v[5], "ftp://files.example/mal.exe");
	assert_int_equal(r.abuse_category, CAT_PHISHING);
	report_free(&r);
}

/* a complaint whose only text is HTML: read as a browser shows it (entities decoded, a
 * line a block, scripts and styles left out); an attached HTML file is not its text */
static void test_html_only(void **state)
{
	static const char msg[] = "From: cert@example.org\nSubject: phishing site\nMIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\n"
		"Content-Type: text/html; charset=\"iso-8859-1\"\n\n"
		"<html><head><title>203.0.113.1</title><style>p{x:1}</style></head><body>"
		"<script>var a = '203.0.113.2';</script><p>Nous avons d\xe9" "couvert un site&nbsp;de phishing&hellip;</p>"
		"<pre>2024-05-01T10:58:01Z web1 sshd: Failed password from 192.0.2.60\n"
		"2024-05-01T10:58:04Z web1 sshd: Failed password from 192.0.2.60</pre>"
		"<p>Adresse&nbsp;IP&#160;: 192.0.2.60<br>Site : http://bad.example/x?a=1&amp;b=2</p></body></html>\n"
		"--B--\n";
	static const char att[] = "From: ops@example.org\nSubject: see attached\nMIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\n"
		"Content-Type: text/html\nContent-Disposition: attachment; filename=\"page.html\"\n\n"
		"<p>198.51.100.7</p>\n--B--\n";
	static const char tbl[] = "<table><tr><td>Source</td><td>192.0.2.9</td></tr><tr><td>Port</td><td>25</td>"
		"</tr></table>  many   \n  blanks <pre>a\n  b</pre>"
		"<p><a href=\"http://bad.example/p\">the page</a>, <a href=\"https://x.example/\">https://x.example/</a>"
		" <a href=\"mailto:a@example.org\">mail</a> <a href=\"javascript:x()\">js</a></p>";
	static const char latin1[] = "<p>d\xe9j\xe0 &eacute;t&eacute;</p>";
	char err[160];
	size_t n;
	char *t;
	struct report r;

	parse_str(msg, strlen(msg), &r);
	assert_int_equal(r.format, FMT_PLAIN);
	assert_string_equal(r.source_ip, "192.0.2.60");
	assert_int_equal(r.source_sure, SRC_SURE_HIGH);
	assert_string_equal(r.arrival_date, "2024-05-01T10:58:01Z");
	assert_int_equal(r.abuse_category, CAT_PHISHING);
	assert_false(has_warning(&r, "HTML"));
	report_free(&r);
	parse_str(att, strlen(att), &r);
	assert_null(r.source_ip);
	report_free(&r);
	t = html_text(tbl, strlen(tbl), NULL, 4096, &n, err, sizeof(err));
	assert_non_null(t);
	assert_string_equal(t, "Source 192.0.2.9\nPort 25\nmany blanks\na\n  b\n"
			    "the page <http://bad.example/p>, https://x.example/ mail js\n");
	assert_int_equal(n, strlen(t));
	free(t);
	/* the cap holds */
	t = html_text(tbl, strlen(tbl), NULL, 10, &n, err, sizeof(err));
	assert_non_null(t);
	assert_true(n <= 10);
	free(t);
	/* the entities and the character set: one UTF-8 text */
	t = html_text(latin1, strlen(latin1), "iso-8859-1", 4096, &n, err, sizeof(err));
	assert_non_null(t);
	assert_string_equal(t, "d\xc3\xa9j\xc3\xa0 \xc3\xa9t\xc3\xa9\n");
	free(t);
}

/* fail2ban's mail action: the ban line names the source, the whois text does not */
static void test_plain_fail2ban(void **state)
{
	static const char msg[] = "From: fail2ban@gw.example.org\nSubject: [Fail2Ban] sshd: banned\n\n"
		"Hi,\n\nThe IP 203.0.113.5 has just been banned by Fail2Ban after\n"
		"6 attempts against sshd.\n\ninetnum: 198.51.100.0 - 198.51.100.255\n"
		"May  1 10:40:51 gw sshd[1]: Failed password for root from 198.51.100.77 port 1 ssh2\n";
	struct report r;

	parse_str(msg, strlen(msg), &r);
	assert_string_equal(r.source_ip, "203.0.113.5");
	assert_int_equal(r.source_sure, SRC_SURE_HIGH);
	assert_string_equal(r.source_field, "fail2ban ban line (jail sshd)");
	assert_int_equal(r.abuse_category, CAT_LOGIN_ATTACK);
	report_free(&r);
}

/* X-ARF category and type names of 0.1/0.2 and v3/v4 map onto the normalised categories */
static void test_xarf_categories(void **state)
{
	static const struct { const char *cat, *type; enum report_category want; } cases[] = {
		{ "abuse", "login-attack", CAT_LOGIN_ATTACK }, { "abuse", "ddos", CAT_DDOS },
		{ "info", "port-scan", CAT_SCAN }, { "fraud", "phishing", CAT_PHISHING },
		{ "abuse", "malware-attack", CAT_MALWARE }, { "private", "copyright", CAT_COPYRIGHT },
		{ "fraud", "", CAT_FRAUD }, { "abuse", "spam", CAT_SPAM }, { "abuse", "info", CAT_OTHER },
		{ "Connection", "LoginAttack", CAT_LOGIN_ATTACK }, { "Connection", "PortScan", CAT_SCAN },
		{ "Connection", "DdoS", CAT_DDOS }, { "Content", "Phishing", CAT_PHISHING },
		{ "Content", "Malware", CAT_MALWARE }, { "Copyright", "Copyright", CAT_COPYRIGHT },
		{ "Messages", "Spam", CAT_SPAM }, { "Infrastructure", "Botnet", CAT_MALWARE },
	};
	struct report r;
	struct buf b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 0);
		buf_printf(&b, "From: r@example.org\nX-ARF: YES\nMIME-Version: 1.0\n"
			   "Content-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\nx\n"
			   "--XX\nContent-Type: text/plain; name=\"report.txt\"\n\n---\nCategory: %s\n"
			   "Report-Type: %s\nSource-Type: ipv4\nSource: 203.0.113.9\n--XX--\n",
			   cases[i].cat, cases[i].type[0] ? cases[i].type : "\"\"");
		parse_str(b.data, b.len, &r);
		if (r.abuse_category != cases[i].want)
			fail_msg("%s/%s: %s, want %s", cases[i].cat, cases[i].type,
				 report_category_name(r.abuse_category), report_category_name(cases[i].want));
		report_free(&r);
		buf_free(&b);
	}
	assert_int_equal(report_category_from_name("login-attack"), CAT_LOGIN_ATTACK);
	assert_int_equal(report_category_from_name("nonsense"), -1);
}

/* ACNS notices: the Source and the title; entities stay text, a block without its end is no notice */
static void test_acns(void **state)
{
	static const char msg[] = "From: a@rights.example.org\nSubject: Notice\n\nText.\n"
		"<Infringement xmlns=\"http://www.acns.net/ACNS\"><Source><TimeStamp>2024-05-01T10:30:00Z"
		"</TimeStamp><IP_Address> 203.0.113.30 </IP_Address><Port>6881</Port><Type>BitTorrent</Type>"
		"</Source><Content><Item><Title>&lt;b&gt;A &amp;ent; &amp; B</Title></Item></Content>"
		"<Complainant><Email>Agent &lt;agent@rights.example.org&gt;</Email></Complainant></Infringement>\n";
	static const char cut[] = "From: a@rights.example.org\nSubject: Notice\n\n"
		"<Infringement><Source><IP_Address>203.0.113.30</IP_Address></Source>\n";
	struct report r;

	parse_str(msg, strlen(msg), &r);
	assert_int_equal(r.format, FMT_ACNS);
	assert_int_equal(r.abuse_category, CAT_COPYRIGHT);
	assert_string_equal(r.source_ip, "203.0.113.30");
	assert_int_equal(r.source_port, 6881);
	assert_string_equal(r.arrival_date, "2024-05-01T10:30:00Z");
	assert_string_equal(r.protocol, "bittorrent");
	assert_string_equal(r.content_title, "<b>A &ent; & B");
	assert_string_equal(r.reporter, "agent@rights.example.org");
	report_free(&r);
	parse_str(cut, strlen(cut), &r);
	assert_int_not_equal(r.format, FMT_ACNS);
	report_free(&r);
}

static void test_xarf(void **state)
{
	static const char msg[] = "From: reports@example.org\nX-ARF: YES\nMIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
		"--XX\nContent-Type: text/plain\n\nSee report.\n"
		"--XX\nContent-Type: text/plain; name=\"report.txt\"\nContent-Transfer-Encoding: quoted-printable\n\n"
		"---\nReported-From: reports@example.org\nCategory: abuse\nReport-Type: login-attack\n"
		"Service: ssh\nPort: 22\nDate: 2024-01-02T03:04:05+00:00\nSource-Type: ipv4\n"
		"Source: 203.0.113.9\n--XX--\n";
	struct report r;

	parse_str(msg, strlen(msg), &r);
	assert_int_equal(r.format, FMT_XARF);
	assert_string_equal(r.category, "abuse");
	assert_string_equal(r.feedback_type, "login-attack");
	assert_string_equal(r.source_ip, "203.0.113.9");
	assert_int_equal(r.source_port, 22);
	assert_string_equal(r.arrival_date, "2024-01-02T03:04:05Z");
	report_free(&r);
}

/* xarf_msg - an X-XARF message whose second part (type ct, file name fn) is body */
static void xarf_msg(struct buf *b, const char *ct, const char *fn, const char *body, size_t len)
{
	buf_init(b, 0);
	buf_printf(b, "From: reports@example.org\nX-XARF: PLAIN\nMIME-Version: 1.0\n"
		   "Content-Type: multipart/mixed; boundary=\"X\"\n\n--X\nContent-Type: text/plain\n\nreport\n"
		   "--X\nContent-Type: %s; name=\"%s\"\n\n", ct, fn);
	buf_append(b, body, len);
	buf_puts(b, "\n--X--\n");
}

/* test_xarf_json_structure - fields come from Report/ReporterInfo, not from a string or a nested object */
static void test_xarf_json_structure(void **state)
{
	static const char js[] =
		"{\"XarfVersion\":\"4\",\"Comment\":\"{\\\"Source\\\": \\\"198.51.100.9\\\"}\","
		"\"Extra\":{\"Report\":{\"Source\":\"198.51.100.10\"}},"
		"\"ReporterInfo\":{\"ReporterOrgEmail\":\"cert@example.org\"},"
		"\"Report\":{\"reportclass\":\"Activity\",\"ReportType\":\"Spam\",\"SourceType\":\"ip-address\","
		"\"Source\":\"192.0.2.\\u0035\",\"SourcePort\":2525}}";
	struct buf b;
	struct report r;

	xarf_msg(&b, "application/json", "xarf.json", js, strlen(js));
	parse_str(b.data, b.len, &r);
	assert_int_equal(r.format, FMT_XARF);
	assert_string_equal(r.source_ip, "192.0.2.5");
	assert_int_equal(r.source_port, 2525);
	assert_string_equal(r.category, "activity");
	assert_int_equal(r.warnings.n, 0);
	report_free(&r);
	buf_free(&b);
}

/* test_xarf_yaml_syntax - quoted and multi-line scalars; a syntax error keeps the pairs before it */
static void test_xarf_yaml_syntax(void **state)
{
	static const char y1[] = "---\nCategory: \"abuse\"\nReport-Type: 'login-attack'\n"
		"User-Agent: >-\n  folded\n  agent\nSource: \"192.0.2.8\"\nNotes: |\n  Source: 203.0.113.1\n";
	static const char y2[] = "---\nCategory: abuse\nSource: 192.0.2.9\nSchema-URL: http: //x\nPort: 25\n";
	struct buf b;
	struct report r;

	xarf_msg(&b, "text/plain", "report.txt", y1, strlen(y1));
	parse_str(b.data, b.len, &r);
	assert_int_equal(r.format, FMT_XARF);
	assert_string_equal(r.user_agent, "folded agent");
	assert_string_equal(r.feedback_type, "login-attack");
	assert_string_equal(r.source_ip, "192.0.2.8");
	report_free(&r);
	buf_free(&b);

	xarf_msg(&b, "text/plain", "report.txt", y2, strlen(y2));
	parse_str(b.data, b.len, &r);
	assert_int_equal(r.format, FMT_XARF);
	assert_string_equal(r.source_ip, "192.0.2.9");
	assert_true(has_warning(&r, "X-ARF YAML: mapping values are not allowed"));
	report_free(&r);
	buf_free(&b);
}

/* test_xarf_hostile - deep nesting and oversized reports are refused with a warning */
static void test_xarf_hostile(void **state)
{
	struct buf b, body;
	struct report r;
	int i;

	/* JSON nested 100,000 deep */
	buf_init(&body, 0);
	buf_puts(&body, "{\"XarfVersion\":\"4\",\"Report\":{\"Source\":\"192.0.2.1\"},\"x\":");
	for (i = 0; i < 100000; i++)
		buf_putc(&body, '[');
	xarf_msg(&b, "application/json", "x.json", body.data, body.len);
	parse_str(b.data, b.len, &r);
	assert_int_equal(r.format, FMT_XARF);
	assert_true(has_warning(&r, "X-ARF JSON nested deeper than 32 levels"));
	assert_null(r.source_ip);
	report_free(&r);
	buf_free(&b);

	/* 32 levels are read */
	buf_reset(&body);
	buf_puts(&body, "{\"XarfVersion\":\"4\",\"Report\":{\"Source\":\"192.0.2.1\"},\"x\":");
	for (i = 0; i < 30; i++)
		buf_putc(&body, '[');
	for (i = 0; i < 30; i++)
		buf_putc(&body, ']');
	buf_putc(&body, '}');
	xarf_msg(&b, "application/json", "x.json", body.data, body.len);
	parse_str(b.data, b.len, &r);
	assert_string_equal(r.source_ip, "192.0.2.1");
	assert_int_equal(r.warnings.n, 0);
	report_free(&r);
	buf_free(&b);

	/* YAML nested 100,000 deep, in flow and in block style */
	buf_reset(&body);
	buf_puts(&body, "---\nSource: 192.0.2.2\nDeep: ");
	for (i = 0; i < 100000; i++)
		buf_putc(&body, '[');
	xarf_msg(&b, "text/plain", "report.txt", body.data, body.len);
	parse_str(b.data, b.len, &r);
	assert_int_equal(r.format, FMT_XARF);
	assert_string_equal(r.source_ip, "192.0.2.2");
	assert_true(has_warning(&r, "X-ARF YAML nested deeper than 32 levels"));
	report_free(&r);
	buf_free(&b);
	buf_reset(&body);
	buf_puts(&body, "---\nSource: 192.0.2.3\n");
	for (i = 0; i < 200; i++)
		buf_printf(&body, "%*sk%d:\n", i, "", i);
	xarf_msg(&b, "text/plain", "report.txt", body.data, body.len);
	parse_str(b.data, b.len, &r);
	assert_string_equal(r.source_ip, "192.0.2.3");
	assert_true(has_warning(&r, "X-ARF YAML nested deeper than 32 levels"));
	report_free(&r);
	buf_free(&b);

	/* over 1 MiB: not read */
	buf_reset(&body);
	buf_puts(&body, "---\nSource: 192.0.2.4\nPad: ");
	for (i = 0; i < (1 << 20) / 16; i++)
		buf_puts(&body, "0123456789abcdef");
	xarf_msg(&b, "text/plain", "report.txt", body.data, body.len);
	parse_str(b.data, b.len, &r);
	assert_int_equal(r.format, FMT_XARF);
	assert_true(has_warning(&r, "X-ARF YAML report larger than 1048576 bytes"));
	assert_null(r.source_ip);
	report_free(&r);
	buf_free(&b);
	buf_reset(&body);
	buf_puts(&body, "{\"XarfVersion\":\"4\",\"Report\":{\"Source\":\"192.0.2.4\"},\"Pad\":\"");
	for (i = 0; i < (1 << 20) / 16; i++)
		buf_puts(&body, "0123456789abcdef");
	buf_puts(&body, "\"}");
	xarf_msg(&b, "application/json", "x.json", body.data, body.len);
	parse_str(b.data, b.len, &r);
	assert_true(has_warning(&r, "X-ARF JSON report larger than 1048576 bytes"));
	assert_null(r.source_ip);
	report_free(&r);
	buf_free(&b);
	buf_free(&body);
}

static void test_spamcop_jmrp(void **state)
{
	static const char sc[] = "From: 123@reports.spamcop.net\nSubject: [SpamCop (192.0.2.77) id:1]x\n\n"
		"[ SpamCop V5 ]\nEmail from 192.0.2.77 / Tue, 2 Jan 2024 08:00:00 +0000\n\n"
		"[ Offending message ]\nReceived: from h.example.com (h.example.com [192.0.2.77])\n"
		"\tby mx.example.net with SMTP id Q1; Tue, 2 Jan 2024 08:00:00 +0000\nSubject: spam\n\nx\n";
	static const char scq[] = "From: admin@example.org\nSubject: Fwd: SpamCop report\n\n"
		"see below\n\n> [ SpamCop V5 ]\n> Email from 192.0.2.77 / Tue, 2 Jan 2024 08:00:00 +0000\n>\n"
		"> Offending message:\n> Received: from mx.example.com [198.51.100.9]\n"
		">        by in.example.net with esmtp id Q2; Tue, 2 Jan 2024 08:00:09 +0000\n"
		"> Received: from h.example.com (h.example.com [192.0.2.77])\n"
		">\tby mx.example.com with SMTP id Q1; Tue, 2 Jan 2024 08:00:00 +0000\n> Subject: spam\n>\n> x\n";
	static const char jm[] = "From: staff@hotmail.com\nSubject: complaint about message from 198.51.100.3\n"
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"J\"\n\n--J\n"
		"Content-Type: message/rfc822\n\nX-HmXmrOriginalRecipient: u@example.net\nSubject: s\n\nb\n--J--\n";
	struct report r;

	parse_str(sc, strlen(sc), &r);
	assert_int_equal(r.format, FMT_SPAMCOP);
	assert_string_equal(r.source_ip, "192.0.2.77");
	assert_string_equal(r.orig.subject, "spam");
	report_free(&r);
	/* forwarded inline and quoted: the quoted message is read (its hops too) */
	parse_str(scq, strlen(scq), &r);
	assert_int_equal(r.format, FMT_SPAMCOP);
	assert_string_equal(r.source_ip, "192.0.2.77");
	assert_int_equal(r.nhops, 2);
	assert_string_equal(r.hops[0].from_ip, "198.51.100.9");
	assert_string_equal(r.hops[1].from_ip, "192.0.2.77");
	assert_string_equal(r.orig.subject, "spam");
	assert_false(has_warning(&r, "without the offending message"));
	report_free(&r);
	parse_str(jm, strlen(jm), &r);
	assert_int_equal(r.format, FMT_JMRP);
	assert_string_equal(r.feedback_type, "abuse");
	assert_string_equal(r.source_ip, "198.51.100.3");
	assert_string_equal(r.original_rcpt_to.v[0], "u@example.net");
	report_free(&r);
}

static void test_human(void **state)
{
	static const char fwd[] = "From: Jo <jo@example.org>\nSubject: spam from you\n\n"
		"Please stop this.\n\n-----Original Message-----\n"
		"> Received: from x.example.com (x.example.com [203.0.113.44])\n"
		">\tby mx.example.org with ESMTP id A1; Wed, 3 Jan 2024 09:00:00 +0000\n"
		"> From: bad@example.com\n> Subject: win\n>\n> text\n";
	static const char plain[] = "From: jo@example.org\nSubject: attack\n\n"
		"Your host 198.51.100.200 keeps scanning us since 10:00.\n";
	static const char vac[] = "From: jo@example.org\nAuto-Submitted: auto-replied\nSubject: Out of office\n\n"
		"I am away.\n";
	struct report r;

	parse_str(fwd, strlen(fwd), &r);
	assert_int_equal(r.format, FMT_FORWARD);
	assert_string_equal(r.orig.subject, "win");
	assert_int_equal(r.nhops, 1);
	report_free(&r);
	parse_str(plain, strlen(plain), &r);
	assert_int_equal(r.format, FMT_PLAIN);
	assert_string_equal(r.source_ip, "198.51.100.200");
	report_free(&r);
	parse_str(vac, strlen(vac), &r);
	assert_int_equal(r.format, FMT_AUTOREPLY);
	assert_true(r.auto_submitted);
	report_free(&r);
}

static void test_json(void **state)
{
	struct report r;
	struct buf b;
	const char *keys[] = { "\"file\"", "\"format\"", "\"feedback_type\"", "\"user_agent\"",
		"\"reporter\"", "\"reporting_mta\"", "\"arrival_date\"", "\"source_ip\"", "\"source_port\"",
		"\"original_mail_from\"", "\"original_rcpt_to\"", "\"reported_domains\"",
		"\"reported_uris\"", "\"incidents\"", "\"recipients\"", "\"original\"", "\"hops\"",
		"\"warnings\"" };
	const char *p;
	size_t i;

	parse_str(arf_msg, strlen(arf_msg), &r);
	buf_init(&b, 0);
	report_to_json(&r, "x.eml", &b);
	p = b.data;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *q = strstr(p, keys[i]);

		assert_non_null(q);
		p = q;
	}
	assert_non_null(strstr(b.data, "\"format\":\"arf\""));
	assert_non_null(strstr(b.data, "\"source_port\":52100"));
	assert_non_null(strstr(b.data, "\"headers_only\":false"));
	assert_null(strchr(b.data, '\n'));
	buf_free(&b);
	report_free(&r);
	assert_string_equal(report_format_name(FMT_DMARC), "dmarc");
	assert_string_equal(report_format_name((enum report_format)99), "unknown");
}

/* hostile - parse buf in under 2 s and expect a warning containing want */
static void hostile(struct buf *b, const char *want)
{
	struct report r;
	struct buf j;
	clock_t t0 = clock();

	parse_str(b->data, b->len, &r);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0 * slowdown());
	if (!has_warning(&r, want)) {
		size_t i;

		for (i = 0; i < r.warnings.n; i++)
			fprintf(stderr, "warning: %s\n", r.warnings.v[i]);
		fail_msg("no warning containing \"%s\"", want);
	}
	buf_init(&j, 0);
	report_to_json(&r, NULL, &j);
	assert_true(j.len > 0);
	buf_free(&j);
	report_free(&r);
	buf_free(b);
}

/* a text bounce from an ordinary sender is still read as one when its
 * subject is one bounces carry (the one list dsn_text.c keeps) */
static void test_bounce_subject(void **state)
{
	static const char tmpl[] =
		"From: Mail System <mail@mx.example.org>\nTo: a@example.net\nSubject: %s\n\n"
		"Your message could not be delivered to the following recipients:\n\n"
		"  <nobody@example.com>: 550 5.1.1 user unknown\n";
	static const char *const subj[] = { "Returned to sender", "Delivery Notification: failed" };
	char msg[512];
	struct report r;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		int n = snprintf(msg, sizeof msg, tmpl, subj[i]);
		parse_str(msg, (size_t)n, &r);
		assert_int_equal(r.format, FMT_DSN);
		assert_int_equal(r.nrcpts, 1);
		assert_string_equal(r.rcpts[0].status, "5.1.1");
		report_free(&r);
	}
}

/* a notice from a no-reply address, its subject in another language, no
 * Return-Path: it returns the recipient's own message with a failure's
 * wording, so it is a bounce; the same attachment forwarded by a reporter
 * (another sender), or returned without a failure's wording, is not */
#define OWN_HEAD(to) \
	"From: no-reply@notice.example.jp\nTo: <" to ">\n" \
	"Subject: \xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc\n" \
	"Message-ID: <n1@notice.example.jp>\nMIME-Version: 1.0\n" \
	"Content-Type: multipart/mixed; boundary=\"OO\"\n\n--OO\nContent-Type: text/plain\n\n"
#define OWN_ORIG \
	"\n--OO\nContent-Type: message/rfc822\n\n" \
	"Return-Path: <Sender@Example.jp>\nFrom: sender@example.jp\nTo: friend@mobile.example.jp\n" \
	"Subject: hello\nMessage-Id: <o1@example.jp>\n\nhi\n--OO--\n"

static void test_returns_own(void **state)
{
	static const char bounce[] = OWN_HEAD("sender@example.jp")
		"Your mail sent on: Thu, 29 Apr 2013 23:45:22 +0900\n"
		"     Could not be delivered to: <friend@mobile.example.jp>\n"
		"     As their mailbox is full.\n" OWN_ORIG;
	static const char forwarded[] = OWN_HEAD("abuse@example.jp")
		"Could not be delivered to: <friend@mobile.example.jp>\n" OWN_ORIG;
	static const char fyi[] = OWN_HEAD("sender@example.jp")
		"Here is the mail you sent to <friend@mobile.example.jp> yesterday.\n" OWN_ORIG;
	struct report r;

	(void)state;
	parse_str(bounce, sizeof(bounce) - 1, &r);
	assert_int_equal(r.format, FMT_DSN);
	assert_int_equal(r.nrcpts, 1);
	assert_string_equal(r.rcpts[0].address, "friend@mobile.example.jp");
	assert_string_equal(r.rcpts[0].status, "5.2.2");
	report_free(&r);
	parse_str(forwarded, sizeof(forwarded) - 1, &r);
	assert_int_not_equal(r.format, FMT_DSN);
	report_free(&r);
	parse_str(fyi, sizeof(fyi) - 1, &r);
	assert_int_not_equal(r.format, FMT_DSN);
	report_free(&r);
}

/* Amazon SES complaint notifications: as mail, and in an SNS envelope */
#define SES_HEAD "From: no-reply@sns.amazonaws.com\nTo: abuse@example.net\n" \
	"Subject: AWS Notification Message\nMessage-ID: <s1@example.net>\nx-amz-sns-message-id: a9\n\n"
#define SES_JSON(q) "{" q "notificationType" q ":" q "Complaint" q "," q "complaint" q ":{" \
	q "complainedRecipients" q ":[{" q "emailAddress" q ":" q "u1@isp.example" q "},{" \
	q "emailAddress" q ":" q "u2@isp.example" q "}]," q "timestamp" q ":" q "2016-11-25T01:49:01.000Z" q "," \
	q "userAgent" q ":" q "Yahoo!-Mail-Feedback/2.0" q "," q "complaintFeedbackType" q ":" q "abuse" q "}," \
	q "mail" q ":{" q "source" q ":" q "news@example.net" q "," q "sourceIp" q ":" q "192.0.2.50" q "," \
	q "messageId" q ":" q "0101-x" q "}}"

static void test_ses_complaint(void **state)
{
	static const char direct[] = SES_HEAD SES_JSON("\"")
		"\n\n--\nIf you wish to stop receiving notifications from this topic, click {here}\n";
	static const char sns[] = SES_HEAD "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"Message\":\""
		SES_JSON("\\\"") "\",\"Timestamp\":\"2016-11-25T01:49:03Z\"}\n";
	static const char bounce[] = SES_HEAD "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":"
		"\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":\"gone@isp.example\",\"status\":\"5.1.1\"}]},"
		"\"mail\":{\"source\":\"news@example.net\"}}\n";
	const char *const both[] = { direct, sns };
	struct report r;
	struct buf b;

	(void)state;
	for (int k = 0; k < 2; k++) {
		parse_str(both[k], strlen(both[k]), &r);
		assert_int_equal(r.format, FMT_SES);
		assert_string_equal(r.feedback_type, "abuse");
		assert_string_equal(r.user_agent, "Yahoo!-Mail-Feedback/2.0");
		assert_string_equal(r.source_ip, "192.0.2.50");
		assert_string_equal(r.source_field, "SES mail.sourceIp");
		assert_string_equal(r.original_mail_from, "news@example.net");
		assert_int_equal(r.original_rcpt_to.n, 2);
		assert_string_equal(r.original_rcpt_to.v[1], "u2@isp.example");
		assert_string_equal(r.arrival_date, "2016-11-25T01:49:01Z");
		assert_int_equal(r.abuse_category, CAT_SPAM);
		report_free(&r);
	}
	/* a bounce notification stays the bounce reader's */
	parse_str(bounce, sizeof(bounce) - 1, &r);
	assert_int_equal(r.format, FMT_DSN);
	report_free(&r);

	/* hostile: nesting past the cap, a source that is no address, 1,000 recipients */
	buf_init(&b, 0);
	buf_puts(&b, SES_HEAD "{\"notificationType\":\"Complaint\",\"complaint\":{\"x\":");
	for (int i = 0; i < 5000; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 5000; i++)
		buf_putc(&b, ']');
	buf_puts(&b, "}}\n");
	parse_str(b.data, b.len, &r);
	assert_int_not_equal(r.format, FMT_SES);
	assert_true(has_warning(&r, "nested deeper"));
	report_free(&r);
	buf_free(&b);
	buf_init(&b, 0);
	buf_puts(&b, SES_HEAD "{\"notificationType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%s{\"emailAddress\":\"u%d@isp.example\"}", i ? "," : "", i);
	buf_puts(&b, "]},\"mail\":{\"sourceIp\":\"$(reboot)\"}}\n");
	parse_str(b.data, b.len, &r);
	assert_int_equal(r.format, FMT_SES);
	assert_null(r.source_ip);
	assert_true(has_warning(&r, "not an address"));
	assert_true(has_warning(&r, "the first 100 kept"));
	assert_int_equal(r.original_rcpt_to.n, 100);
	report_free(&r);
	buf_free(&b);
}

static void test_hostile_truncated(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, arf_msg, strlen(arf_msg) - 120);
	hostile(&b, "never closed");
}

static void test_hostile_nested(void **state)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nMIME-Version: 1.0\n");
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	buf_puts(&b, "Content-Type: text/plain\n\nhello\n");
	hostile(&b, "nested");
}

static void test_hostile_nested_some(void **state)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nMIME-Version: 1.0\n");
	for (i = 0; i < 200; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	buf_puts(&b, "Content-Type: text/plain\n\nhello 192.0.2.1\n");
	hostile(&b, "nesting deeper");
}

static void test_hostile_many_headers(void **state)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\n");
	for (i = 0; i < 100000; i++)
		buf_printf(&b, "X-H%d: v\n", i);
	buf_puts(&b, "\nbody\n");
	hostile(&b, "header lines");
}

static void test_hostile_long_line(void **state)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nSubject: ");
	for (i = 0; i < 1024 * 1024; i++)
		buf_putc(&b, 'a' + (char)(i % 26));
	buf_puts(&b, "\n\nbody\n");
	hostile(&b, "cut");
}

static void test_hostile_bytes(void **state)
{
	static const char bad[] = "From: a\0@exa\xff\xfemple.com\nSubject: \xc3\x28 \0x\n\nbody\0\n";
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, bad, sizeof(bad) - 1);
	hostile(&b, "NUL");
}

static void test_hostile_rfc2047(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "From: =?utf-8?B?####?= <a@example.com>\n"
		     "Subject: =?x-unknown?Q?=ZZ=?= =?utf-8?B?=?= =?=?=?\n\nhi\n");
	hostile(&b, "encoded word");
}

static void test_hostile_repeated(void **state)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	buf_puts(&b, ARF_HEAD);
	for (i = 0; i < 3000; i++)
		buf_printf(&b, "Feedback-Type: abuse\nSource-IP: 192.0.2.%d\nOriginal-Rcpt-To: u%d@example.net\n"
			   "Reported-Domain: d%d.example\nReported-URI: http://e%d.example/\n", i % 250, i, i, i);
	buf_puts(&b, "\n--BB--\n");
	hostile(&b, "more than 1000");
}

static void test_hostile_empty_and_junk(void **state)
{
	struct report r;
	static const char junk[] = "\x01\x02\x03 not a message at all";

	parse_str("", 0, &r);
	assert_true(r.flags & REPORT_F_EMPTY);
	assert_true(has_warning(&r, "empty"));
	report_free(&r);
	parse_str(junk, sizeof(junk) - 1, &r);
	assert_true(r.warnings.n > 0);
	report_free(&r);
}

/* test_addr_only - the plain forms read in place agree with what GMime's address parser gives */
static void test_addr_only(void **state)
{
	static const char *const cases[][2] = {
		{ "a@b.example", "a@b.example" },
		{ "  a@b.example \t", "a@b.example" },
		{ "<a@b.example>", "a@b.example" },
		{ "John Smith <a.b+tag@sub.example.org>", "a.b+tag@sub.example.org" },
		{ "a!#$%&'*+-/=?^_`{|}~@b.example", "a!#$%&'*+-/=?^_`{|}~@b.example" },
		/* not plain: GMime decides */
		{ "a@xn--bcher-kva.example", "a@b\303\274cher.example" },
		{ "\"Smith, J\" <a@b.example>", "a@b.example" },
		{ "J. Smith <a@b.example>", "a@b.example" },
		{ "Joe <a@b.example>, Ann <d@e.example>", "a@b.example" },
		{ "<a@b.example> trailing", "a@b.example" },
		{ "a..b@c.example", NULL },
		{ ".a@b.example", NULL },
		{ "a@", NULL },
		{ "<>", NULL },
		{ "no address here", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *a = addr_only(cases[i][0]);

		if (cases[i][1]) {
			assert_non_null(a);
			assert_string_equal(a, cases[i][1]);
		} else {
			assert_null(a);
		}
		free(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arf_fields),
		cmocka_unit_test(test_arf_auth_failure_fields),
		cmocka_unit_test(test_arf_impossible_dates),
		cmocka_unit_test(test_arf_deviations),
		cmocka_unit_test(test_arf_base64_and_comment),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_encoded_word_runs),
		cmocka_unit_test(test_xarf),
		cmocka_unit_test(test_xarf_json_structure),
		cmocka_unit_test(test_xarf_yaml_syntax),
		cmocka_unit_test(test_xarf_hostile),
		cmocka_unit_test(test_spamcop_jmrp),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_bounce_subject),
		cmocka_unit_test(test_returns_own),
		cmocka_unit_test(test_ses_complaint),
		cmocka_unit_test(test_hostile_truncated),
		cmocka_unit_test(test_hostile_nested),
		cmocka_unit_test(test_hostile_nested_some),
		cmocka_unit_test(test_hostile_many_headers),
		cmocka_unit_test(test_hostile_long_line),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_hostile_rfc2047),
		cmocka_unit_test(test_hostile_repeated),
		cmocka_unit_test(test_hostile_empty_and_junk),
		cmocka_unit_test(test_addr_only),
		cmocka_unit_test(test_plain_stray_ips),
		cmocka_unit_test(test_plain_log_stamps),
		cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_plain_urls),
		cmocka_unit_test(test_plain_fail2ban),
		cmocka_unit_test(test_xarf_categories),
		cmocka_unit_test(test_acns),
	};
	int rc;

	parse_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	parse_shutdown();
	return rc;
}

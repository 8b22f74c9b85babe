/*
 * test_contentkey - parse/contentkey: the trace our MX hosts and local
 * delivery add (Received, Delivered-To, Return-Path, a milter's field
 * anywhere in the header), CRLF line ends and folding do not change the key;
 * what the sender wrote (a field of the list, the body, the MIME boundary)
 * does; no Message-ID, no key; hostile shapes end in bounded time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../parse/contentkey.h"

static const char base[] =
	"From: reporter@example.org\n"
	"To: abuse@example.net\n"
	"Subject: spam from your network\n"
	"Date: Sat, 5 Dec 2026 09:59:00 +0000\n"
	"Message-ID: <c1@example.org>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	"--b1\nContent-Type: text/plain\n\nspam from 192.0.2.7\n--b1--\n";

static void key(const char *m, char out[65])
{
	assert_int_equal(content_key(m, strlen(m), out), 1);
	assert_int_equal(strlen(out), 64);
}

/* each MX host's own trace, before and inside the header: the same key */
static void trace_ignored(void **state)
{
	char k0[65], k1[65], k2[65];
	char m[4096];

	(void)state;
	key(base, k0);
	snprintf(m, sizeof(m), "Return-Path: <reporter@example.org>\nDelivered-To: abuse@example.net\n"
		 "Received: from mail.example.org (mail.example.org [203.0.113.7])\n\tby mx1.example.net"
		 " (Postfix) with ESMTPS id 4ABC1\n\tfor <abuse@example.net>; Sat, 5 Dec 2026 10:00:00 +0000\n%s", base);
	key(m, k1);
	assert_string_equal(k0, k1);
	/* a milter's field between the sender's, another host and queue id */
	snprintf(m, sizeof(m), "X-Original-To: abuse@example.net\n"
		 "Received: from mail.example.org by mx2.example.net with ESMTP id 9Z8Y; Sat, 5 Dec 2026 10:03:00 +0000\n"
		 "From: reporter@example.org\nTo: abuse@example.net\nAuthentication-Results: mx2.example.net; spf=pass\n"
		 "Subject: spam from your network\nDate: Sat, 5 Dec 2026 09:59:00 +0000\n"
		 "Message-ID: <c1@example.org>\nMIME-Version: 1.0\nX-Spam-Status: No, score=0.1\n"
		 "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
		 "--b1\nContent-Type: text/plain\n\nspam from 192.0.2.7\n--b1--\n");
	key(m, k2);
	assert_string_equal(k0, k2);
}

/* CRLF for LF, a field folded otherwise, a field name in other case: the same key */
static void line_ends_and_folding(void **state)
{
	char k0[65], k1[65], k2[65];
	char m[4096];
	size_t j = 0;

	(void)state;
	key(base, k0);
	for (const char *p = base; *p && j < sizeof(m) - 2; p++) {
		if (*p == '\n')
			m[j++] = '\r';
		m[j++] = *p;
	}
	m[j] = '\0';
	key(m, k1);
	assert_string_equal(k0, k1);
	snprintf(m, sizeof(m), "%s", base);
	{
		char *s = strstr(m, "Subject: spam from");
		char t[4096];

		assert_non_null(s);
		snprintf(t, sizeof(t), "%.*sSUBJECT:   spam from\n your network\n%s", (int)(s - m), m,
			 strstr(s, "\n") + 1);
		assert_non_null(strstr(t, "SUBJECT:   spam from\n your network\nDate"));
		key(t, k2);
	}
	assert_string_equal(k0, k2);
}

/* what the sender wrote changes the key */
static void sender_changes(void **state)
{
	static const char *const from[] = { "<c1@example.org>", "192.0.2.7", "network", "b1\"", "09:59" };
	static const char *const to[] = { "<c2@example.org>", "192.0.2.8", "netw0rk", "b2\"", "09:58" };
	char k0[65], k1[65];

	(void)state;
	key(base, k0);
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		char m[4096];
		char *s;

		snprintf(m, sizeof(m), "%s", base);
		s = strstr(m, from[i]);
		assert_non_null(s);
		memcpy(s, to[i], strlen(to[i]));
		key(m, k1);
		assert_string_not_equal(k0, k1);
	}
	/* a field of the list added (a second To) */
	{
		char m[4096];

		snprintf(m, sizeof(m), "To: other@example.net\n%s", base);
		key(m, k1);
		assert_string_not_equal(k0, k1);
	}
}

/* no Message-ID, or an empty one: no key */
static void no_message_id(void **state)
{
	char out[65];
	static const char a[] = "From: a@example.org\nSubject: x\n\nbody\n";
	static const char b[] = "From: a@example.org\nMessage-ID:   \r\n\nbody\n";
	static const char c[] = "From: a@example.org\n\nMessage-ID: <in-the-body@example.org>\n";

	(void)state;
	assert_int_equal(content_key(a, strlen(a), out), 0);
	assert_string_equal(out, "");
	assert_int_equal(content_key(b, strlen(b), out), 0);
	assert_int_equal(content_key(c, strlen(c), out), 0);
	assert_int_equal(content_key("", 0, out), 0);
}

/* hostile shapes: no blank line, NULs, a header of a megabyte of folds, a bare CR */
static void hostile(void **state)
{
	size_t n = 1 << 20;
	char *m = malloc(n + 64);
	char out[65];
	size_t j;

	(void)state;
	assert_non_null(m);
	j = (size_t)snprintf(m, 64, "Message-ID: <h@example.org>\nSubject: x");
	while (j < n) {
		m[j++] = '\n';
		m[j++] = ' ';
		m[j++] = 'y';
	}
	assert_int_equal(content_key(m, j, out), 1);
	memcpy(m, "Message-ID: <h@\0xample.org>\r", 29);
	assert_int_equal(content_key(m, 29, out), 1);
	assert_int_equal(content_key("Message-ID: <x@y>", 17, out), 1);
	assert_int_equal(content_key("Message-ID: <x@y>\r", 18, out), 1);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trace_ignored),
		cmocka_unit_test(line_ends_and_folding),
		cmocka_unit_test(sender_changes),
		cmocka_unit_test(no_message_id),
		cmocka_unit_test(hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

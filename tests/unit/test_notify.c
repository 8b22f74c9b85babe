/*
 * test_notify - header and body encoding against hostile text, message
 * assembly, evidence extraction, webhook signatures, the notification
 * policy and acknowledgement rules on a temporary database, and the retry
 * schedule of notify_run against a closed port.
 */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../db/db_int.h"
#include "../../db/db.h"
#include "../../db/outbox.h"
#include "../../notify/internal.h"
#include "../../app/notify.h"
#include "../../util/mem.h"

static char dir[256];
static struct db db;
static struct config cfg;

/* ---- helpers ---- */

/* header_lines_ok - every line <= 78 columns, CRLF-terminated, continuation lines start with WSP */
static void assert_one_header(const char *h, const char *name)
{
	const char *p = h;
	int first = 1;

	assert_int_equal(strncmp(h, name, strlen(name)), 0);
	while (*p) {
		const char *e = strstr(p, "\r\n");

		assert_non_null(e);
		assert_true(e - p <= 78);
		if (!first)
			assert_true(*p == ' ' || *p == '\t');
		for (const char *q = p; q < e; q++)
			assert_true((unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f);
		first = 0;
		p = e + 2;
	}
}

static void set(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static void sql(const char *s)
{
	assert_int_equal(db_exec(&db, s), DB_OK);
}

static long long count(const char *where)
{
	char q[512];
	struct db_stmt *st;
	long long n;

	snprintf(q, sizeof(q), "SELECT count(*) FROM outbox WHERE %s", where);
	st = db_prepare(&db, q);
	assert_non_null(st);
	assert_int_equal(db_step(&db, st), DB_ROW);
	n = db_col_int(st, 0);
	db_finalize(st);
	return n;
}

static void now_is(long long t)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", t);
	setenv("ABUSEDESK_NOW", s, 1);
}

static int setup_db(void **state)
{
	struct buf err;
	char path[300], e[256];

	snprintf(dir, sizeof(dir), "/tmp/abusedesk-notify-XXXXXX");
	assert_non_null(mkdtemp(dir));
	unsetenv("ABUSEDESK_CONFIG");
	buf_init(&err, 1024);
	assert_int_equal(config_load(&cfg, NULL, &err), 0);
	buf_free(&err);
	snprintf(path, sizeof(path), "%s/db", dir);
	set(&cfg.database, path);
	set(&cfg.spool_dir, dir);
	set(&cfg.team_address, "team@example.net");
	set(&cfg.from_address, "abusedesk@example.net");
	set(&cfg.smtp_url, "smtp://127.0.0.1:1");
	cfg.smtp_timeout = 2;
	cfg.notify_interval = 3600;
	cfg.notify_backoff = 60;
	cfg.notify_max_attempts = 3;
	assert_int_equal(db_open(&db, path, 5, 1, e, sizeof(e)), DB_OK);
	assert_int_equal(db_migrate(&db, e, sizeof(e)), DB_OK);
	now_is(1700000000);
	sql("INSERT INTO incidents(id, key_host, verdict, status, abused_host, abused_ip, owner,"
	    " explanation, first_seen, last_seen, reports, messages, reporters, created_at, updated_at)"
	    " VALUES (7, 'mx2.example.net', 'open_relay', 'open', 'mx2.example.net', '192.0.2.25',"
	    " 'netops', 'mx2 relayed for 198.51.100.7', 1700000000, 1700000000, 1, 1, 1, 1700000000,"
	    " 1700000000)");
	sql("INSERT INTO reports(id, received_at, size, sha256, spool_path, status, incident_id,"
	    " orig_headers, trace_json) VALUES (1, 1700000000, 10, 'x', 'none', 'done', 7,"
	    " 'Received: from evil\nSubject: =?utf-8?q?=0D=0ABcc:_x@y?=\n--fake-boundary\n',"
	    " '{\"rule\":\"relay\",\"evidence\":[\"hop 1 by mx2\",\"client 198.51.100.7 \\u00e9\"]}')");
	return 0;
}

static int teardown_db(void **state)
{
	char cmd[300];

	db_close(&db);
	config_free(&cfg);
	unsetenv("ABUSEDESK_NOW");
	if (getenv("KEEP"))
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- encoding ---- */

static void test_addr(void **state)
{
	assert_true(mime_addr_ok("abuse@example.net"));
	assert_true(mime_addr_ok("first.last+tag@sub.example-1.net"));
	assert_false(mime_addr_ok("abuse@example.net\r\nBcc: victim@example.org"));
	assert_false(mime_addr_ok("abuse@example.net\n"));
	assert_false(mime_addr_ok("Abuse Team <abuse@example.net>"));
	assert_false(mime_addr_ok("a b@example.net"));
	assert_false(mime_addr_ok("\"quoted\"@example.net"));
	assert_false(mime_addr_ok("a..b@example.net"));
	assert_false(mime_addr_ok("@example.net"));
	assert_false(mime_addr_ok("abuse@"));
	assert_false(mime_addr_ok("abuse@exa_mple.net"));
	assert_false(mime_addr_ok("abuse@[192.0.2.1]"));
	assert_false(mime_addr_ok(""));
	assert_false(mime_addr_ok(NULL));
}

static void test_header_injection(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	mime_header(&b, "Subject", "hello\r\nBcc: victim@example.org\r\n\r\n<html>body");
	assert_one_header(b.data, "Subject: ");
	assert_null(strstr(b.data, "\r\nBcc"));
	assert_non_null(strstr(b.data, "hello  Bcc: victim@example.org"));
	buf_reset(&b);
	mime_header(&b, "Subject", "caf\xc3\xa9 \xff\xfe bad");
	assert_one_header(b.data, "Subject: ");
	assert_non_null(strstr(b.data, "=?UTF-8?B?"));
	buf_reset(&b);
	mime_header(&b, "Subject", "=?utf-8?q?=0D=0ABcc:_x@y?=");
	assert_one_header(b.data, "Subject: ");
	assert_null(strstr(b.data, "=?utf-8?q?"));      /* encoded as text, not left as a word */
	buf_free(&b);
}

static void test_header_fold(void **state)
{
	struct buf b;
	char v[3000];

	for (size_t i = 0; i < sizeof(v) - 1; i++)
		v[i] = i % 9 == 8 ? ' ' : 'a' + (char)(i % 26);
	v[sizeof(v) - 1] = '\0';
	buf_init(&b, 0);
	mime_header(&b, "Subject", v);
	assert_one_header(b.data, "Subject: ");
	assert_true(b.len < MIME_MAX_HEADER_VALUE + 200);
	memset(v, 'x', 500);
	v[500] = '\0';                               /* one word: cannot fold, must encode */
	buf_reset(&b);
	mime_header(&b, "Subject", v);
	assert_one_header(b.data, "Subject: ");
	assert_non_null(strstr(b.data, "=?UTF-8?B?"));
	buf_reset(&b);
	mime_header(&b, "Subject", "a\x01\x7f\tb\0hidden");
	assert_string_equal(b.data, "Subject: a   b\r\n");
	buf_free(&b);
}

static void test_qp(void **state)
{
	struct buf b;
	char line[2000];
	const char *p;

	memset(line, 'y', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	buf_init(&b, 0);
	mime_qp(&b, line, strlen(line));
	for (p = b.data; *p;) {
		const char *e = strstr(p, "\r\n");

		assert_non_null(e);
		assert_true(e - p <= 76);
		p = e + 2;
	}
	buf_reset(&b);
	mime_qp(&b, "a=b \nFrom me\n.dot\n\xc3\xa9\n", 20);
	assert_string_equal(b.data, "a=3Db=20\r\n=46rom me\r\n=2Edot\r\n=C3=A9\r\n");
	buf_free(&b);
}

static void test_compose_boundary(void **state)
{
	const char hostile[] = "From: x@y\nSubject: t\n\nline\n--=_abusedesk_\n--fake\n";
	struct mail m = { .from = "abusedesk@example.net", .to = "owner@example.net",
			  .subject = "s", .message_id = "<1@example.net>", .date = 1700000000,
			  .text = "--=_abusedesk_deadbeef\nbody\n", .attach = hostile,
			  .attach_len = sizeof(hostile) - 1 };
	struct buf b;
	const char *bd;
	char boundary[80];

	buf_init(&b, 0);
	assert_int_equal(compose_mail(&m, &b), 0);
	bd = strstr(b.data, "boundary=\"");
	assert_non_null(bd);
	sscanf(bd + 10, "%79[^\"]", boundary);
	assert_null(strstr(hostile, boundary));
	assert_non_null(strstr(b.data, "Content-Type: message/rfc822"));
	assert_non_null(strstr(b.data, "Auto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(b.data, "\r\n\r\n"));
	/* a binary complaint goes base64 */
	m.attach = "a\0b\nc";
	m.attach_len = 5;
	buf_reset(&b);
	assert_int_equal(compose_mail(&m, &b), 0);
	assert_non_null(strstr(b.data, "Content-Transfer-Encoding: base64"));
	/* refused addresses */
	m.to = "owner@example.net\r\nBcc: x@y";
	buf_reset(&b);
	assert_int_equal(compose_mail(&m, &b), -1);
	buf_free(&b);
}

/* attached_b64 - the base64 attachment of a composed mail, decoded (g_free it) */
static guchar *attached_b64(const char *mail, gsize *len)
{
	const char *p = strstr(mail, "Content-Type: application/octet-stream\r\n");
	GString *s = g_string_new(NULL);
	guchar *d;

	assert_non_null(p);
	p = strstr(p, "\r\n\r\n");
	assert_non_null(p);
	for (p += 4; *p && *p != '-'; p++)
		if (*p != '\r' && *p != '\n')
			g_string_append_c(s, *p);
	d = g_base64_decode(s->str, len);
	g_string_free(s, TRUE);
	return d;
}

/* a bare CR, or CRLF mixed with bare LF, would reshape the attached message: base64 */
static void test_compose_attach_line_ends(void **state)
{
	const char bare_cr[] = "From: x@y\nSubject: t\rBcc: victim@example.org\n\nbody\n";
	const char mixed[] = "From: x@y\r\nSubject: t\nX: y\r\n\r\nbody\n";
	const char clean[] = "From: x@y\r\nSubject: t\r\n\r\nbody\r\n";
	const char *in[] = { bare_cr, mixed };
	const size_t inlen[] = { sizeof(bare_cr) - 1, sizeof(mixed) - 1 };
	struct mail m = { .from = "abusedesk@example.net", .to = "owner@example.net",
			  .subject = "s", .message_id = "<1@example.net>", .date = 1700000000,
			  .text = "body\n" };
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < 2; i++) {
		guchar *d;
		gsize n;

		m.attach = in[i];
		m.attach_len = inlen[i];
		buf_reset(&b);
		assert_int_equal(compose_mail(&m, &b), 0);
		assert_null(strstr(b.data, "message/rfc822"));
		assert_null(strstr(b.data, "\nBcc:"));
		d = attached_b64(b.data, &n);
		assert_int_equal(n, inlen[i]);
		assert_memory_equal(d, in[i], n);
		g_free(d);
	}
	m.attach = clean;
	m.attach_len = sizeof(clean) - 1;
	buf_reset(&b);
	assert_int_equal(compose_mail(&m, &b), 0);
	assert_non_null(strstr(b.data, "Content-Type: message/rfc822"));
	assert_non_null(strstr(b.data, "\r\n\r\nFrom: x@y\r\nSubject: t\r\n\r\nbody\r\n"));
	buf_free(&b);
}

static void test_evidence(void **state)
{
	struct strlist l = { 0 };

	evidence_from_json("{\"explanation\":\"x \\\"evidence\\\":[\\\"fake\\\"]\",\"n\":{\"evidence\":[\"nested\"]},"
			   "\"evidence\":[\"one\",\"two \\u00e9 \\ud83d\\ude00\"]}", &l, 10);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "one");
	assert_string_equal(l.v[1], "two \xc3\xa9 \xf0\x9f\x98\x80");
	strlist_free(&l);
	evidence_from_json("{\"evidence\":[\"a\",", &l, 10);
	assert_int_equal(l.n, 1);
	strlist_free(&l);
	evidence_from_json("not json", &l, 10);
	evidence_from_json(NULL, &l, 10);
	assert_int_equal(l.n, 0);
}

/* section_of - the lines of text between heading and the next blank-line-led heading */
static char *section_of(const char *text, const char *heading)
{
	const char *s = strstr(text, heading), *e;

	assert_non_null(s);
	s += strlen(heading);
	e = strstr(s, "\n\n\n");
	for (const char *h = s + 2; *h; h++)
		if (h[-2] == '\n' && h[-1] == '\n' && h[0] >= 'A' && h[0] <= 'Z') {
			e = h;
			break;
		}
	return e ? g_strndup(s, (size_t)(e - s)) : g_strdup(s);
}

/* assert_width - every line of s at most w characters (UTF-8) */
static void assert_width(const char *s, size_t w)
{
	size_t col = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (((unsigned char)*p & 0xc0) != 0x80)
			col++;
		if (col > w)
			fail_msg("line longer than %zu columns in:\n%s", w, s);
	}
}

/* the notice an owner reads: plain words first, the trace under its own
 * heading, every line at most 72 columns, and a Reply-To to the team */
static void test_render_plain(void **state)
{
	static char key[] = "mx2.example.net", verdict[] = "open_relay", status[] = "open",
		host[] = "mx2.example.net", ip[] = "192.0.2.25", owner[] = "mail-team", empty[] = "",
		conf[] = "medium", fmt[] = "dsn", inj[] = "203.0.113.9",
		expl[] = "backscatter: this bounce is for a message that went out through our network; "
			 "mx2.example.net (192.0.2.25) accepted this message from 203.0.113.9 without "
			 "authentication and relayed it to an outside recipient (other.example): open relay.",
		trace[] = "{\"evidence\":[\"hop 1: from 192.0.2.25 (mx2.example.net) by mx.other.example "
			  "(ESMTPS, id 4Bnc1): egress: topmost header naming our address (no Source-IP)\","
			  "\"hop 2: from 203.0.113.9 (helo spammer.example.org) by mx2.example.net "
			  "(ESMTP, id 4Bnc0): ingress: outside client, no authentication\"]}";
	struct outbox_incident in = { 0 };
	struct outbox_report r = { 0 };
	struct config c = { 0 };
	struct notice n;
	struct buf mail;
	char *happened, *todo, *tech;

	in.id = 6; in.key_host = key; in.verdict = verdict; in.status = status; in.abused_host = host;
	in.abused_ip = ip; in.owner = owner; in.role = empty; in.confidence = conf; in.explanation = expl;
	in.auth_user = empty; in.first_seen = in.last_seen = 1714608000; in.reports = 1;
	in.messages = 1; in.reporters = 1;
	r.id = 1; r.format = fmt; r.explanation = expl; r.trace_json = trace; r.injector_ip = inj;
	r.orig_headers = empty; r.reporter = empty; r.source_ip = empty;
	c.organization = "Example Network";
	c.team_address = "abuse-team@example.net";
	c.from_address = "abusedesk@example.net";
	render_notice(&c, &in, &r, NULL, "new", NULL, 0, &n);
	happened = section_of(n.text.data, "\nWhat happened\n\n");
	todo = section_of(n.text.data, "\nWhat to do\n\n");
	tech = section_of(n.text.data, "\nTechnical evidence\n\n");
	for (const char *j = "egress\0ingress\0backscatter\0topmost\0"; *j; j += strlen(j) + 1) {
		assert_null(strstr(happened, j));
		assert_null(strstr(todo, j));
	}
	assert_non_null(strstr(happened, "open relay"));
	assert_non_null(strstr(happened, "bounce"));
	assert_non_null(strstr(tech, "backscatter: this bounce"));
	assert_non_null(strstr(tech, "egress: topmost header naming our address"));
	assert_width(happened, 72);
	assert_width(tech, 72);
	buf_init(&mail, 0);
	assert_int_equal(render_notice_mail(&c, 6, "mail-team@example.net", &n, "<x@example.net>",
					    1714608000, &mail), 0);
	assert_non_null(strstr(mail.data, "\r\nReply-To: <abuse-team@example.net>\r\n"));
	buf_free(&mail);
	g_free(happened);
	g_free(todo);
	g_free(tech);
	n.attach = NULL;
	notice_free(&n);
}

/* squeeze - s with every run of blanks and line ends made one space (in place) */
static char *squeeze(char *s)
{
	char *o = s;

	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\n') {
			if (o > s && o[-1] != ' ')
				*o++ = ' ';
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return s;
}

/* notices for reports that are not about mail: category shown, advice per category and verdict */
static void test_render_categories(void **state)
{
	static const struct { const char *verdict, *category, *todo, *happened, *subject; } cases[] = {
		{ "open_proxy", "login-attack", "Close the proxy to", "proxy service",
		  "open proxy on h.example.net (login attacks, 2 reports)" },
		{ "infected_host", "scan", "Clean the customer's machine", "probably infected",
		  "infected host on h.example.net (scans, 2 reports)" },
		{ "compromised_server", "ddos", "Rotate credentials and look for a", "broken into it",
		  "compromised server on h.example.net (denial-of-service attacks, 2 reports)" },
		{ "web_compromise", "phishing", "Take the content down and find the entry point",
		  "served by a web site", "web compromise on h.example.net (phishing, 2 reports)" },
		{ "infected_host", "copyright", "copyright policy's notice", "rights holder",
		  "infected host on h.example.net (copyright infringement, 2 reports)" },
		{ "open_proxy", "spam", "spammers use it to reach mail servers", "the mail was sent",
		  "open proxy on h.example.net (2 reports)" },
	};
	static char key[] = "h.example.net", st[] = "open", ip[] = "192.0.2.80", owner[] = "net-team",
		empty[] = "", conf[] = "high", fmt[] = "xarf", expl[] = "h.example.net is ours.",
		trace[] = "{\"evidence\":[\"X-ARF Source named 192.0.2.80 port 22, ours (role proxy)\"]}";
	struct config c = { 0 };

	c.organization = "Example Network";
	c.team_address = "abuse-team@example.net";
	c.from_address = "abusedesk@example.net";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outbox_incident in = { 0 };
		struct outbox_report r = { 0 };
		struct notice n;
		char *happened, *todo, *tech, subj[200];

		in.id = 9; in.key_host = key; in.verdict = (char *)cases[i].verdict; in.status = st;
		in.abused_host = key; in.abused_ip = ip; in.owner = owner; in.role = empty; in.confidence = conf;
		in.explanation = expl; in.auth_user = empty; in.first_seen = in.last_seen = 1714608000;
		in.reports = 2; in.messages = 0; in.reporters = 1;
		r.id = 1; r.format = fmt; r.explanation = expl; r.trace_json = trace; r.injector_ip = ip;
		r.orig_headers = empty; r.reporter = empty; r.source_ip = ip; r.category = (char *)cases[i].category;
		render_notice(&c, &in, &r, NULL, "new", NULL, 0, &n);
		happened = section_of(n.text.data, "\nWhat happened\n\n");
		todo = section_of(n.text.data, "\nWhat to do\n\n");
		tech = section_of(n.text.data, "\nTechnical evidence\n\n");
		assert_width(happened, 72);
		if (strcmp(cases[i].category, "spam") != 0)
			assert_width(todo, 72);
		if (!strstr(squeeze(todo), cases[i].todo) || !strstr(squeeze(happened), cases[i].happened))
			fail_msg("%s/%s: advice does not fit:\n%s\n%s", cases[i].verdict, cases[i].category,
				 happened, todo);
		snprintf(subj, sizeof(subj), "[abuse #9] %s", cases[i].subject);
		assert_string_equal(n.subject, subj);
		if (strcmp(cases[i].category, "spam") != 0) {
			const char *cat = strstr(n.text.data, "Category:");

			assert_non_null(cat);
			assert_true(strncmp(cat + strspn(cat + 9, " ") + 9, cases[i].category,
					    strlen(cases[i].category)) == 0);
			assert_null(strstr(happened, "received mail from"));
			assert_null(strstr(tech, "Received headers"));
			assert_non_null(strstr(n.json.data, "\"category\":\""));
		}
		g_free(happened);
		g_free(todo);
		g_free(tech);
		notice_free(&n);
	}
}

static void test_sign(void **state)
{
	char sig[100];

	/* RFC 4231 test case 2 */
	webhook_sign("Jefe", "what do ya want for nothing?", 28, sig, sizeof(sig));
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_true(webhook_url_ok("https://hooks.example.net/abuse?x=1"));
	assert_false(webhook_url_ok("file:///etc/passwd"));
	assert_false(webhook_url_ok("http://a.example\r\nX-Evil: 1"));
	assert_false(webhook_url_ok("gopher://a.example/"));
}

/* ---- policy ---- */

static void test_policy(void **state)
{
	struct incident_change ch = { .id = 7, .created = 1, .reports = 1, .verdict = "open_relay" };
	struct outbox_row r;

	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 1);
	assert_int_equal(count("recipient = 'team@example.net' AND state = 'pending'"), 1);
	assert_int_equal(outbox_get(&db, 1, &r), 1);
	assert_non_null(strstr(r.body, "Subject: [abuse #7] open relay on mx2.example.net (1 report)\r\n"));
	assert_non_null(strstr(r.body, r.message_id));
	assert_non_null(strstr(r.body, "mynetworks"));               /* Postfix advice */
	assert_non_null(strstr(r.body, "hop 1 by mx2"));             /* evidence */
	assert_null(strstr(r.body, "\n--fake-boundary"));           /* sample headers are indented */
	outbox_row_free(&r);

	/* grew to 10 within the interval: nothing; after it: a second notice */
	sql("UPDATE incidents SET reports = 10");
	ch.created = 0;
	ch.grew = 1;
	ch.reports = 10;
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 1);
	now_is(1700000000 + 3601);
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 2);
	/* 11 passes no threshold */
	now_is(1700000000 + 9000);
	sql("UPDATE incidents SET reports = 11");
	ch.reports = 11;
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 2);
	/* reopened: notice */
	ch.reopened = 1;
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 3);
}

static void test_owner_policies(void **state)
{
	struct incident_change ch = { .id = 7, .created = 1, .reports = 1, .verdict = "open_relay" };

	sql("INSERT INTO owners(key, email, webhook_url, policy) VALUES ('netops', 'noc@example.net',"
	    " 'http://127.0.0.1:9/hook', 'none')");
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 0);
	sql("UPDATE owners SET policy = 'digest'");
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 0);
	sql("UPDATE owners SET policy = 'immediate'");
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("channel = 'smtp' AND recipient = 'noc@example.net'"), 1);
	assert_int_equal(count("channel = 'webhook' AND CAST(body AS TEXT) LIKE '{\"event\":\"open\",\"incident\":7,%'"), 1);
	/* a hostile owner address is refused with a reason */
	sql("UPDATE incidents SET notified_at = NULL");
	sql("UPDATE owners SET email = 'noc@example.net' || char(13, 10) || 'Bcc: x@example.org',"
	    " webhook_url = 'javascript:alert(1)'");
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("state = 'failed' AND last_error LIKE 'refusing%'"), 2);
	assert_int_equal(count("recipient LIKE '%' || char(10) || '%'"), 0);
}

static void test_closed_states(void **state)
{
	struct incident_change ch = { .id = 7, .created = 1, .reports = 1, .verdict = "open_relay" };

	sql("UPDATE incidents SET status = 'resolved'");
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	sql("UPDATE incidents SET status = 'open', verdict = 'not_ours'");
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 0);
	ch.id = 999;                                  /* no such incident */
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(count("1"), 0);
}

static void test_ack(void **state)
{
	struct report r;

	report_init(&r);
	r.format = FMT_PLAIN;
	r.from = xstrdup("Person@Example.org");
	r.subject = xstrdup("spam from you\r\nBcc: x@y");
	r.message_id = xstrdup("<abc.123@example.org>");
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 1, 7), DB_OK);
	assert_int_equal(count("1"), 0);              /* ack_reporters is off by default */
	cfg.ack_reporters = 1;
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 1, 7), DB_OK);
	assert_int_equal(count("kind = 'ack' AND recipient = 'person@example.org'"), 1);
	assert_int_equal(count("CAST(body AS TEXT) LIKE '%Auto-Submitted: auto-replied%' AND CAST(body AS TEXT) LIKE '%In-Reply-To: <abc.123@example.org>%'"), 1);
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 2, 7), DB_OK);
	assert_int_equal(count("1"), 1);              /* rate-limited */
	now_is(1700000000 + 86400 + 1);
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 3, 7), DB_OK);
	assert_int_equal(count("1"), 2);
	now_is(1700000000 + 3 * 86400);
	r.auto_submitted = 1;                         /* auto-reply / list */
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 4, 7), DB_OK);
	r.auto_submitted = 0;
	r.format = FMT_ARF;                           /* robots */
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 5, 7), DB_OK);
	r.format = FMT_PLAIN;
	free(r.from);
	r.from = xstrdup("MAILER-DAEMON@example.org");
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 6, 7), DB_OK);
	free(r.from);
	r.from = xstrdup("list-request@example.org");
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 7, 7), DB_OK);
	free(r.from);
	r.from = xstrdup("team@example.net");
	assert_int_equal(notify_enqueue_ack(&db, &cfg, &r, 8, 7), DB_OK);
	assert_int_equal(count("1"), 2);
	report_free(&r);
	cfg.ack_reporters = 0;
}

/* ---- sending ---- */

static void test_run_backoff(void **state)
{
	struct incident_change ch = { .id = 7, .created = 1, .reports = 1, .verdict = "open_relay" };
	struct outbox_row r;
	int sent, failed, deferred;
	char mid[300];

	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(outbox_get(&db, 1, &r), 1);
	snprintf(mid, sizeof(mid), "%s", r.message_id);
	outbox_row_free(&r);
	assert_int_equal(notify_run(&db, &cfg, &sent, &failed, &deferred), DB_OK);
	assert_int_equal(deferred, 1);
	assert_int_equal(outbox_get(&db, 1, &r), 1);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.next_attempt_at, 1700000000 + 60);
	assert_non_null(strstr(r.last_error, "smtp:"));
	outbox_row_free(&r);
	assert_int_equal(notify_run(&db, &cfg, &sent, &failed, &deferred), DB_OK);
	assert_int_equal(deferred + sent + failed, 0);      /* not due yet */
	now_is(1700000000 + 60);
	assert_int_equal(notify_run(&db, &cfg, &sent, &failed, &deferred), DB_OK);
	assert_int_equal(outbox_get(&db, 1, &r), 1);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.next_attempt_at, 1700000000 + 60 + 120);
	assert_string_equal(r.message_id, mid);
	outbox_row_free(&r);
	now_is(1700000000 + 180);
	assert_int_equal(notify_run(&db, &cfg, &sent, &failed, &deferred), DB_OK);
	assert_int_equal(failed, 1);
	assert_int_equal(outbox_get(&db, 1, &r), 1);
	assert_string_equal(r.state, "failed");
	assert_non_null(strstr(r.last_error, "gave up after 3 attempts"));
	assert_string_equal(r.message_id, mid);
	outbox_row_free(&r);
}

/* a claim is the owner's until its lease ends; only the owner marks the row */
static void test_claim(void **state)
{
	struct incident_change ch = { .id = 7, .created = 1, .reports = 1, .verdict = "open_relay" };
	struct outbox_row r;
	long n;
	long long next;

	(void)state;
	assert_int_equal(notify_enqueue(&db, &cfg, &ch, 1), DB_OK);
	assert_int_equal(outbox_claim(&db, "a", 1700000000, 1700000000, 60, 0, &r), 1);
	assert_int_equal(r.id, 1);
	assert_string_equal(r.claim_owner, "a");
	assert_int_equal(r.claim_until, 1700000000 + 60);
	assert_string_equal(r.reason, "open");
	assert_int_equal(r.report_id, 1);
	outbox_row_free(&r);
	/* within the lease: nobody else gets it, and nobody else marks it */
	assert_int_equal(outbox_claim(&db, "b", 1700000010, 1700000010, 60, 0, &r), 0);
	assert_int_equal(outbox_mark_sent(&db, 1, "b", 1, 1700000010, NULL, NULL, 0), 1);
	/* after the lease: b takes it over; a's late marks change nothing */
	assert_int_equal(outbox_claim(&db, "b", 1700000060, 1700000060, 60, 0, &r), 1);
	outbox_row_free(&r);
	assert_int_equal(outbox_mark_retry(&db, 1, "a", 1, 1700000999, "late"), 1);
	assert_int_equal(outbox_mark_failed(&db, 1, "a", 1, "late"), 1);
	assert_int_equal(outbox_mark_sent(&db, 1, "b", 1, 1700000061, "s", "body", 4), DB_OK);
	assert_int_equal(outbox_get(&db, 1, &r), 1);
	assert_string_equal(r.state, "sent");
	assert_string_equal(r.claim_owner, "");
	assert_string_equal(r.body, "body");
	outbox_row_free(&r);
	assert_int_equal(outbox_claim(&db, "c", 1700009999, 1700009999, 60, 0, &r), 0);
	/* waiting rows: counted with their next try; --now (due far ahead) takes them */
	sql("UPDATE outbox SET state = 'pending', next_attempt_at = 1700000500 WHERE id = 1");
	assert_int_equal(outbox_waiting(&db, 1700000100, &n, &next), DB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(next, 1700000500);
	assert_int_equal(outbox_claim(&db, "c", 1700000100, 1700000100, 60, 0, &r), 0);
	assert_int_equal(outbox_claim(&db, "c", 1700000100, 1700000500, 60, 0, &r), 1);
	outbox_row_free(&r);
	/* resolving cancels pending notices, even one claimed; the claimant may still record sent */
	assert_int_equal(incident_set_status(&db, 7, "resolved", "test", NULL), 0);
	assert_int_equal(outbox_get(&db, 1, &r), 1);
	assert_string_equal(r.state, "cancelled");
	assert_non_null(strstr(r.last_error, "resolved before sending"));
	outbox_row_free(&r);
	assert_int_equal(outbox_mark_retry(&db, 1, "c", 1, 1700000999, "x"), 1);
	assert_int_equal(outbox_mark_sent(&db, 1, "c", 1, 1700000101, NULL, NULL, 0), DB_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_header_fold),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_compose_boundary),
		cmocka_unit_test(test_compose_attach_line_ends),
		cmocka_unit_test(test_evidence),
		cmocka_unit_test(test_render_plain),
		cmocka_unit_test(test_render_categories),
		cmocka_unit_test(test_sign),
		cmocka_unit_test_setup_teardown(test_policy, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_owner_policies, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_closed_states, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_ack, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_run_backoff, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_claim, setup_db, teardown_db),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

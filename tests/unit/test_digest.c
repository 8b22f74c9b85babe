/*
 * test_digest - the digest: html_escape and text cleaning against hostile
 * report text, the period queries (new, growing, open, resolved, stale,
 * untraced, trend, chart) over the golden fixture, the owner filter, an
 * empty period, the multipart message (boundary, headers without CR/LF,
 * RFC 2047), the outbox rows that --send queues, and the query plans
 * (every digest statement searches an index).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../../db/db_int.h"
#include "../../app/digest.h"
#include "../../notify/digest.h"
#include "../../util/mem.h"

#define NOW 1714608000LL        /* 2024-05-02 00:00:00 UTC */
#define DAY 86400LL

static struct db d;
static struct config cfg;

/* load_fixture - the golden fixture into d */
static int load_fixture(void)
{
	const char *root = getenv("ABUSEDESK_ROOT");
	char path[4096];
	FILE *fp;
	struct buf sql;
	char chunk[4096];
	size_t n;
	int rc;

	snprintf(path, sizeof(path), "%s/tests/golden/digest/fixture.sql", root ? root : ".");
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	buf_init(&sql, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&sql, chunk, n);
	fclose(fp);
	rc = db_exec(&d, sql.data);
	buf_free(&sql);
	return rc == DB_OK ? 0 : -1;
}

static int setup(void **state)
{
	char err[256];
	struct buf e;

	buf_init(&e, 1024);
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, "/dev/null", &e) < 0)
		return -1;
	buf_free(&e);
	setenv("ABUSEDESK_NOW", "1714608000", 1);
	if (db_open(&d, ":memory:", 1, 1, err, sizeof(err)) != DB_OK ||
	    db_migrate(&d, err, sizeof(err)) != DB_OK)
		return -1;
	return load_fixture();
}

static int teardown(void **state)
{
	db_close(&d);
	config_free(&cfg);
	return 0;
}

/* escaped - html_escape(s) as a new string */
static char *escaped(const char *s, size_t max)
{
	struct buf b;
	char *r;

	buf_init(&b, 0);
	html_escape(&b, s, max);
	r = buf_steal(&b);
	buf_free(&b);
	return r;
}

static void test_html_escape(void **state)
{
	char *s = escaped("<script>alert(\"x\")</script> & 'q'", 1000);

	assert_string_equal(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;");
	free(s);
	s = escaped("a\xc3\x28z \xff\xfe end", 1000);         /* invalid UTF-8 */
	assert_string_equal(s, "a\xef\xbf\xbd(z \xef\xbf\xbd\xef\xbf\xbd end");
	free(s);
	s = escaped("x\x1b[31m\r\ny\xc2\x85z", 1000);          /* ESC, CR, LF, C1 NEL */
	assert_string_equal(s, "x [31m  y z");
	free(s);
	s = escaped("\xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf", 1000);  /* surrogate, > U+10FFFF, overlong */
	assert_null(strstr(s, "\xed\xa0"));
	assert_null(strstr(s, "\xf4\x90"));
	assert_null(strstr(s, "\xc0\xaf"));
	free(s);
	s = escaped("h\xc3\xa9h\xc3\xa9", 3);                 /* cut at a character */
	assert_string_equal(s, "h\xc3\xa9...");
	free(s);
	s = escaped(NULL, 10);
	assert_string_equal(s, "");
	free(s);
}

static void test_clean(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	digest_clean(&b, "a<b>&\"\tq\x7f\xff", 100);
	assert_string_equal(b.data, "a<b>&\" q \xef\xbf\xbd");
	buf_free(&b);
}

/* has_inc - 1 when id is listed in l */
static int has_inc(const struct digest_incs *l, long long id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return 1;
	return 0;
}

static void test_collect(void **state)
{
	struct digest dg;

	assert_int_equal(digest_collect(&d, NOW - DAY, NOW, NULL, NOW, &dg), 0);
	assert_int_equal(dg.reports, 11);
	assert_int_equal(dg.prev_reports, 2);
	assert_int_equal(dg.new_count, 2);
	assert_true(has_inc(&dg.new_incs, 1) && has_inc(&dg.new_incs, 6));
	assert_int_equal(dg.prev_new, 1);
	assert_int_equal(dg.growing.total, 1);
	assert_int_equal(dg.growing.v[0].id, 2);
	assert_int_equal(dg.growing.v[0].period_reports, 2);
	assert_int_equal(dg.resolved_count, 1);
	assert_int_equal(dg.resolved.v[0].id, 4);
	assert_int_equal(dg.open.total, 6);
	/* #3 is quiet since April 10; #7 is as quiet but was acknowledged 3 days ago */
	assert_int_equal(dg.stale.total, 1);
	assert_int_equal(dg.stale.v[0].id, 3);
	assert_int_equal(dg.bad_status, 1);
	assert_int_equal(dg.bad_format, 1);
	assert_int_equal(dg.bad_verdict, 2);
	assert_int_equal(dg.untraced_total, 4);
	assert_int_equal(dg.n_untraced, 4);
	assert_int_equal(dg.pending_all, 1);
	assert_int_equal(dg.failed_all, 1);
	assert_string_equal(dg.hosts.v[0].key, "mx2.example.net");
	assert_int_equal(dg.hosts.v[0].v[0], 4);
	assert_string_equal(dg.injectors.v[0].key, "203.0.113.5");
	assert_string_equal(dg.reporters.v[0].key, "aol.com");
	assert_int_equal(dg.reporters.v[0].v[0], 3);
	assert_string_equal(dg.by_verdict.v[0].key, "open_relay");
	assert_int_equal(dg.by_verdict.v[0].v[0], 5);
	assert_int_equal(dg.chart_total[DIGEST_CHART_DAYS - 1], 11);
	assert_int_equal(dg.chart_total[DIGEST_CHART_DAYS - 2], 2);
	assert_int_equal(dg.chart_start, NOW - DIGEST_CHART_DAYS * DAY);
	assert_false(digest_is_empty(&dg));
	digest_free(&dg);
}

static void test_owner_and_empty(void **state)
{
	struct digest dg;
	struct buf out;

	assert_int_equal(digest_collect(&d, NOW - DAY, NOW, "web-team", NOW, &dg), 0);
	assert_int_equal(dg.reports, 2);
	assert_int_equal(dg.new_count, 0);
	assert_int_equal(dg.growing.total, 1);
	assert_int_equal(dg.untraced_total, 0);
	assert_int_equal(dg.pending_all, 0);       /* the backlog is for the team only */
	assert_int_equal(dg.hosts.n, 1);
	digest_free(&dg);

	assert_int_equal(digest_collect(&d, NOW - 400 * DAY, NOW - 399 * DAY, NULL, NOW, &dg), 0);
	assert_true(digest_is_empty(&dg));
	buf_init(&out, 0);
	digest_text(&dg, "Org", &out);
	assert_non_null(strstr(out.data, "Nothing new in this period"));
	buf_reset(&out);
	digest_html(&dg, "Org", &out);
	assert_non_null(strstr(out.data, "Nothing new in this period"));
	assert_non_null(strstr(out.data, "</html>"));
	buf_free(&out);
	digest_free(&dg);
}

static void test_html_inert(void **state)
{
	struct digest dg;
	struct buf out;

	assert_int_equal(digest_collect(&d, NOW - DAY, NOW, NULL, NOW, &dg), 0);
	buf_init(&out, 0);
	digest_html(&dg, "O'Reilly & <Sons>", &out);
	assert_null(strstr(out.data, "<script"));
	assert_null(strstr(out.data, "<img"));
	assert_null(strstr(out.data, "<b>bold"));
	assert_null(strstr(out.data, "\x1b"));
	assert_non_null(strstr(out.data, "O&#39;Reilly &amp; &lt;Sons&gt;"));
	assert_non_null(strstr(out.data, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out.data, "<svg"));
	assert_null(strstr(out.data, "src=\""));         /* nothing external */
	assert_null(strstr(out.data, "href=\""));
	buf_free(&out);
	digest_free(&dg);
}

/* header_of - the value of header name in msg (up to CRLF), or NULL */
static char *header_of(const char *msg, const char *name)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	if ((p = strstr(msg, key)) == NULL)
		return NULL;
	p += strlen(key);
	e = strstr(p, "\r\n");
	return xstrndup(p, (size_t)(e - p));
}

static void test_mail(void **state)
{
	struct digest dg;
	struct buf m;
	char mid[256], *subj, *ct, boundary[128], delim[140];
	const char *b, *body;
	int parts = 0;

	assert_int_equal(digest_collect(&d, NOW - DAY, NOW, "evil\r\nBcc: x@evil.example \xc3\xa9", NOW, &dg), 0);
	buf_init(&m, 0);
	assert_int_equal(digest_mail(&dg, &cfg, "team@example.net", &m, mid, sizeof(mid)), 0);
	assert_null(strstr(m.data, "\r\nBcc:"));
	subj = header_of(m.data, "Subject");
	assert_non_null(subj);
	assert_non_null(strstr(subj, "=?UTF-8?B?"));             /* non-ASCII: RFC 2047 */
	free(subj);
	assert_non_null(strstr(m.data, "\r\nAuto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(m.data, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(m.data, "\r\nMessage-ID: <"));
	assert_int_equal(strncmp(m.data, "Date: ", 6), 0);
	ct = header_of(m.data, "Content-Type");
	assert_string_equal(ct, "multipart/alternative;");
	free(ct);
	b = strstr(m.data, "boundary=\"");
	assert_non_null(b);
	b += 10;
	snprintf(boundary, sizeof(boundary), "%.*s", (int)(strchr(b, '"') - b), b);
	assert_true(strlen(boundary) > 20);
	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	body = strstr(m.data, "\r\n\r\n");
	for (const char *p = body; (p = strstr(p, delim)) != NULL; p += strlen(delim))
		parts++;
	assert_int_equal(parts, 3);                             /* two parts and the close */
	assert_non_null(strstr(m.data, "Content-Type: text/plain; charset=UTF-8\r\n"
					"Content-Transfer-Encoding: quoted-printable"));
	assert_non_null(strstr(m.data, "Content-Type: text/html; charset=UTF-8\r\n"
					"Content-Transfer-Encoding: quoted-printable"));
	for (const char *p = m.data; *p; p++)                   /* 7-bit, no bare LF */
		assert_true((unsigned char)*p < 0x80 && (*p != '\n' || p[-1] == '\r'));
	buf_reset(&m);
	assert_int_equal(digest_mail(&dg, &cfg, "bad\r\naddress@x", &m, mid, sizeof(mid)), -1);
	buf_free(&m);
	digest_free(&dg);
}

static void test_enqueue(void **state)
{
	struct db_stmt *st;
	int queued = -1, n = 0;

	free(cfg.digest_address);
	cfg.digest_address = xstrdup("digest@example.net");
	assert_int_equal(digest_enqueue(&d, &cfg, NOW - DAY, NOW, 0, NULL, NOW, &queued), 0);
	assert_int_equal(queued, 2);        /* the team and mail-team (noc has no email) */
	st = db_prepare(&d, "SELECT recipient, kind, channel, state, next_attempt_at, created_at,"
			    " subject, message_id, length(body) FROM outbox ORDER BY id");
	while (db_step(&d, st) == DB_ROW) {
		const char *want = n == 0 ? "digest@example.net" : "mail-team@example.net";

		assert_string_equal(db_col_text(st, 0), want);
		assert_string_equal(db_col_text(st, 1), "digest");
		assert_string_equal(db_col_text(st, 2), "smtp");
		assert_string_equal(db_col_text(st, 3), "pending");
		assert_int_equal(db_col_int(st, 4), NOW);
		assert_int_equal(db_col_int(st, 5), NOW);
		assert_non_null(strstr(db_col_text(st, 6), n == 0 ? "(2 new incidents)" : "for mail-team"));
		assert_int_equal(db_col_text(st, 7)[0], '<');
		assert_true(db_col_int(st, 8) > 1000);
		n++;
	}
	db_finalize(st);
	assert_int_equal(n, 2);
}

/* trace_sql - remember the SQL of every statement run */
static int trace_sql(unsigned type, void *ctx, void *p, void *x)
{
	struct strlist *l = ctx;
	const char *sql = sqlite3_sql(p);

	if (type == SQLITE_TRACE_STMT && sql && !strlist_has(l, sql))
		strlist_add(l, sql);
	return 0;
}

/* test_query_plans - no digest statement scans a table without an index */
static void test_query_plans(void **state)
{
	struct strlist sqls = { 0 };
	struct digest dg;
	int checked = 0;

	sqlite3_trace_v2(d.h, SQLITE_TRACE_STMT, trace_sql, &sqls);
	assert_int_equal(digest_collect(&d, NOW - DAY, NOW, NULL, NOW, &dg), 0);
	digest_free(&dg);
	assert_int_equal(digest_collect(&d, NOW - DAY, NOW, "mail-team", NOW, &dg), 0);
	digest_free(&dg);
	sqlite3_trace_v2(d.h, 0, NULL, NULL);
	for (size_t i = 0; i < sqls.n; i++) {
		struct buf q;
		struct db_stmt *st;

		buf_init(&q, 0);
		buf_printf(&q, "EXPLAIN QUERY PLAN %s", sqls.v[i]);
		st = db_prepare(&d, q.data);
		assert_non_null(st);
		while (db_step(&d, st) == DB_ROW) {
			const char *detail = db_col_text(st, 3);

			if (strncmp(detail, "SCAN ", 5) == 0 && strstr(detail, "USING") == NULL &&
			    strcmp(detail, "SCAN p") != 0 && strcmp(detail, "SCAN CONSTANT ROW") != 0)
				fail_msg("table scan: %s\n  in: %s", detail, sqls.v[i]);
			checked++;
		}
		db_finalize(st);
		buf_free(&q);
	}
	assert_true(sqls.n >= 20);
	assert_true(checked >= (int)sqls.n);
	strlist_free(&sqls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_clean),
		cmocka_unit_test_setup_teardown(test_collect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_inert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enqueue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_plans, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_incidents - grouping reports into incidents: create, join, dedupe of
 * one message from several reporters, counters, thresholds, reopen within
 * the quiet period, new incident after it, false positives absorbing, not
 * ours opening nothing, and status changes with their history; and text
 * bound to the store is valid UTF-8 (db_bind_text), as PostgreSQL demands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/db_int.h"
#include "../../app/records.h"
#include "../../db/incidents.h"
#include "../../util/mem.h"

static struct db d;
static struct config cfg;
static long long now = 1710000000LL;

static void set_now(long long t)
{
	char s[32];

	now = t;
	snprintf(s, sizeof(s), "%lld", t);
	setenv("ABUSEDESK_NOW", s, 1);
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
	cfg.reopen_quiet_period = 30 * 86400;
	set_now(1710000000LL);
	if (db_open(&d, ":memory:", 1, 1, err, sizeof(err)) != DB_OK || db_migrate(&d, err, sizeof(err)) != DB_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	db_close(&d);
	config_free(&cfg);
	return 0;
}

/* add_report - a report row at 'now' attached with the given verdict */
static long long add_report(const char *reporter, const char *mid, enum verdict_class cls, const char *host,
			    const char *ip, const char *injector, struct incident_change *ch)
{
	struct db_stmt *st = db_prepare(&d, "INSERT INTO reports(received_at, size, sha256, spool_path)"
				      " VALUES (?, 1, hex(randomblob(16)), 'x')");
	struct report r;
	struct verdict v;
	struct app_report_rec rr;
	struct db_verdict vr;
	long long id;

	db_bind_int(st, 1, now);
	assert_int_equal(db_step(&d, st), DB_DONE);
	db_finalize(st);
	id = db_last_id(&d);
	report_init(&r);
	verdict_init(&v);
	r.reporter = xstrdup(reporter);
	v.cls = cls;
	v.confidence = CONF_HIGH;
	v.abused_host = xstrdup(host);
	v.abused_ip = xstrdup(ip);
	v.injector_ip = xstrdup(injector);
	v.owner = xstrdup(host ? "mail-team" : NULL);
	v.role = host ? ROLE_MTA : ROLE_NONE;
	v.explanation = xstrdup("explained");
	app_report_rec(&r, &rr);
	app_verdict_rec(&v, &vr);
	assert_int_equal(incident_attach(&d, &cfg, id, &rr.rec, &vr, mid, ch), DB_OK);
	app_report_rec_free(&rr);
	report_free(&r);
	verdict_free(&v);
	return id;
}

static long long col(const char *sql, long long id)
{
	struct db_stmt *st = db_prepare(&d, sql);
	long long v = -1;

	db_bind_int(st, 1, id);
	if (db_step(&d, st) == DB_ROW)
		v = db_col_int(st, 0);
	db_finalize(st);
	return v;
}

static void test_create_join_dedupe(void **state)
{
	struct incident_change a, b, c, x;
	long long rid;

	add_report("r1@a.example", "m1@spam", V_OPEN_RELAY, "MX2.example.net", "192.0.2.25", "203.0.113.5", &a);
	assert_true(a.id > 0);
	assert_true(a.created);
	assert_false(a.reopened);
	assert_int_equal(a.reports, 1);
	assert_string_equal(a.verdict, "open_relay");
	/* same message, another reporter: one message, two reports, two reporters */
	set_now(now + 60);
	add_report("r2@b.example", "m1@spam", V_OPEN_RELAY, "mx2.example.net", "192.0.2.25", "203.0.113.5", &b);
	assert_int_equal(b.id, a.id);
	assert_false(b.created);
	assert_int_equal(b.reports, 2);
	/* same reporter again, another message and injector */
	set_now(now + 60);
	rid = add_report("r1@a.example", NULL, V_OPEN_RELAY, "mx2.example.net", "192.0.2.25", "203.0.113.6", &c);
	assert_int_equal(c.id, a.id);
	assert_int_equal(col("SELECT reports FROM incidents WHERE id = ?", a.id), 3);
	assert_int_equal(col("SELECT messages FROM incidents WHERE id = ?", a.id), 2);
	assert_int_equal(col("SELECT reporters FROM incidents WHERE id = ?", a.id), 2);
	assert_int_equal(col("SELECT injectors FROM incidents WHERE id = ?", a.id), 2);
	assert_int_equal(col("SELECT last_seen - first_seen FROM incidents WHERE id = ?", a.id), 120);
	assert_int_equal(col("SELECT incident_id FROM reports WHERE id = ?", rid), a.id);
	assert_int_equal(col("SELECT count FROM incident_keys WHERE incident_id = ? AND kind = 'reporter'"
			     " AND value = 'r1@a.example'", a.id), 2);
	assert_int_equal(col("SELECT count(*) FROM incident_events WHERE incident_id = ? AND new_status = 'open'"
			     " AND actor = 'abusedesk'", a.id), 1);
	/* another verdict class on the same host is another incident */
	add_report("r1@a.example", "m9", V_COMPROMISED_ACCOUNT, "mx2.example.net", "192.0.2.25", NULL, &x);
	assert_true(x.created);
	assert_int_not_equal(x.id, a.id);
	/* no host in the inventory: keyed by IP */
	add_report("r1@a.example", "m10", V_INFECTED_HOST, NULL, "198.51.100.7", NULL, &x);
	assert_true(x.created);
	assert_int_equal(col("SELECT count(*) FROM incidents WHERE key_host = '198.51.100.7' AND id = ?", x.id), 1);
}

static void test_not_ours(void **state)
{
	struct incident_change ch;

	add_report("r@x", "m", V_NOT_OURS, NULL, NULL, "203.0.113.9", &ch);
	assert_int_equal(ch.id, 0);
	add_report("r@x", "m", V_UNKNOWN, NULL, NULL, NULL, &ch);
	assert_int_equal(ch.id, 0);
	add_report("r@x", "m", V_UNKNOWN, "web1.example.net", "192.0.2.80", NULL, &ch);
	assert_true(ch.id > 0);
	cfg.incident_not_ours = 1;
	add_report("r@x", "m", V_NOT_OURS, NULL, NULL, "203.0.113.9", &ch);
	assert_true(ch.created);
	cfg.incident_not_ours = 0;
}

static void test_thresholds(void **state)
{
	struct incident_change ch;
	int grew = 0, at = 0;

	for (int i = 1; i <= 12; i++) {
		char mid[16];

		snprintf(mid, sizeof(mid), "m%d", i);
		add_report("r@x", mid, V_OPEN_PROXY, "proxy1.example.net", "192.0.2.230", NULL, &ch);
		if (ch.grew) {
			grew++;
			at = i;
		}
	}
	assert_int_equal(grew, 1);   /* default thresholds 10, 100, 1000 */
	assert_int_equal(at, 10);
	assert_int_equal(ch.reports, 12);
}

static void test_reopen_and_new(void **state)
{
	struct incident_change a, b, c;

	add_report("r@x", "m1", V_WEB_SCRIPT, "web2.example.net", "192.0.2.81", NULL, &a);
	assert_int_equal(incident_set_status(&d, a.id, "resolved", "alice", "patched"), 0);
	assert_true(col("SELECT resolved_at FROM incidents WHERE id = ?", a.id) > 0);
	set_now(now + 86400);             /* within the quiet period: reopens */
	add_report("r@x", "m2", V_WEB_SCRIPT, "web2.example.net", "192.0.2.81", NULL, &b);
	assert_int_equal(b.id, a.id);
	assert_true(b.reopened);
	assert_false(b.created);
	assert_int_equal(col("SELECT count(*) FROM incidents WHERE id = ? AND status = 'open'"
			     " AND resolved_at IS NULL", a.id), 1);
	assert_int_equal(col("SELECT count(*) FROM incident_events WHERE incident_id = ? AND old_status = 'resolved'"
			     " AND new_status = 'open' AND actor = 'abusedesk'", a.id), 1);
	assert_int_equal(incident_set_status(&d, a.id, "resolved", "alice", NULL), 0);
	set_now(now + 31 * 86400);        /* long after: a new incident */
	add_report("r@x", "m3", V_WEB_SCRIPT, "web2.example.net", "192.0.2.81", NULL, &c);
	assert_true(c.created);
	assert_int_not_equal(c.id, a.id);
	assert_int_equal(col("SELECT status = 'resolved' FROM incidents WHERE id = ?", a.id), 1);
}

static void test_false_positive_absorbs(void **state)
{
	struct incident_change a, b;

	add_report("r@x", "m1", V_LOCAL_INJECTION, "app.example.net", "192.0.2.90", NULL, &a);
	assert_int_equal(incident_set_status(&d, a.id, "false_positive", "bob", "newsletter"), 0);
	add_report("r@y", "m2", V_LOCAL_INJECTION, "app.example.net", "192.0.2.90", NULL, &b);
	assert_int_equal(b.id, a.id);
	assert_false(b.reopened);
	assert_false(b.created);
	assert_int_equal(col("SELECT count(*) FROM incidents WHERE id = ? AND status = 'false_positive'"
			     " AND reports = 2", a.id), 1);
}

static void test_set_status(void **state)
{
	struct incident_change a;

	add_report("r@x", "m1", V_OPEN_RELAY, "mx9.example.net", "192.0.2.99", NULL, &a);
	assert_int_equal(incident_set_status(&d, a.id, "notified", "abusedesk", NULL), 0);
	assert_int_equal(col("SELECT status = 'notified' AND notified_at > 0 FROM incidents WHERE id = ?", a.id), 1);
	assert_int_equal(incident_set_status(&d, a.id, "acknowledged", "carol", "looking"), 0);
	/* a later notification does not undo the acknowledgement */
	assert_int_equal(incident_set_status(&d, a.id, "notified", "abusedesk", NULL), 0);
	assert_int_equal(col("SELECT status = 'acknowledged' FROM incidents WHERE id = ?", a.id), 1);
	assert_int_equal(incident_set_status(&d, a.id, "bogus", "carol", NULL), -3);
	assert_int_equal(incident_set_status(&d, 999999, "resolved", "carol", NULL), 1);
	assert_int_equal(col("SELECT count(*) FROM incident_events WHERE incident_id = ? AND actor = 'carol'"
			     " AND old_status = 'notified' AND new_status = 'acknowledged' AND note = 'looking'", a.id), 1);
	assert_int_equal(col("SELECT count(*) FROM incident_events WHERE incident_id = ?", a.id), 4);
}

/* echo - what the store gives back for s bound as text (owned) */
static char *echo(const char *s)
{
	struct db_stmt *st = db_prepare(&d, "SELECT ?");
	char *out = NULL;

	db_bind_text(st, 1, s);
	if (db_step(&d, st) == DB_ROW)
		out = xstrdup(db_col_text(st, 0));
	db_finalize(st);
	return out;
}

static void test_text_utf8(void **state)
{
	static const struct { const char *in, *out; } c[] = {
		{ "plain ascii", "plain ascii" },
		{ "h\xc3\xb6st \xe2\x80\xae \xf0\x9f\x93\xa7", "h\xc3\xb6st \xe2\x80\xae \xf0\x9f\x93\xa7" },
		{ "bad \xc3\x28 x\xff", "bad \xef\xbf\xbd( x\xef\xbf\xbd" },
		{ "cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80 surrogate", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate" },
		{ "\xc0\xaf overlong", "\xef\xbf\xbd\xef\xbf\xbd overlong" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *got = echo(c[i].in);

		assert_non_null(got);
		assert_string_equal(got, c[i].out);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_join_dedupe),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_reopen_and_new),
		cmocka_unit_test(test_false_positive_absorbs),
		cmocka_unit_test(test_set_status),
		cmocka_unit_test(test_text_utf8),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

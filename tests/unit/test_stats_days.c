/*
 * test_stats_days - the per-day counters behind `abusedesk stats`
 * (report_days, incident_days in db/schema.c) stay equal to a count of the
 * rows through inserts, a report's reporter set after parsing, a re-parse
 * that changes it, a move to another day, state changes and deletes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../db/db_int.h"
#include "../../db/db.h"

static struct db d;

static int setup(void **state)
{
	char err[256];

	if (db_open(&d, ":memory:", 1, 1, err, sizeof(err)) != DB_OK || db_migrate(&d, err, sizeof(err)) != DB_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	db_close(&d);
	return 0;
}

/* exec - run sql with ?1..?3 bound to a, b, c (text when non-NULL) */
static void exec(const char *sql, const char *a, const char *b, const char *c)
{
	struct db_stmt *st = db_prepare(&d, sql);

	assert_non_null(st);
	if (a)
		db_bind_text(st, 1, a);
	if (b)
		db_bind_text(st, 2, b);
	if (c)
		db_bind_text(st, 3, c);
	assert_int_equal(db_step(&d, st), DB_DONE);
	db_finalize(st);
}

/* count - the single integer sql returns */
static long long count(const char *sql)
{
	struct db_stmt *st = db_prepare(&d, sql);
	long long n;

	assert_non_null(st);
	assert_int_equal(db_step(&d, st), DB_ROW);
	n = db_col_int(st, 0);
	db_finalize(st);
	return n;
}

/* mismatches - buckets where a counter and the rows disagree (both ways) */
static long long mismatches(void)
{
	return count("SELECT count(*) FROM ("
		     " SELECT received_at / 86400 AS day, coalesce(reporter, '-') AS v, count(*) AS n FROM reports"
		     "  GROUP BY 1, 2 EXCEPT SELECT day, reporter, n FROM report_days)") +
	       count("SELECT count(*) FROM (SELECT day, reporter, n FROM report_days EXCEPT"
		     " SELECT received_at / 86400, coalesce(reporter, '-'), count(*) FROM reports GROUP BY 1, 2)") +
	       count("SELECT count(*) FROM (SELECT dim, day, value, n FROM incident_days EXCEPT"
		     " SELECT 'verdict', last_seen / 86400, verdict, count(*) FROM incidents GROUP BY 2, 3 EXCEPT"
		     " SELECT 'status', last_seen / 86400, status, count(*) FROM incidents GROUP BY 2, 3 EXCEPT"
		     " SELECT 'owner', last_seen / 86400, coalesce(owner, '-'), count(*) FROM incidents GROUP BY 2, 3)") +
	       count("SELECT count(*) FROM (SELECT 'verdict', last_seen / 86400, verdict, count(*) FROM incidents"
		     " GROUP BY 2, 3 UNION ALL SELECT 'status', last_seen / 86400, status, count(*) FROM incidents"
		     " GROUP BY 2, 3 UNION ALL SELECT 'owner', last_seen / 86400, coalesce(owner, '-'), count(*)"
		     " FROM incidents GROUP BY 2, 3 EXCEPT SELECT dim, day, value, n FROM incident_days)");
}

#define ADD_REPORT "INSERT INTO reports(received_at, size, sha256, spool_path) VALUES (?1, 10, ?2, 'x')"

static void test_report_days(void **state)
{
	exec(ADD_REPORT, "1710000000", "a", NULL);
	exec(ADD_REPORT, "1710000100", "b", NULL);
	exec(ADD_REPORT, "1710090000", "c", NULL);
	assert_int_equal(count("SELECT n FROM report_days WHERE day = 19791 AND reporter = '-'"), 2);
	/* parsing sets the reporter: the '-' bucket empties and disappears */
	exec("UPDATE reports SET reporter = ?1, status = 'done' WHERE sha256 IN ('a', 'b')", "abuse@isp.example",
	     NULL, NULL);
	assert_int_equal(count("SELECT count(*) FROM report_days WHERE day = 19791 AND reporter = '-'"), 0);
	assert_int_equal(count("SELECT n FROM report_days WHERE day = 19791 AND reporter = 'abuse@isp.example'"), 2);
	/* the same reporter again (a re-parse) changes nothing; another moves one */
	exec("UPDATE reports SET reporter = ?1 WHERE sha256 = 'a'", "abuse@isp.example", NULL, NULL);
	exec("UPDATE reports SET reporter = ?1 WHERE sha256 = 'b'", "fbl@other.example", NULL, NULL);
	exec("UPDATE reports SET received_at = 1710200000 WHERE sha256 = 'c'", NULL, NULL, NULL);
	assert_int_equal(mismatches(), 0);
	exec("DELETE FROM reports WHERE sha256 = 'a'", NULL, NULL, NULL);
	assert_int_equal(count("SELECT count(*) FROM report_days WHERE reporter = 'abuse@isp.example'"), 0);
	assert_int_equal(count("SELECT sum(n) FROM report_days"), 2);
	assert_int_equal(mismatches(), 0);
}

#define ADD_INCIDENT "INSERT INTO incidents(key_host, verdict, owner, first_seen, last_seen, created_at," \
	" updated_at) VALUES (?1, ?2, ?3, 1710000000, 1710000000, 1710000000, 1710000000)"

static void test_incident_days(void **state)
{
	exec(ADD_INCIDENT, "mx1", "open_relay", "ops");
	exec(ADD_INCIDENT, "mx2", "open_relay", NULL);
	exec(ADD_INCIDENT, "web1", "web_script", "web");
	assert_int_equal(count("SELECT n FROM incident_days WHERE dim = 'verdict' AND value = 'open_relay'"), 2);
	assert_int_equal(count("SELECT n FROM incident_days WHERE dim = 'owner' AND value = '-'"), 1);
	/* a report the same day: last_seen moves, no bucket does */
	exec("UPDATE incidents SET last_seen = 1710003600, reports = reports + 1 WHERE key_host = 'mx1'",
	     NULL, NULL, NULL);
	assert_int_equal(count("SELECT sum(n) FROM incident_days WHERE dim = 'status'"), 3);
	/* a report the next day, a state change, an owner change */
	exec("UPDATE incidents SET last_seen = 1710090000 WHERE key_host = 'mx1'", NULL, NULL, NULL);
	exec("UPDATE incidents SET status = 'resolved' WHERE key_host = 'mx2'", NULL, NULL, NULL);
	exec("UPDATE incidents SET owner = 'webteam' WHERE key_host = 'web1'", NULL, NULL, NULL);
	assert_int_equal(count("SELECT n FROM incident_days WHERE dim = 'status' AND value = 'open'"
			       " AND day = 19791"), 1);
	assert_int_equal(count("SELECT count(*) FROM incident_days WHERE value = 'web'"), 0);
	assert_int_equal(mismatches(), 0);
	exec("DELETE FROM incidents WHERE key_host = 'mx1'", NULL, NULL, NULL);
	assert_int_equal(count("SELECT sum(n) FROM incident_days WHERE dim = 'owner'"), 2);
	assert_int_equal(mismatches(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incident_days, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

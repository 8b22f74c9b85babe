/*
 * pgpipe - db_step_later on PostgreSQL (driver_pgsql.c's pipeline mode)
 * against a real server: inside a transaction a statement is sent without
 * waiting, the next statement that needs an answer sees its rows, and its
 * failure fails that statement or the COMMIT, which then commits nothing;
 * outside a transaction it runs at once. A test driver (cmocka) of
 * tests/e2e/test_pg_pipeline.sh, which builds it (tests/lib/drivers.sh) and
 * names its private cluster in ABUSEDESK_TEST_PG; without it the driver
 * fails.
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

static struct db d;

static int setup(void **state)
{
	const char *uri = getenv("ABUSEDESK_TEST_PG");
	char err[256];

	(void)state;
	if (uri == NULL || *uri == '\0') {
		fprintf(stderr, "pgpipe: ABUSEDESK_TEST_PG names no server\n");
		return -1;
	}
	if (db_open(&d, uri, 5, 1, err, sizeof(err)) != DB_OK) {
		fprintf(stderr, "pgpipe: %s\n", err);
		return -1;
	}
	return db_exec(&d, "DROP TABLE IF EXISTS p; CREATE TABLE p(k BIGINT PRIMARY KEY, v TEXT)") == DB_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (d.h)
		db_close(&d);
	memset(&d, 0, sizeof(d));
	return 0;
}

/* later - INSERT INTO p VALUES (k, v) through db_step_later */
static int later(long long k, const char *v)
{
	struct db_stmt *st = db_prepare(&d, "INSERT INTO p(k, v) VALUES (?, ?)");
	int rc;

	assert_non_null(st);
	db_bind_int(st, 1, k);
	db_bind_text(st, 2, v);
	rc = db_step_later(&d, st);
	db_finalize(st);
	return rc;
}

/* count - rows of p, or -1 when the statement failed */
static long long count(void)
{
	struct db_stmt *st = db_prepare(&d, "SELECT count(*) FROM p");
	long long n = -1;

	assert_non_null(st);
	if (db_step(&d, st) == DB_ROW)
		n = db_col_int(st, 0);
	db_finalize(st);
	return n;
}

/* what a transaction sent later is there for its next question, and committed */
static void seen_and_committed(void **state)
{
	(void)state;
	assert_int_equal(db_begin(&d), DB_OK);
	/* the same text again and again: prepared on the server at its second run, inside the pipeline */
	for (long long k = 1; k <= 100; k++)
		assert_int_equal(later(k, "x"), DB_DONE);
	assert_int_equal(count(), 100);
	assert_int_equal(later(101, "y"), DB_DONE);
	assert_int_equal(db_commit(&d), DB_OK);
	assert_int_equal(count(), 101);
}

/* a statement sent later that fails is the failure of the next one that waits */
static void failure_at_next_question(void **state)
{
	(void)state;
	assert_int_equal(db_begin(&d), DB_OK);
	assert_int_equal(later(1, "a"), DB_DONE);
	assert_int_equal(later(1, "again"), DB_DONE);   /* sent, not answered yet */
	assert_int_equal(later(2, "b"), DB_DONE);
	assert_int_equal(count(), -1);
	assert_non_null(strstr(db_errmsg(&d), "duplicate key"));
	db_rollback(&d);
	/* the connection is whole again, out of the pipeline */
	assert_int_equal(count(), 0);
	assert_int_equal(later(7, "alone"), DB_DONE);
	assert_int_equal(count(), 1);
}

/* ... or of the COMMIT, which then commits nothing */
static void failure_at_commit(void **state)
{
	(void)state;
	assert_int_equal(db_begin(&d), DB_OK);
	assert_int_equal(later(1, "a"), DB_DONE);
	assert_int_equal(later(2, "b"), DB_DONE);
	assert_int_equal(later(1, "dup"), DB_DONE);
	assert_int_equal(later(3, "c"), DB_DONE);
	assert_int_not_equal(db_commit(&d), DB_OK);
	assert_non_null(strstr(db_errmsg(&d), "duplicate key"));
	assert_int_equal(count(), 0);
	/* the next transaction commits as usual */
	assert_int_equal(db_begin(&d), DB_OK);
	assert_int_equal(later(4, "d"), DB_DONE);
	assert_int_equal(db_commit(&d), DB_OK);
	assert_int_equal(count(), 1);
}

/* outside a transaction the statement is answered at once */
static void at_once_outside(void **state)
{
	(void)state;
	assert_int_equal(later(1, "a"), DB_DONE);
	assert_int_equal(later(1, "a"), DB_ERROR);
	assert_non_null(strstr(db_errmsg(&d), "duplicate key"));
	assert_int_equal(count(), 1);
}

/* a statement run with db_step inside the pipeline still walks its rows */
static void rows_inside(void **state)
{
	struct db_stmt *st;
	int n = 0;

	(void)state;
	assert_int_equal(db_begin(&d), DB_OK);
	for (long long k = 1; k <= 5; k++)
		assert_int_equal(later(k, k % 2 ? "odd" : "even"), DB_DONE);
	st = db_prepare(&d, "SELECT k FROM p WHERE v = ? ORDER BY k");
	assert_non_null(st);
	db_bind_text(st, 1, "odd");
	while (db_step(&d, st) == DB_ROW)
		assert_int_equal(db_col_int(st, 0), 2 * n++ + 1);
	db_finalize(st);
	assert_int_equal(n, 3);
	assert_int_equal(later(6, "even"), DB_DONE);
	assert_int_equal(db_commit(&d), DB_OK);
	assert_int_equal(count(), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(seen_and_committed, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_at_next_question, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_at_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(at_once_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(rows_inside, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * pgpipe - db_step_later on PostgreSQL (driver_pgsql.c's pipeline mode)
 * against a real server: inside a transaction a statement is sent without
 * waiting, the next statement that needs an answer sees its rows, and its
 * failure fails that statement or the COMMIT, which then commits nothing;
 * outside a transaction it runs at once. db_step_send: a statement sent
 * while others run gets its own answer at its step, however many are owed
 * and whichever statement reads them; its failure fails the transaction;
 * one let go before its step leaves the connection whole. A test driver (cmocka) of
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

/* send_insert - INSERT ... RETURNING through db_step_send; the statement, its answer owed */
static struct db_stmt *send_insert(long long k, const char *v)
{
	struct db_stmt *st = db_prepare(&d, "INSERT INTO p(k, v) VALUES (?, ?) RETURNING k * 10, v");

	assert_non_null(st);
	db_bind_int(st, 1, k);
	db_bind_text(st, 2, v);
	assert_int_equal(db_step_send(&d, st), DB_OK);
	return st;
}

/* answered - st's step gives the row (k * 10, v) and then no more */
static void answered(struct db_stmt *st, long long k, const char *v)
{
	assert_int_equal(db_step(&d, st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), k * 10);
	assert_string_equal(db_col_text(st, 1), v);
	assert_int_equal(db_step(&d, st), DB_DONE);
	db_finalize(st);
}

/* each sent statement gets its own answer, whoever reads it off the connection */
static void sent_answers_kept(void **state)
{
	struct db_stmt *a, *b, *c;

	(void)state;
	assert_int_equal(db_begin(&d), DB_OK);
	a = send_insert(1, "one");
	assert_int_equal(later(2, "two"), DB_DONE);
	b = send_insert(3, "three");
	/* a question read after them: both answers are kept for their steps */
	assert_int_equal(count(), 3);
	c = send_insert(4, "four");
	answered(b, 3, "three");
	answered(a, 1, "one");
	/* c's answer is read by its own step */
	answered(c, 4, "four");
	assert_int_equal(db_commit(&d), DB_OK);
	assert_int_equal(count(), 3 + 1);
}

/* more owed at once than the driver keeps in the pipeline: still each its own */
static void many_owed(void **state)
{
	struct db_stmt *st[40];

	(void)state;
	assert_int_equal(db_begin(&d), DB_OK);
	for (long long k = 0; k < 40; k++)
		st[k] = send_insert(k + 1, k % 2 ? "odd" : "even");
	for (long long k = 39; k >= 0; k--)
		answered(st[k], k + 1, k % 2 ? "odd" : "even");
	assert_int_equal(db_commit(&d), DB_OK);
	assert_int_equal(count(), 40);
}

/* a sent statement that fails fails its step, and what follows in the transaction */
static void sent_failure(void **state)
{
	struct db_stmt *a, *b;

	(void)state;
	assert_int_equal(db_begin(&d), DB_OK);
	a = send_insert(1, "a");
	b = send_insert(1, "dup");
	answered(a, 1, "a");
	assert_int_equal(db_step(&d, b), DB_ERROR);
	assert_non_null(strstr(db_errmsg(&d), "duplicate key"));
	db_finalize(b);
	db_rollback(&d);
	assert_int_equal(count(), 0);
	/* read by another statement first: that one fails, and the step too */
	assert_int_equal(db_begin(&d), DB_OK);
	assert_int_equal(later(5, "x"), DB_DONE);
	b = send_insert(5, "dup");
	assert_int_equal(count(), -1);
	assert_non_null(strstr(db_errmsg(&d), "duplicate key"));
	assert_int_equal(db_step(&d, b), DB_ERROR);
	db_finalize(b);
	db_rollback(&d);
	assert_int_equal(count(), 0);
}

/* one let go before its step: the connection goes on; its failure still fails the COMMIT */
static void sent_dropped(void **state)
{
	struct db_stmt *a;

	(void)state;
	assert_int_equal(db_begin(&d), DB_OK);
	a = send_insert(1, "kept");
	db_finalize(a);
	a = send_insert(2, "kept too");
	db_finalize(a);
	assert_int_equal(count(), 2);
	assert_int_equal(db_commit(&d), DB_OK);
	assert_int_equal(count(), 2);
	assert_int_equal(db_begin(&d), DB_OK);
	a = send_insert(1, "dup");
	db_finalize(a);
	assert_int_not_equal(db_commit(&d), DB_OK);
	assert_int_equal(count(), 2);
}

/* outside a transaction it runs at once, and the step gives its answer */
static void sent_outside(void **state)
{
	struct db_stmt *a;

	(void)state;
	a = send_insert(9, "now");
	assert_int_equal(count(), 1);
	answered(a, 9, "now");
	a = send_insert(7, "seven");
	db_finalize(a);
	assert_int_equal(count(), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(seen_and_committed, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_at_next_question, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_at_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(at_once_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(rows_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(sent_answers_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(many_owed, setup, teardown),
		cmocka_unit_test_setup_teardown(sent_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(sent_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(sent_outside, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

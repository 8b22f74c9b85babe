/*
 * test_dbcache - the statement cache of db.c: a finalized statement comes
 * back from the next db_prepare of the same text reset, with every parameter
 * unbound; a statement still in use is not handed out twice; more texts than
 * slots replace idle ones and every statement still runs; db_close frees
 * what is kept (the ASan build checks for leaks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../db/db_int.h"

static struct db d;

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (db_open(&d, ":memory:", 1, 1, err, sizeof(err)) != DB_OK)
		return -1;
	return db_exec(&d, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);"
			   " INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')") == DB_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	db_close(&d);
	return 0;
}

/* a kept statement is reused, reset, and its parameters are unbound again */
static void reuse_clears(void **state)
{
	const char *sql = "SELECT ?1, ?2";
	struct db_stmt *a, *b;

	(void)state;
	a = db_prepare(&d, sql);
	assert_non_null(a);
	db_bind_text(a, 1, "x");
	db_bind_int(a, 2, 42);
	assert_int_equal(db_step(&d, a), DB_ROW);
	assert_string_equal(db_col_text(a, 0), "x");
	assert_int_equal(db_col_int(a, 1), 42);
	db_finalize(a);
	b = db_prepare(&d, sql);
	assert_ptr_equal(a, b);             /* the same statement, taken back */
	assert_int_equal(db_step(&d, b), DB_ROW);
	assert_int_equal(db_col_type(b, 0), DB_T_NULL);
	assert_int_equal(db_col_type(b, 1), DB_T_NULL);
	db_finalize(b);
}

/* a statement left in the middle of its rows starts again from the first */
static void reuse_resets(void **state)
{
	const char *sql = "SELECT v FROM t ORDER BY k";
	struct db_stmt *a;

	(void)state;
	a = db_prepare(&d, sql);
	assert_int_equal(db_step(&d, a), DB_ROW);
	assert_string_equal(db_col_text(a, 0), "one");
	assert_int_equal(db_step(&d, a), DB_ROW);
	db_finalize(a);
	a = db_prepare(&d, sql);
	assert_int_equal(db_step(&d, a), DB_ROW);
	assert_string_equal(db_col_text(a, 0), "one");
	db_finalize(a);
	/* and the write it would block if it were still running goes through */
	assert_int_equal(db_exec(&d, "UPDATE t SET v = 'uno' WHERE k = 1"), DB_OK);
}

/* the same text twice at once: two statements, each with its own state */
static void in_use_not_shared(void **state)
{
	const char *sql = "SELECT v FROM t WHERE k = ?";
	struct db_stmt *a, *b;

	(void)state;
	a = db_prepare(&d, sql);
	b = db_prepare(&d, sql);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	db_bind_int(a, 1, 2);
	db_bind_int(b, 1, 3);
	assert_int_equal(db_step(&d, a), DB_ROW);
	assert_int_equal(db_step(&d, b), DB_ROW);
	assert_string_equal(db_col_text(a, 0), "two");
	assert_string_equal(db_col_text(b, 0), "three");
	db_finalize(b);
	db_finalize(a);
}

/* more texts than slots: idle ones are replaced, every statement still answers */
static void more_than_slots(void **state)
{
	char sql[64];

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 200; i++) {
			struct db_stmt *st;

			snprintf(sql, sizeof(sql), "SELECT %d + ?", i);
			st = db_prepare(&d, sql);
			assert_non_null(st);
			db_bind_int(st, 1, round);
			assert_int_equal(db_step(&d, st), DB_ROW);
			assert_int_equal(db_col_int(st, 0), i + round);
			db_finalize(st);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reuse_clears, setup, teardown),
		cmocka_unit_test_setup_teardown(reuse_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(in_use_not_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(more_than_slots, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

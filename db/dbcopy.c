/*
 * dbcopy - copy a database between backends (see dbcopy.h).
 *
 * Names of tables and columns come from the catalogs of the two databases
 * and are used in SQL only when they are plain lower-case identifiers;
 * values are always bound. A PostgreSQL source is read through a cursor,
 * DBCOPY_BATCH rows at a time, so a large table is never held in memory;
 * the destination is written in one transaction, so a failed copy leaves it
 * empty.
 */
#include <stdio.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/str.h"
#include "db_int.h"
#include "dbcopy.h"

#define DBCOPY_BATCH 5000
#define MAX_COLS 96

/* derived: kept by triggers on both backends, counted again on the destination */
static const char *const derived[] = { "report_days", "incident_days" };

/* plain - a name safe to write into SQL unquoted */
static int plain(const char *s)
{
	if (*s == '\0' || strlen(s) >= 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int is_derived(const char *t)
{
	for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++)
		if (strcmp(t, derived[i]) == 0)
			return 1;
	return 0;
}

/* list - the first column of each row of sql (one text bound when arg), into v */
static int list(struct db *d, const char *sql, const char *arg, char v[][64], size_t max, size_t *n)
{
	struct db_stmt *st = db_prepare(d, sql);
	int rc;

	*n = 0;
	if (st == NULL)
		return DB_ERROR;
	if (arg)
		db_bind_text(st, 1, arg);
	while ((rc = db_step(d, st)) == DB_ROW)
		if (*n < max)
			str_copy(v[(*n)++], 64, db_col_text(st, 0));
	db_finalize(st);
	return db_result(rc);
}

/* tables - the tables of d, without the backend's own */
static int tables(struct db *d, char v[][64], size_t max, size_t *n)
{
	if (db_dialect(d) == DB_PGSQL)
		return list(d, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
			    " AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY 1", NULL, v,
			    max, n);
	return list(d, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
		    " ORDER BY 1", NULL, v, max, n);
}

/* parents - the tables t refers to */
static int parents(struct db *d, const char *t, char v[][64], size_t max, size_t *n)
{
	if (db_dialect(d) == DB_PGSQL)
		return list(d, "SELECT DISTINCT c.confrelid::regclass::text FROM pg_constraint c"
			    " WHERE c.contype = 'f' AND c.conrelid = to_regclass(?)", t, v, max, n);
	return list(d, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)", t, v, max, n);
}

/* columns - the columns of t in d; blob[i] set for a binary column */
static int columns(struct db *d, const char *t, char v[][64], int *blob, size_t max, size_t *n)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	st = db_prepare(d, db_dialect(d) == DB_PGSQL ?
			"SELECT column_name, data_type = 'bytea' FROM information_schema.columns"
			" WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position" :
			"SELECT name, upper(type) = 'BLOB' FROM pragma_table_info(?) ORDER BY cid");
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, t);
	while ((rc = db_step(d, st)) == DB_ROW)
		if (*n < max) {
			blob[*n] = db_col_int(st, 1) != 0;
			str_copy(v[(*n)++], 64, db_col_text(st, 0));
		}
	db_finalize(st);
	return db_result(rc);
}

/* count - rows of t; -1 on error */
static long long count(struct db *d, const char *t)
{
	char sql[128];
	struct db_stmt *st;
	long long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t);
	if ((st = db_prepare(d, sql)) == NULL)
		return -1;
	if (db_step(d, st) == DB_ROW)
		n = db_col_int(st, 0);
	db_finalize(st);
	return n;
}

/* copy_rows - rows of st (columns as cols) into ins; the running total in *rows */
static int copy_rows(struct db *src, struct db_stmt *st, struct db *dst, struct db_stmt *ins, size_t ncols,
		     const int *blob, long long *rows, int *got)
{
	int rc;

	*got = 0;
	while ((rc = db_step(src, st)) == DB_ROW) {
		db_reset(ins);
		for (size_t i = 0; i < ncols; i++) {
			int type = db_col_type(st, (int)i);
			size_t len;
			const void *p;

			if (type == DB_T_NULL) {
				db_bind_null(ins, (int)i + 1);
			} else if (blob[i] || type == DB_T_BLOB) {
				p = db_col_blob(st, (int)i, &len);
				db_bind_blob(ins, (int)i + 1, p ? p : "", len);
			} else if (type == DB_T_INT) {
				db_bind_int(ins, (int)i + 1, db_col_int(st, (int)i));
			} else {
				db_bind_text(ins, (int)i + 1, db_col_text(st, (int)i));
			}
		}
		if ((rc = db_step(dst, ins)) != DB_DONE)
			return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
		(*rows)++;
		(*got)++;
	}
	return db_result(rc);
}

/* copy_table - every row of t; the columns both sides have */
static int copy_table(struct db *src, struct db *dst, const char *t, dbcopy_progress progress, void *arg,
		      long long *total, char *err, size_t errlen)
{
	char scol[MAX_COLS][64], dcol[MAX_COLS][64];
	int sblob[MAX_COLS], dblob[MAX_COLS], blob[MAX_COLS];
	size_t ns, nd, nc = 0;
	struct buf sel, ins, cols;
	struct db_stmt *st = NULL, *in = NULL;
	long long rows = 0;
	int rc, got, cursor = db_dialect(src) == DB_PGSQL;

	if ((rc = columns(src, t, scol, sblob, MAX_COLS, &ns)) != DB_OK ||
	    (rc = columns(dst, t, dcol, dblob, MAX_COLS, &nd)) != DB_OK) {
		snprintf(err, errlen, "table %s: cannot read its columns: %s", t, db_errmsg(rc == DB_OK ? dst : src));
		return rc;
	}
	buf_init(&cols, 0);
	for (size_t i = 0; i < ns; i++) {
		size_t j;

		for (j = 0; j < nd && strcmp(scol[i], dcol[j]) != 0; j++)
			;
		if (j == nd || !plain(scol[i]))
			continue;       /* a column the destination does not have: its schema is older */
		blob[nc++] = dblob[j] || sblob[i];
		buf_printf(&cols, "%s%s", nc > 1 ? ", " : "", scol[i]);
	}
	if (nc == 0) {
		buf_free(&cols);
		return DB_OK;
	}
	buf_init(&sel, 0);
	buf_init(&ins, 0);
	if (cursor)
		buf_printf(&sel, "DECLARE dbcopy NO SCROLL CURSOR FOR SELECT %s FROM %s", cols.data, t);
	else
		buf_printf(&sel, "SELECT %s FROM %s", cols.data, t);
	buf_printf(&ins, "INSERT INTO %s (%s) VALUES (", t, cols.data);
	for (size_t i = 0; i < nc; i++)
		buf_puts(&ins, i ? ", ?" : "?");
	buf_puts(&ins, ")");
	rc = DB_ERROR;
	if ((in = db_prepare(dst, ins.data)) == NULL)
		goto out;
	if (cursor) {
		if ((rc = db_begin(src)) != DB_OK || (rc = db_exec(src, sel.data)) != DB_OK)
			goto out;
		do {
			char fetch[64];

			snprintf(fetch, sizeof(fetch), "FETCH %d FROM dbcopy", DBCOPY_BATCH);
			rc = DB_ERROR;
			if ((st = db_prepare(src, fetch)) == NULL)
				goto out;
			rc = copy_rows(src, st, dst, in, nc, blob, &rows, &got);
			db_finalize(st);
			st = NULL;
			if (progress)
				progress(t, rows, arg);
		} while (rc == DB_OK && got == DBCOPY_BATCH);
	} else {
		rc = DB_ERROR;
		if ((st = db_prepare(src, sel.data)) == NULL)
			goto out;
		rc = copy_rows(src, st, dst, in, nc, blob, &rows, &got);
		if (progress)
			progress(t, rows, arg);
	}
out:
	if (rc != DB_OK)
		snprintf(err, errlen, "table %s, row %lld: %s", t, rows + 1, db_errmsg(dst)[0] ? db_errmsg(dst) :
			 db_errmsg(src));
	if (cursor && db_dialect(src) == DB_PGSQL)
		db_rollback(src);       /* the read-only transaction of the cursor */
	db_finalize(st);
	db_finalize(in);
	buf_free(&sel);
	buf_free(&ins);
	buf_free(&cols);
	*total += rows;
	return rc;
}

/* reset_ids - a PostgreSQL destination: each identity continues after the copied ids */
static int reset_ids(struct db *dst)
{
	char t[DBCOPY_MAX_TABLES][64], c[DBCOPY_MAX_TABLES][64];
	struct db_stmt *st;
	size_t n = 0;
	int rc;

	if (db_dialect(dst) != DB_PGSQL)
		return DB_OK;
	st = db_prepare(dst, "SELECT table_name, column_name FROM information_schema.columns"
			" WHERE table_schema = current_schema() AND is_identity = 'YES'");
	if (st == NULL)
		return DB_ERROR;
	while ((rc = db_step(dst, st)) == DB_ROW)
		if (n < DBCOPY_MAX_TABLES) {
			str_copy(t[n], 64, db_col_text(st, 0));
			str_copy(c[n++], 64, db_col_text(st, 1));
		}
	db_finalize(st);
	if ((rc = db_result(rc)) != DB_OK)
		return rc;
	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		char sql[512];

		if (!plain(t[i]) || !plain(c[i]))
			continue;
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', '%s'), max(%s))"
			 " FROM %s HAVING max(%s) IS NOT NULL", t[i], c[i], c[i], t[i], c[i]);
		rc = db_exec(dst, sql);
	}
	return rc;
}

int db_copy(struct db *src, struct db *dst, dbcopy_progress progress, void *arg, struct dbcopy_result *out,
	    char *err, size_t errlen)
{
	char st[DBCOPY_MAX_TABLES][64], dt[DBCOPY_MAX_TABLES][64], par[DBCOPY_MAX_TABLES][64];
	int done[DBCOPY_MAX_TABLES] = { 0 };
	size_t ns, nd, left;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = tables(src, st, DBCOPY_MAX_TABLES, &ns)) != DB_OK ||
	    (rc = tables(dst, dt, DBCOPY_MAX_TABLES, &nd)) != DB_OK) {
		snprintf(err, errlen, "cannot list the tables: %s", db_errmsg(rc == DB_OK ? dst : src));
		return rc;
	}
	for (size_t i = 0; i < ns; i++) {
		size_t j;

		if (!plain(st[i])) {
			snprintf(err, errlen, "%s: a table named %.64s is not abusedesk's", src->path, st[i]);
			return DB_ERROR;
		}
		for (j = 0; j < nd && strcmp(st[i], dt[j]) != 0; j++)
			;
		if (j == nd) {
			snprintf(err, errlen, "%s has no table %s: run a newer abusedesk init on it", dst->path, st[i]);
			return DB_ERROR;
		}
		if (count(dst, st[i]) != 0) {
			snprintf(err, errlen, "%s is not empty (table %s has rows): copy into a new database", dst->path,
				 st[i]);
			return DB_ERROR;
		}
		str_copy(out->t[out->n].name, sizeof(out->t[out->n].name), st[i]);
		out->t[out->n++].copied = !is_derived(st[i]);
	}
	if ((rc = db_begin(dst)) != DB_OK) {
		snprintf(err, errlen, "%s: cannot begin: %s", dst->path, db_errmsg(dst));
		return rc;
	}
	/* parents first: a table goes once every table it refers to has gone */
	for (left = ns; left > 0;) {
		size_t before = left;

		for (size_t i = 0; i < ns; i++) {
			size_t np, k;

			if (done[i])
				continue;
			if ((rc = parents(src, st[i], par, DBCOPY_MAX_TABLES, &np)) != DB_OK) {
				snprintf(err, errlen, "table %s: cannot read its references: %s", st[i], db_errmsg(src));
				goto fail;
			}
			for (k = 0; k < np; k++) {
				size_t j;

				for (j = 0; j < ns && strcmp(st[j], par[k]) != 0; j++)
					;
				if (j < ns && j != i && !done[j])
					break;
			}
			if (k < np)
				continue;
			if (!is_derived(st[i]) &&
			    (rc = copy_table(src, dst, st[i], progress, arg, &out->rows, err, errlen)) != DB_OK)
				goto fail;
			done[i] = 1;
			left--;
		}
		if (left == before) {
			snprintf(err, errlen, "the tables refer to each other in a circle");
			rc = DB_ERROR;
			goto fail;
		}
	}
	if ((rc = reset_ids(dst)) != DB_OK) {
		snprintf(err, errlen, "%s: cannot move the ids on: %s", dst->path, db_errmsg(dst));
		goto fail;
	}
	if ((rc = db_commit(dst)) != DB_OK) {
		snprintf(err, errlen, "%s: the copy did not commit: %s", dst->path, db_errmsg(dst));
		goto fail;
	}
	for (size_t i = 0; i < out->n; i++) {
		out->t[i].src_rows = count(src, out->t[i].name);
		out->t[i].dst_rows = count(dst, out->t[i].name);
	}
	return DB_OK;
fail:
	db_rollback(dst);
	return rc;
}

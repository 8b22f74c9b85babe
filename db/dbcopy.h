/*
 * dbcopy - a whole database copied between two open stores, of either
 * backend (SQLite -> PostgreSQL when a desk grows, back for a test copy).
 *
 * The destination must have the schema (db_migrate) and no rows. Tables are
 * copied parents first (by their foreign keys), row by row with every value
 * bound, ids kept; the per-day counters (report_days, incident_days) are not
 * copied but counted again by the destination's triggers. Then every table
 * is counted on both sides.
 */
#ifndef AD_DB_DBCOPY_H
#define AD_DB_DBCOPY_H

#include <stddef.h>

#include "db.h"

#define DBCOPY_MAX_TABLES 64

struct dbcopy_table {
	char name[64];
	long long src_rows, dst_rows;   /* counted after the copy */
	int copied;                     /* 0: kept by the destination's triggers */
};

struct dbcopy_result {
	struct dbcopy_table t[DBCOPY_MAX_TABLES];
	size_t n;
	long long rows;                 /* rows inserted */
};

/* dbcopy_progress - called after each batch: the table, its rows so far */
typedef void (*dbcopy_progress)(const char *table, long long rows, void *arg);

/*
 * db_copy - copy every table of src into dst; DB_OK (compare the counts in
 * out), DB_BUSY, or DB_ERROR with a message in err (dst not empty, a table
 * dst lacks, a failed insert: what was copied stays, in whole batches).
 */
int db_copy(struct db *src, struct db *dst, dbcopy_progress progress, void *arg, struct dbcopy_result *out,
	    char *err, size_t errlen);

#endif

/*
 * schema - the schema of each backend (schema.c for SQLite,
 * schema_pgsql.c for PostgreSQL); db_migrate and db_schema_version
 * (db.h) pick the one of the open database.
 */
#ifndef AD_DB_SCHEMA_H
#define AD_DB_SCHEMA_H

#include <stddef.h>

struct db;

/* pgsql_schema_version - the version of a PostgreSQL database, 0 when empty, -1 on error */
int pgsql_schema_version(struct db *d);
/* pgsql_migrate - create or upgrade a PostgreSQL schema; DB_OK, DB_BUSY or DB_ERROR */
int pgsql_migrate(struct db *d, char *err, size_t errlen);

#endif

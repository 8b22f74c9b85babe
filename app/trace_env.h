/*
 * trace_env - what trace asks about our hosts, mail logs and NAT records,
 * answered from the store and then from the CSV inventory (inventory_csv).
 *
 * The store is asked first; the CSV inventory fills in what it does not
 * know. Either may be absent (db NULL: the database is not open).
 */
#ifndef AD_APP_TRACE_ENV_H
#define AD_APP_TRACE_ENV_H

#include "../correlate/trace/trace.h"
#include "../db/db.h"

struct app_inv_cache;

struct app_env {
	struct db *db;             /* NULL when there is no database */
	void *csv;                 /* struct inventory_csv *, or NULL */
	struct app_inv_cache *cache;  /* the store's inventory answers, kept inside one transaction */
	int cache_on;
	int failed;                /* a lookup of the store failed (not: found nothing) since it was cleared */
	char why[256];             /* the store's error when it did */
};

/* app_trace_env - env's callbacks over ae (which must outlive env) */
void app_trace_env(struct app_env *ae, struct trace_env *env);

/*
 * app_env_cache_begin - from now until app_env_cache_end, the store's
 * inventory answers are kept and asked only once an address: for the
 * length of one write transaction (a batch of an import), in which the
 * inventory tables cannot change under it (SQLite: the transaction's own
 * snapshot; PostgreSQL: as of the batch's first lookup of the address)
 */
void app_env_cache_begin(struct app_env *ae);

/* app_env_cache_end - forget the kept answers and ask the store again */
void app_env_cache_end(struct app_env *ae);

/* app_env_cache_free - what the cache holds (ae->cache NULL after) */
void app_env_cache_free(struct app_env *ae);

/* app_inventory_lookup - what the store's inventory says of ip; e->found = 0
 * when nothing. 0 or DB_ERROR. */
int app_inventory_lookup(struct db *d, const struct ipaddr *ip, struct inv_entry *e);

#endif

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

struct app_env {
	struct db *db;             /* NULL when there is no database */
	void *csv;                 /* struct inventory_csv *, or NULL */
};

/* app_trace_env - env's callbacks over ae (which must outlive env) */
void app_trace_env(struct app_env *ae, struct trace_env *env);

/* app_inventory_lookup - what the store's inventory says of ip; e->found = 0
 * when nothing. 0 or DB_ERROR. */
int app_inventory_lookup(struct db *d, const struct ipaddr *ip, struct inv_entry *e);

#endif

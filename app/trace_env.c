/*
 * trace_env - trace's inventory, mail log and NAT callbacks over the store
 * and the CSV inventory.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"

#include "../correlate/inventory/inventory_csv.h"
#include "../db/inventory.h"
#include "../db/maillog.h"
#include "../db/natlog.h"
#include "records.h"
#include "trace_env.h"

/* app_inventory_lookup - the store's inventory, as trace needs it */
int app_inventory_lookup(struct db *d, const struct ipaddr *ip, struct inv_entry *e)
{
	struct db_inv_entry de;

	if (inventory_find(d, ip, &de) != DB_OK) {
		memset(e, 0, sizeof(*e));
		return DB_ERROR;
	}
	app_inv_entry(&de, e);
	return DB_OK;
}

/* app_maillog_find - what the stored mail log says of a message; 0 or DB_ERROR */
static int app_maillog_find(struct db *d, const char *qid, const char *mid, struct maillog_entry *e)
{
	struct db_maillog_hit h;

	if (maillog_find(d, qid, mid, &h) != DB_OK) {
		memset(e, 0, sizeof(*e));
		return DB_ERROR;
	}
	app_maillog_entry(&h, e);
	return DB_OK;
}

/* unanswered - a lookup of the store failed: flagged, and why kept */
static void unanswered(struct app_env *ae)
{
	if (!ae->failed)
		str_copy(ae->why, sizeof(ae->why), db_errmsg(ae->db));
	ae->failed = 1;
}

/* The inventory cache: direct-mapped by address, a generation per transaction. */
#define INV_CACHE_SLOTS 512

struct inv_slot {
	unsigned gen;              /* valid when it is the cache's */
	struct ipaddr ip;
	struct inv_entry e;
};

struct app_inv_cache {
	unsigned gen;
	struct inv_slot s[INV_CACHE_SLOTS];
	int maillog;               /* -1 not asked in this generation, 0 the mail log is empty, 1 not */
	struct db_inv_prefixes px; /* the networks' prefix lengths, read once a generation */
};

void app_env_cache_begin(struct app_env *ae)
{
	if (ae->cache == NULL)
		ae->cache = xcalloc(1, sizeof(*ae->cache));
	if (++ae->cache->gen == 0) {   /* wrapped: no old entry may look valid */
		memset(ae->cache->s, 0, sizeof(ae->cache->s));
		ae->cache->gen = 1;
	}
	ae->cache->maillog = -1;
	ae->cache->px.n = -1;
	ae->cache_on = 1;
}

void app_env_cache_end(struct app_env *ae)
{
	ae->cache_on = 0;
}

void app_env_cache_free(struct app_env *ae)
{
	free(ae->cache);
	ae->cache = NULL;
	ae->cache_on = 0;
}

/* inv_slot - the slot ip maps to */
static struct inv_slot *inv_slot(struct app_inv_cache *c, const struct ipaddr *ip)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < sizeof(ip->b); i++)
		h = (h ^ ip->b[i]) * 16777619u;
	return &c->s[h % INV_CACHE_SLOTS];
}

/* db_lookup - the store's inventory, through the cache while it is on */
static void db_lookup(struct app_env *ae, const struct ipaddr *ip, struct inv_entry *e)
{
	struct inv_slot *s = NULL;
	struct db_inv_entry de;

	if (ae->cache_on && ae->cache) {
		s = inv_slot(ae->cache, ip);
		if (s->gen == ae->cache->gen && memcmp(&s->ip, ip, sizeof(*ip)) == 0) {
			*e = s->e;
			return;
		}
	}
	/* inside a batch the prefix lengths are read once (a failed read leaves
	 * px.n < 0: the walk, as outside a batch) */
	if (s && ae->cache->px.n < 0)
		(void)inventory_prefixes(ae->db, &ae->cache->px);
	if (inventory_find_px(ae->db, ip, s ? &ae->cache->px : NULL, &de) != DB_OK) {
		unanswered(ae);
		memset(e, 0, sizeof(*e));
		return;        /* not kept: the next message asks again */
	}
	app_inv_entry(&de, e);
	if (s) {
		s->gen = ae->cache->gen;
		s->ip = *ip;
		s->e = *e;
	}
}

/* env_lookup - the database inventory first, then the CSV file */
static void env_lookup(void *ctx, const struct ipaddr *ip, struct inv_entry *e)
{
	struct app_env *ae = ctx;
	struct trace_env env;

	memset(e, 0, sizeof(*e));
	if (ae->db)
		db_lookup(ae, ip, e);
	if (!e->found && ae->csv) {
		inventory_csv_env(ae->csv, &env);
		if (env.lookup)
			env.lookup(env.ctx, ip, e);
	}
}

/* env_maillog - the imported mail log, then the CSV inventory's */
static void env_maillog(void *ctx, const char *qid, const char *mid, struct maillog_entry *e)
{
	struct app_env *ae = ctx;
	struct trace_env env;

	memset(e, 0, sizeof(*e));
	/* inside a batch the store is asked once whether it holds a mail log at
	 * all: a desk without one saves two lookups a message (a log imported
	 * while the batch runs is read from the next batch on) */
	if (ae->db && ae->cache_on && ae->cache && ae->cache->maillog < 0)
		ae->cache->maillog = maillog_any(ae->db);
	if (ae->db && !(ae->cache_on && ae->cache && ae->cache->maillog == 0) &&
	    app_maillog_find(ae->db, qid, mid, e) != DB_OK) {
		unanswered(ae);
		memset(e, 0, sizeof(*e));
	}
	if (!e->found && ae->csv) {
		inventory_csv_env(ae->csv, &env);
		if (env.maillog)
			env.maillog(env.ctx, qid, mid, e);
	}
}

/* env_nat - the imported NAT records, then the CSV inventory's */
static int env_nat(void *ctx, const struct ipaddr *outside, int port, time_t t, char inside[46], int *iport)
{
	struct app_env *ae = ctx;
	struct trace_env env;
	int r = ae->db ? natlog_find(ae->db, outside, port, (long long)t, inside, iport) : -1;

	if (r == 0)
		return 0;
	if (r == -2)
		unanswered(ae);
	if (ae->csv) {
		inventory_csv_env(ae->csv, &env);
		if (env.nat)
			return env.nat(env.ctx, outside, port, t, inside, iport);
	}
	return -1;
}

/* env_lookup_name - a host's address by name: the store's inventory, then the CSV file */
static int env_lookup_name(void *ctx, const char *name, char ip[46])
{
	struct app_env *ae = ctx;
	struct trace_env env;
	int r = ae->db ? inventory_host_ip(ae->db, name, ip, 46) : 0;

	if (r == 1)
		return 0;
	if (r != 0)
		unanswered(ae);
	if (ae->csv) {
		inventory_csv_env(ae->csv, &env);
		if (env.lookup_name)
			return env.lookup_name(env.ctx, name, ip);
	}
	return -1;
}

void app_trace_env(struct app_env *ae, struct trace_env *env)
{
	memset(env, 0, sizeof(*env));
	env->ctx = ae;
	env->lookup = env_lookup;
	env->maillog = env_maillog;
	env->nat = env_nat;
	env->lookup_name = env_lookup_name;
}

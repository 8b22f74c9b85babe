/*
 * inventory - owners, networks, hosts: upserts and address lookups.
 *
 * Lookups never scan: a host is found by its exact 16-byte address in
 * host_ips (primary key), a network by walking the distinct prefix lengths
 * present from the longest down (each "max(prefix) < p" is an index seek on
 * networks_key) and probing (prefix, masked address) for each. A batch that
 * read the prefix lengths once (inventory_prefixes) asks for every probe of
 * an address in one statement, the longest prefix first.
 */
#include <stdio.h>
#include <string.h>

#include "db_int.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "inventory.h"

/* run - step a write statement and finalize it */
static int run(struct db *d, struct db_stmt *st)
{
	int rc;

	if (st == NULL)
		return DB_ERROR;
	rc = db_step(d, st);
	if (rc != DB_DONE && rc != DB_ROW && rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	db_finalize(st);
	return db_result(rc);
}

/* empty_null - "" as NULL */
static const char *empty_null(const char *s)
{
	return s && *s ? s : NULL;
}

int inventory_put_owner(struct db *d, const struct inv_owner *o)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO owners(key, name, email, webhook_url, policy, digest)"
				      " VALUES (?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET name = excluded.name,"
				      " email = excluded.email, webhook_url = excluded.webhook_url,"
				      " policy = excluded.policy, digest = excluded.digest");

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, o->key);
	db_bind_text(st, 2, empty_null(o->name));
	db_bind_text(st, 3, empty_null(o->email));
	db_bind_text(st, 4, empty_null(o->webhook_url));
	db_bind_text(st, 5, o->policy && *o->policy ? o->policy : "immediate");
	db_bind_int(st, 6, o->digest);
	return run(d, st);
}

int inventory_put_network(struct db *d, const struct cidr *c, const char *owner, const char *role,
			  const char *note)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO networks(cidr, prefix, lo, hi, owner, role, note)"
				      " VALUES (?,?,?,?,?,?,?) ON CONFLICT(cidr) DO UPDATE SET"
				      " owner = excluded.owner, role = excluded.role, note = excluded.note");
	struct ipaddr lo, hi;
	char text[64];

	if (st == NULL)
		return DB_ERROR;
	cidr_range(c, &lo, &hi);
	cidr_format(c, text);
	db_bind_text(st, 1, text);
	db_bind_int(st, 2, c->prefix);
	db_bind_blob(st, 3, lo.b, 16);
	db_bind_blob(st, 4, hi.b, 16);
	db_bind_text(st, 5, empty_null(owner));
	db_bind_text(st, 6, empty_null(role));
	db_bind_text(st, 7, empty_null(note));
	return run(d, st);
}

/* host_id - upsert the host row and return its id in *id */
static int host_row(struct db *d, const char *name, const char *role, const char *owner, const char *note,
		    long long *id)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO hosts(name, role, owner, note) VALUES (?,?,?,?)"
				      " ON CONFLICT(name) DO UPDATE SET role = excluded.role,"
				      " owner = excluded.owner, note = excluded.note RETURNING id");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, empty_null(role));
	db_bind_text(st, 3, empty_null(owner));
	db_bind_text(st, 4, empty_null(note));
	rc = db_step(d, st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_finalize(st);
	return rc == DB_ROW ? DB_OK : rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

int inventory_put_host(struct db *d, const char *name, const struct ipaddr *ips, size_t nips,
		       const char *role, const char *owner, const char *note)
{
	struct db_stmt *st;
	long long id = 0;
	int rc;

	if ((rc = host_row(d, name, role, owner, note, &id)) != DB_OK)
		return rc;
	st = db_prepare(d, "DELETE FROM host_ips WHERE host_id = ?");
	if (st)
		db_bind_int(st, 1, id);
	if ((rc = run(d, st)) != DB_OK)
		return rc;
	for (size_t i = 0; i < nips && rc == DB_OK; i++) {
		char text[46];

		ip_format(&ips[i], text);
		st = db_prepare(d, "INSERT INTO host_ips(ip, host_id, ip_text) VALUES (?,?,?)"
				   " ON CONFLICT DO NOTHING");
		if (st) {
			db_bind_blob(st, 1, ips[i].b, 16);
			db_bind_int(st, 2, id);
			db_bind_text(st, 3, text);
		}
		rc = run(d, st);
	}
	return rc;
}

int inventory_owner_exists(struct db *d, const char *key)
{
	struct db_stmt *st = db_prepare(d, "SELECT 1 FROM owners WHERE key = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, key);
	rc = db_step(d, st);
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : DB_ERROR;
}

/* mask - keep the first prefix bits of a */
static void mask(struct ipaddr *a, int prefix)
{
	for (int i = 0; i < 16; i++) {
		int bits = prefix - i * 8;

		if (bits >= 8)
			continue;
		a->b[i] = bits <= 0 ? 0 : (unsigned char)(a->b[i] & (0xff << (8 - bits)));
	}
}

/* lookup_host - exact address in host_ips; 1 found, 0 none, DB_ERROR the store could not be asked */
static int lookup_host(struct db *d, const struct ipaddr *ip, struct db_inv_entry *e)
{
	struct db_stmt *st = db_prepare(d, "SELECT h.name, h.role, h.owner FROM host_ips i"
				      " JOIN hosts h ON h.id = i.host_id WHERE i.ip = ? ORDER BY h.id LIMIT 1");
	int found = 0, rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_blob(st, 1, ip->b, 16);
	if ((rc = db_step(d, st)) == DB_ROW) {
		str_copy(e->host, sizeof(e->host), db_col_text(st, 0));
		str_copy(e->host_role, sizeof(e->host_role), db_col_text(st, 1));
		str_copy(e->owner, sizeof(e->owner), db_col_text(st, 2));
		found = 1;
	} else if (rc != DB_DONE) {
		found = DB_ERROR;       /* not asked is not "not there" */
	}
	db_finalize(st);
	return found;
}

/* lookup_network - most specific network holding ip; 1 found, 0 none, DB_ERROR the store could not be asked */
static int lookup_network(struct db *d, const struct ipaddr *ip, char *cidr, size_t clen, char *owner,
			  size_t olen, char *role, size_t rlen)
{
	struct db_stmt *next = db_prepare(d, "SELECT max(prefix) FROM networks WHERE prefix < ?");
	struct db_stmt *probe = db_prepare(d, "SELECT cidr, owner, role FROM networks WHERE prefix = ? AND lo = ?");
	int p = 129, found = 0, rc;

	if (next == NULL || probe == NULL)
		found = DB_ERROR;
	while (next && probe && !found) {
		struct ipaddr m = *ip;

		db_reset(next);
		db_bind_int(next, 1, p);
		if ((rc = db_step(d, next)) != DB_ROW) {
			found = rc == DB_DONE ? 0 : DB_ERROR;   /* not asked is not "not there" */
			break;
		}
		if (db_col_type(next, 0) == DB_T_NULL)
			break;
		p = (int)db_col_int(next, 0);
		mask(&m, p);
		db_reset(probe);
		db_bind_int(probe, 1, p);
		db_bind_blob(probe, 2, m.b, 16);
		if ((rc = db_step(d, probe)) == DB_ROW) {
			str_copy(cidr, clen, db_col_text(probe, 0));
			str_copy(owner, olen, db_col_text(probe, 1));
			str_copy(role, rlen, db_col_text(probe, 2));
			found = 1;
		} else if (rc != DB_DONE) {
			found = DB_ERROR;
		}
	}
	db_finalize(next);
	db_finalize(probe);
	return found;
}

int inventory_prefixes(struct db *d, struct db_inv_prefixes *px)
{
	struct db_stmt *st = db_prepare(d, "SELECT DISTINCT prefix FROM networks ORDER BY prefix DESC");
	int rc;

	px->n = 0;
	if (st == NULL) {
		px->n = -1;
		return DB_ERROR;
	}
	while ((rc = db_step(d, st)) == DB_ROW) {
		long long p = db_col_int(st, 0);

		if (p >= 0 && p <= 128 && px->n < (int)sizeof(px->p))
			px->p[px->n++] = (unsigned char)p;
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		px->n = -1;
		return DB_ERROR;
	}
	return DB_OK;
}

/* The (prefix, address) pairs one statement probes. */
#define PX_PROBES ((DB_MAX_PARAMS) / 2)

/* lookup_network_px - lookup_network with the prefix lengths known: each
 * PX_PROBES of them, longest first, in one statement; 1 found */
static int lookup_network_px(struct db *d, const struct ipaddr *ip, const struct db_inv_prefixes *px,
			     char *cidr, size_t clen, char *owner, size_t olen, char *role, size_t rlen)
{
	for (int i0 = 0; i0 < px->n; i0 += PX_PROBES) {
		int n = px->n - i0 < PX_PROBES ? px->n - i0 : PX_PROBES;
		char sql[80 + PX_PROBES * 32];
		size_t len = (size_t)snprintf(sql, sizeof(sql), "SELECT cidr, owner, role FROM networks WHERE ");
		struct db_stmt *st;
		int rc;

		for (int k = 0; k < n; k++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(prefix = ? AND lo = ?)",
						k ? " OR " : "");
		snprintf(sql + len, sizeof(sql) - len, " ORDER BY prefix DESC LIMIT 1");
		if ((st = db_prepare(d, sql)) == NULL)
			return -1;
		for (int k = 0; k < n; k++) {
			struct ipaddr m = *ip;

			mask(&m, px->p[i0 + k]);
			db_bind_int(st, 1 + 2 * k, px->p[i0 + k]);
			db_bind_blob(st, 2 + 2 * k, m.b, 16);
		}
		rc = db_step(d, st);
		if (rc == DB_ROW) {
			str_copy(cidr, clen, db_col_text(st, 0));
			str_copy(owner, olen, db_col_text(st, 1));
			str_copy(role, rlen, db_col_text(st, 2));
		}
		db_finalize(st);
		if (rc == DB_ROW)
			return 1;
		if (rc != DB_DONE)
			return -1;
	}
	return 0;
}

/* inventory_find - the host wins for name, role and owner; the network adds its CIDR and role */
int inventory_find(struct db *d, const struct ipaddr *ip, struct db_inv_entry *e)
{
	return inventory_find_px(d, ip, NULL, e);
}

int inventory_find_px(struct db *d, const struct ipaddr *ip, const struct db_inv_prefixes *px,
		      struct db_inv_entry *e)
{
	char nowner[128] = "";
	int host, net;

	memset(e, 0, sizeof(*e));
	host = lookup_host(d, ip, e);
	if (host < 0)
		return DB_ERROR;
	if (px && px->n >= 0)
		net = lookup_network_px(d, ip, px, e->network, sizeof(e->network), nowner, sizeof(nowner),
					e->net_role, sizeof(e->net_role));
	else
		net = lookup_network(d, ip, e->network, sizeof(e->network), nowner, sizeof(nowner), e->net_role,
				     sizeof(e->net_role));
	if (net < 0)
		return DB_ERROR;
	if (net && e->owner[0] == '\0')
		str_copy(e->owner, sizeof(e->owner), nowner);
	e->found = host || net;
	return DB_OK;
}

/* inventory_host_ip - a host's first address by its name */
int inventory_host_ip(struct db *d, const char *name, char *ip, size_t iplen)
{
	struct db_stmt *st = db_prepare(d, "SELECT i.ip_text FROM hosts h JOIN host_ips i ON i.host_id = h.id"
				       " WHERE lower(h.name) = lower(?) ORDER BY i.ip LIMIT 1");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, name);
	rc = db_step(d, st);
	if (rc == DB_ROW)
		str_copy(ip, iplen, db_col_text(st, 0));
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : DB_ERROR;
}

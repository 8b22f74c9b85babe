/*
 * inventory - owners, networks and hosts in the database, and what it
 * knows about one address.
 *
 * Networks are stored as (prefix, lo, hi) with lo/hi the 16-byte first and
 * last address; the most specific network holding an address is found by
 * point lookups of the masked address on (prefix, lo), one distinct prefix
 * length at a time, longest first: each step is an index seek, so the cost
 * does not grow with the number of networks.
 */
#ifndef AD_INVENTORY_H
#define AD_INVENTORY_H

#include "../util/ipaddr.h"
#include "db.h"
#include "records.h"

struct inv_owner {
	const char *key, *name, *email, *webhook_url;
	const char *policy;     /* immediate | digest | none */
	int digest;             /* opted in to the digest */
};

/* Upserts: insert or replace the row with the same key / CIDR / name.
 * Call inside a transaction. 0 or DB_ERROR/DB_BUSY. */
int inventory_put_owner(struct db *d, const struct inv_owner *o);
int inventory_put_network(struct db *d, const struct cidr *c, const char *owner, const char *role,
			  const char *note);
/* inventory_put_host - the host and exactly these addresses */
int inventory_put_host(struct db *d, const char *name, const struct ipaddr *ips, size_t nips,
		       const char *role, const char *owner, const char *note);
/* inventory_owner_exists - 1, 0, or DB_ERROR */
int inventory_owner_exists(struct db *d, const char *key);

/* inventory_find - host by exact address (name, role, owner), and the most
 * specific network holding it (CIDR, role; its owner when the host has none);
 * e->found = 0 when neither. 0 or DB_ERROR. */
int inventory_find(struct db *d, const struct ipaddr *ip, struct db_inv_entry *e);

/* The prefix lengths the networks table holds, longest first (n = -1: not read). */
struct db_inv_prefixes {
	int n;
	unsigned char p[129];
};
/* inventory_prefixes - read them; 0 or DB_ERROR (px->n = -1 then) */
int inventory_prefixes(struct db *d, struct db_inv_prefixes *px);
/* inventory_find_px - inventory_find knowing the prefix lengths (read in the
 * same transaction): the network in one statement, not a walk */
int inventory_find_px(struct db *d, const struct ipaddr *ip, const struct db_inv_prefixes *px,
		      struct db_inv_entry *e);
/* inventory_host_ip - the first address (text) of the host named name (ASCII
 * case-insensitive): 1 found, 0 not, or DB_ERROR */
int inventory_host_ip(struct db *d, const char *name, char *ip, size_t iplen);

#endif

/*
 * inventory_import - CSV files of owners, networks and hosts into the
 * database, all or nothing.
 *
 *   owners:   key,name,email,webhook_url,policy,digest
 *   networks: cidr,owner,role,note
 *   hosts:    name,ips,role,owner,note      (ips: separated by space or ';')
 *
 * A first record naming the columns (starting with key / cidr / name) is a
 * header and may list the columns in any order. Rows upsert by key, CIDR or
 * host name, so importing a file twice changes nothing. Every bad row is
 * reported as "FILE:LINE: reason"; one bad row rolls the whole file back.
 */
#ifndef AD_INVENTORY_IMPORT_H
#define AD_INVENTORY_IMPORT_H

#include <stdio.h>

#include "../db/db.h"

#define INV_MAX_ERRORS 100     /* bad rows reported before giving up */
#define INV_MAX_HOST_IPS 64

/* inventory_import - kind "owners" | "networks" | "hosts"; errors to errfp.
 * Returns 0 (and *rows), 64 unknown kind, 65 bad rows (nothing stored),
 * 75 database busy, 70 database error. Runs its own transaction. */
int inventory_import(struct db *d, const char *kind, FILE *fp, const char *fname, FILE *errfp, long *rows);

#endif

/*
 * natlog - NAT translation records: which inside host was behind an
 * outside address and port at a given time.
 *
 * A record says that from time 'at' the outside ip:port stood for the inside
 * ip:port. natlog_find takes the newest record at or before t (allowing
 * NATLOG_SKEW seconds of clock difference after t) no older than
 * NATLOG_WINDOW: NAT gateways log a mapping when the connection starts, and
 * a complainant's Arrival-Date comes seconds to minutes later.
 */
#ifndef AD_NATLOG_H
#define AD_NATLOG_H

#include "../util/ipaddr.h"
#include "db.h"

#define NATLOG_WINDOW 300   /* seconds before t a record may start */
#define NATLOG_SKEW   60    /* seconds after t still accepted (clock skew) */

/* natlog_insert - one record; 1 added, 0 already present, or DB_ERROR/DB_BUSY */
int natlog_insert(struct db *d, long long at, const struct ipaddr *inside, int inside_port,
		  const struct ipaddr *outside, int outside_port);
/* natlog_find - 0 and the inside address (and port, 0 if unknown), -1 when none, -2 when
 * the store could not be asked */
int natlog_find(struct db *d, const struct ipaddr *outside, int port, long long t, char inside_ip[46],
		int *inside_port);

#endif

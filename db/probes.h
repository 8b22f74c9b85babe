/*
 * probes - the record of every open relay / open proxy probe.
 *
 * One row per test: the incident it was made for (NULL for a manual probe
 * without --incident), when, the target address, kind relay|proxy, result
 * open|closed|error, a one-line detail and the full sanitised transcript.
 * The rows also rate-limit the probe: one per target and kind per
 * probe_interval. `abusedesk show` reads them back.
 */
#ifndef AD_PROBES_H
#define AD_PROBES_H

#include <stddef.h>

#include "db.h"

/* probes_add - one row; incident_id 0 means none; *id may be NULL. 0 or DB_ERROR/DB_BUSY */
int probes_add(struct db *d, long long incident_id, long long at, const char *target, const char *kind,
	       const char *result, const char *detail, const char *transcript, long long *id);

/* probes_last - time of the newest probe of target and kind (rows of refused,
 * "not probed: ..." attempts do not count); 1 found, 0 none, <0 error */
int probes_last(struct db *d, const char *target, const char *kind, long long *at);

/* The facts about an incident the probe needs; strings "" when NULL. */
struct probe_incident_row {
	long long id;
	char verdict[32], status[32], abused_ip[64], abused_host[256];
};

/* probes_incident - read incident id; 1 found, 0 none, <0 error */
int probes_incident(struct db *d, long long id, struct probe_incident_row *out);

/*
 * probes_due - up to max ids of active incidents (open, notified,
 * acknowledged) with verdict open_relay or open_proxy and an abused_ip that
 * have no probe since they were opened or last reopened. *n ids in ids.
 * 0 or DB_ERROR/DB_BUSY.
 */
int probes_due(struct db *d, long long *ids, size_t max, size_t *n);

#endif

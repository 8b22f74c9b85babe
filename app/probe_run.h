/*
 * probe_run - the probe wired to the database: policy with the inventory,
 * the probe_interval rate limit, recording, and the incident follow-up
 * (a resolved incident whose host is still open is reopened and its owner
 * told). Used by `abusedesk probe`, `abusedesk resolve` and the notify run.
 *
 * Nothing here holds a database transaction while the network is used.
 */
#ifndef AD_PROBE_RUN_H
#define AD_PROBE_RUN_H

#include "../correlate/probe/probe.h"
#include "../db/db.h"
#include "../util/config.h"

/*
 * probe_targets - resolve what (IP or host name) and apply the policy to
 * every address: all must be in our_networks and in the inventory. Fills
 * t[0..*n). 0; -1 when what does not resolve, -2 when the policy refuses an
 * address; the reason in why (then nothing may be probed).
 */
int probe_targets(struct db *d, const struct config *cfg, const char *what, struct probe_target *t,
		  size_t max, size_t *n, char *why, size_t whylen);

/*
 * probe_one - rate limit, test, record (with incident_id, 0 for none).
 * Returns 0 when probed and recorded (result in r, *probe_id the row),
 * 1 when the target was probed less than probe_interval ago (*wait seconds
 * left; r untouched), or DB_ERROR/DB_BUSY.
 */
int probe_one(struct db *d, const struct config *cfg, const struct probe_target *t, enum probe_kind k,
	      const struct probe_opts *o, long long incident_id, struct probe_res *r, long long *wait,
	      long long *probe_id);

/* What probe_incident did (negative values are DB_ERROR/DB_BUSY). */
#define PROBE_INC_CLOSED    0   /* probed: closed */
#define PROBE_INC_OPEN      1   /* probed: still open (incident not reopened) */
#define PROBE_INC_REOPENED  2   /* probed: open, the resolved incident reopened, owner notice queued */
#define PROBE_INC_SKIPPED   3   /* not probed: verdict not relay/proxy, no address, rate limit */
#define PROBE_INC_REFUSED   4   /* not probed: the policy refused the address (recorded as error) */
#define PROBE_INC_ERROR     5   /* probed: the test itself failed (recorded) */
#define PROBE_INC_NOTFOUND  6   /* no such incident */

/*
 * probe_incident - probe incident_id's abused_ip by its verdict (open_relay:
 * relay test, open_proxy: proxy test) and record it with the incident.
 * When reopen_if_open and the incident is resolved and the probe finds the
 * host open: status back to open (event actor "probe", note = the result),
 * and notify_enqueue with a reopened change. Call outside any transaction.
 */
int probe_incident(struct db *d, const struct config *cfg, long long incident_id, int reopen_if_open);

/* probe_incident_exists - 1 when incident id exists, 0 when not, <0 on a database error */
int probe_incident_exists(struct db *d, long long id);

/*
 * probe_due_run - probe_incident(..., 0) for up to max active relay/proxy
 * incidents not probed since they (re)opened (probe_on_open, from the
 * notify run). *probed counts the probes made. 0 or DB_ERROR/DB_BUSY.
 */
int probe_due_run(struct db *d, const struct config *cfg, size_t max, int *probed);

#endif

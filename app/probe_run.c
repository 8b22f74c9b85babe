/*
 * probe_run - the probe wired to the database (see probe_run.h): the
 * inventory for the policy, the probes table for the rate limit and the
 * record, incidents and notify for the follow-up of a resolved incident.
 */
#include <stdio.h>
#include <string.h>

#include "../db/incidents.h"
#include "../db/probes.h"
#include "notify.h"
#include "../util/msg.h"
#include "probe_run.h"
#include "trace_env.h"

/* probe_targets - resolve and check every address */
int probe_targets(struct db *d, const struct config *cfg, const char *what, struct probe_target *t,
		  size_t max, size_t *n, char *why, size_t whylen)
{
	struct ipaddr ips[PROBE_MAX_ADDRS];
	struct app_env ae = { .db = d };
	struct trace_env env;
	size_t k;

	*n = 0;
	if (probe_resolve(what, ips, max < PROBE_MAX_ADDRS ? max : PROBE_MAX_ADDRS, &k, why, whylen) < 0)
		return -1;
	app_trace_env(&ae, &env);
	for (size_t i = 0; i < k; i++)
		if (probe_check_target(&cfg->our_networks, &env, &ips[i], &t[i], why, whylen) < 0)
			return -2;
	*n = k;
	return 0;
}

/* probe_one - rate limit, test, record */
int probe_one(struct db *d, const struct config *cfg, const struct probe_target *t, enum probe_kind k,
	      const struct probe_opts *o, long long incident_id, struct probe_res *r, long long *wait,
	      long long *probe_id)
{
	long long last, now = db_now();
	int rc = probes_last(d, t->text, probe_kind_name(k), &last);

	if (rc < 0)
		return rc;
	if (rc == 1 && cfg->probe_interval > 0 && now - last < cfg->probe_interval && now >= last) {
		*wait = cfg->probe_interval - (now - last);
		return 1;
	}
	if (k == PROBE_RELAY)
		probe_relay(t, o, r);
	else
		probe_proxy(t, o, r);
	msg_debug("probe %s %s: %s: %s", probe_kind_name(k), t->text, probe_result_name(r->result), r->detail);
	return probes_add(d, incident_id, db_now(), t->text, probe_kind_name(k), probe_result_name(r->result),
			  r->detail, r->transcript.data, probe_id);
}

/* reopen - the host is still open: back to open, owner told, in one transaction */
static int reopen(struct db *d, const struct config *cfg, long long id, const char *verdict,
		  const struct probe_res *r)
{
	struct incident_change ch;
	char note[640];
	int rc;

	if ((rc = db_begin(d)) != DB_OK)
		return rc;
	snprintf(note, sizeof(note), "probe found the host still open: %s", r->detail);
	memset(&ch, 0, sizeof(ch));
	ch.id = id;
	ch.reopened = 1;
	ch.verdict = verdict;
	rc = incident_set_status(d, id, "open", "probe", note);
	if (rc == DB_OK)
		rc = notify_enqueue(d, cfg, &ch, 0);
	else if (rc > 0)
		rc = DB_ERROR;
	if (rc != DB_OK) {
		db_rollback(d);
		return rc;
	}
	return db_commit(d);
}

/* refused - record why an incident's address was not probed */
static int refused(struct db *d, long long id, const char *ip, const char *kind, const char *why)
{
	char detail[512];

	msg_warn("incident %lld: not probed: %s", id, why);
	snprintf(detail, sizeof(detail), "not probed: %s", why);
	return probes_add(d, id, db_now(), ip, kind, "error", detail, "", NULL);
}

/* probe_incident - probe by verdict, record, reopen a resolved incident still open */
int probe_incident_exists(struct db *d, long long id)
{
	struct probe_incident_row in;
	int rc = probes_incident(d, id, &in);

	return rc;
}

int probe_incident(struct db *d, const struct config *cfg, long long incident_id, int reopen_if_open)
{
	struct probe_incident_row in;
	struct probe_target t[PROBE_MAX_ADDRS];
	struct probe_opts o;
	struct probe_res r;
	enum probe_kind k;
	char why[300];
	long long wait;
	size_t n;
	int rc;

	if ((rc = probes_incident(d, incident_id, &in)) <= 0)
		return rc == 0 ? PROBE_INC_NOTFOUND : rc;
	if (strcmp(in.verdict, "open_relay") == 0)
		k = PROBE_RELAY;
	else if (strcmp(in.verdict, "open_proxy") == 0)
		k = PROBE_PROXY;
	else
		return PROBE_INC_SKIPPED;
	if (in.abused_ip[0] == '\0')
		return PROBE_INC_SKIPPED;
	if (probe_opts_from_config(&o, cfg, why, sizeof(why)) < 0 ||
	    probe_targets(d, cfg, in.abused_ip, t, PROBE_MAX_ADDRS, &n, why, sizeof(why)) < 0) {
		rc = refused(d, incident_id, in.abused_ip, probe_kind_name(k), why);
		return rc < 0 ? rc : PROBE_INC_REFUSED;
	}
	probe_res_init(&r, k);
	rc = probe_one(d, cfg, &t[0], k, &o, incident_id, &r, &wait, NULL);
	if (rc == 1)
		msg_info("incident %lld: %s probed %lld s ago, not again before probe_interval", incident_id,
			 in.abused_ip, cfg->probe_interval - wait);
	if (rc != 0) {
		probe_res_free(&r);
		return rc == 1 ? PROBE_INC_SKIPPED : rc;
	}
	msg_info("incident %lld: %s probe of %s: %s", incident_id, probe_kind_name(k), t[0].text, r.detail);
	rc = r.result == PROBE_OPEN ? PROBE_INC_OPEN : r.result == PROBE_CLOSED ? PROBE_INC_CLOSED :
									       PROBE_INC_ERROR;
	if (rc == PROBE_INC_OPEN && reopen_if_open) {
		struct probe_incident_row now;
		int q = probes_incident(d, incident_id, &now);   /* the status may have moved meanwhile */
		if (q == 1 && strcmp(now.status, "resolved") == 0) {
			q = reopen(d, cfg, incident_id, k == PROBE_RELAY ? "open_relay" : "open_proxy", &r);
			rc = q == DB_OK ? PROBE_INC_REOPENED : q;
			if (q == DB_OK)
				msg_info("incident %lld reopened: the host is still open", incident_id);
		} else if (q < 0)
			rc = q;
	}
	probe_res_free(&r);
	return rc;
}

/* probe_due_run - probe the active relay/proxy incidents not probed since they opened */
int probe_due_run(struct db *d, const struct config *cfg, size_t max, int *probed)
{
	long long ids[64];
	size_t n;
	int rc;

	*probed = 0;
	if (max > 64)
		max = 64;
	if ((rc = probes_due(d, ids, max, &n)) != DB_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		rc = probe_incident(d, cfg, ids[i], 0);
		if (rc < 0)
			return rc;
		if (rc <= PROBE_INC_REOPENED || rc == PROBE_INC_ERROR)
			(*probed)++;
	}
	return DB_OK;
}

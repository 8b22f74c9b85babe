/*
 * probes - store and query probe results (see probes.h). Every value bound.
 */
#include <stdio.h>
#include <string.h>

#include "db_int.h"
#include "../util/msg.h"
#include "probes.h"

/* finish - map the last step to DB_OK / DB_BUSY / DB_ERROR and finalize */
static int finish(struct db *d, struct db_stmt *st, int rc)
{
	db_finalize(st);
	if (rc == DB_DONE || rc == DB_ROW)
		return DB_OK;
	if (rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

/* probes_add - one probe row */
int probes_add(struct db *d, long long incident_id, long long at, const char *target, const char *kind,
	       const char *result, const char *detail, const char *transcript, long long *id)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO probes(incident_id, at, target, kind, result, detail,"
				      " transcript) VALUES (?, ?, ?, ?, ?, ?, ?)");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_pos(st, 1, incident_id);
	db_bind_int(st, 2, at);
	db_bind_text(st, 3, target);
	db_bind_text(st, 4, kind);
	db_bind_text(st, 5, result);
	db_bind_text(st, 6, detail);
	db_bind_text(st, 7, transcript);
	rc = finish(d, st, db_step(d, st));
	if (rc == DB_OK && id)
		*id = db_last_id(d);
	return rc;
}

/* probes_last - newest probe time of target and kind */
int probes_last(struct db *d, const char *target, const char *kind, long long *at)
{
	struct db_stmt *st = db_prepare(d, "SELECT max(at) FROM probes WHERE target = ? AND kind = ?"
				      " AND NOT (result = 'error' AND detail LIKE 'not probed:%')");
	int rc, found = 0;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, target);
	db_bind_text(st, 2, kind);
	rc = db_step(d, st);
	if (rc == DB_ROW && db_col_type(st, 0) != DB_T_NULL) {
		*at = db_col_int(st, 0);
		found = 1;
	}
	rc = finish(d, st, rc);
	return rc == DB_OK ? found : rc;
}

/* probes_incident - the incident's verdict, status and address */
int probes_incident(struct db *d, long long id, struct probe_incident_row *out)
{
	struct db_stmt *st = db_prepare(d, "SELECT verdict, status, abused_ip, abused_host FROM incidents"
				      " WHERE id = ?");
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		out->id = id;
		snprintf(out->verdict, sizeof(out->verdict), "%s", db_col_text(st, 0));
		snprintf(out->status, sizeof(out->status), "%s", db_col_text(st, 1));
		snprintf(out->abused_ip, sizeof(out->abused_ip), "%s", db_col_text(st, 2));
		snprintf(out->abused_host, sizeof(out->abused_host), "%s", db_col_text(st, 3));
		found = 1;
	}
	rc = finish(d, st, rc);
	return rc == DB_OK ? found : rc;
}

/* probes_due - active relay/proxy incidents not probed since they (re)opened */
int probes_due(struct db *d, long long *ids, size_t max, size_t *n)
{
#define PROBES_DUE(MAX) "SELECT i.id FROM incidents i" \
		" WHERE i.verdict IN ('open_relay', 'open_proxy')" \
		"  AND i.status IN ('open', 'notified', 'acknowledged')" \
		"  AND coalesce(i.abused_ip, '') != ''" \
		"  AND NOT EXISTS (SELECT 1 FROM probes p WHERE p.incident_id = i.id" \
		"   AND p.at >= " MAX "(i.created_at, coalesce((SELECT max(e.at) FROM incident_events e" \
		"    WHERE e.incident_id = i.id AND e.new_status = 'open'), 0)))" \
		" ORDER BY i.id LIMIT ?"
	struct db_stmt *st = db_prepare(d, db_dialect(d) == DB_PGSQL ? PROBES_DUE("greatest") : PROBES_DUE("max"));
	int rc;

	*n = 0;
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, (long long)max);
	while ((rc = db_step(d, st)) == DB_ROW && *n < max)
		ids[(*n)++] = db_col_int(st, 0);
	return finish(d, st, rc);
}

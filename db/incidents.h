/*
 * incidents - group reports into incidents and keep their state.
 *
 * An incident is one abused host (or IP when the inventory does not name the
 * host) and one verdict class. incident_attach runs inside the caller's
 * per-message transaction; incident_set_status inside the caller's too.
 *
 * Grouping rules (docs/incidents.md):
 *  - a report joins the newest incident with its key when that one is open,
 *    notified or acknowledged;
 *  - a resolved incident reopens when the report comes within
 *    reopen_quiet_period of its resolution, else a new incident starts;
 *  - a false_positive incident absorbs the report (counted, not reopened);
 *  - not_ours, and unknown without an abused host or IP, open nothing
 *    unless incident_not_ours is set.
 */
#ifndef AD_INCIDENTS_H
#define AD_INCIDENTS_H

#include "../util/config.h"
#include "db.h"
#include "outbox.h"
#include "records.h"

/* What incident_attach did; the notify engine decides from it. */
struct incident_change {
	long long id;          /* 0 when the report opened/joined no incident */
	int created;           /* a new incident */
	int reopened;          /* a resolved incident became open again */
	int grew;              /* the report count crossed a notify_threshold */
	long reports;          /* reports counted in the incident after this one */
	const char *verdict;   /* verdict class name (the db_verdict's cls) */
	int have_row;          /* row: the incident as the report left it (PostgreSQL, */
	struct outbox_incident row; /* the update's own answer); incident_change_free */
	int deferred;          /* the row is not written yet (a batch's later report of an
	                        * incident it updated already): incident_flush before a
	                        * notice is queued from it */
};

/*
 * incident_flush - write what the transaction counted for incident id and
 * not yet written (a deferred change's), and answer the row as it is now
 * in *row (1; outbox_incident_free), or 0 when nothing was held for it.
 * DB_ERROR/DB_BUSY: the caller rolls back.
 */
int incident_flush(struct db *d, long long id, struct outbox_incident *row);

/* incident_change_free - what the change holds (its row) */
void incident_change_free(struct incident_change *ch);

/* Longest value kept in incident_keys (reporter, injector, message key). */
#define INCIDENT_MAX_KEY 512

/*
 * incident_attach - add report report_id (its columns r, verdict v, original key
 * orig_key or NULL) to its incident, creating or reopening it as the rules
 * say; links the report row to it. 0 or DB_ERROR/DB_BUSY.
 */
int incident_attach(struct db *d, const struct config *cfg, long long report_id, const struct db_report *r,
		    const struct db_verdict *v, const char *orig_key, struct incident_change *out);

/* What incident_look found for a report before its row is written. */
struct incident_look {
	int keyed;             /* the report belongs in an incident at all */
	char key[256];
	long long t;           /* the report's time (its received_at) */
	int found;             /* the newest incident with the key: */
	long long id;
	char status[32];
	long long resolved_at;
	long reports;
	int changes;           /* what the report changes in its row */
	long long join;        /* the incident the report joins as it is (not resolved), else 0 */
};

/*
 * incident_look - the lookup incident_attach starts with, made before the
 * report row is written (same transaction), so that the row can be written
 * naming look->join at once rather than updated after: a report row is a
 * few kilobytes. t is the received_at the row gets. 0 or DB_ERROR/DB_BUSY.
 */
int incident_look(struct db *d, const struct config *cfg, const struct db_report *r, const struct db_verdict *v,
		  long long t, struct incident_look *look);

/*
 * incident_look_key - incident_look's first half, without the database: the
 * key and time into look (found 0); whether the report belongs in an
 * incident at all (look->keyed). reports_insert_done does the second half.
 */
int incident_look_key(const struct config *cfg, const struct db_report *r, const struct db_verdict *v,
		      long long t, struct incident_look *look);
/*
 * incident_attach_looked - incident_attach after incident_look, in the same
 * transaction, for report report_id whose row names look->join already
 */
int incident_attach_looked(struct db *d, const struct config *cfg, long long report_id, const struct db_report *r,
			   const struct db_verdict *v, const char *orig_key, const struct incident_look *look,
			   struct incident_change *out);

/*
 * incident_set_status - move incident id to status (open, notified,
 * acknowledged, resolved, false_positive) and record who and why.
 * Setting "notified" only advances an open incident (it never undoes an
 * acknowledgement) but always stamps notified_at. Resolving or marking
 * false_positive cancels the incident's notices still pending in the outbox
 * (state 'cancelled' with the reason). Returns 0, 1 when there is
 * no such incident, -3 for an unknown status, or DB_ERROR/DB_BUSY.
 */
int incident_set_status(struct db *d, long long id, const char *status, const char *actor, const char *note);

/* incident_note - record a note by actor on incident id, status unchanged;
 * 0, 1 no such incident, DB_ERROR/DB_BUSY (caller's transaction) */
int incident_note(struct db *d, long long id, const char *actor, const char *note);
/* incident_assign - assign incident id to user (NULL or "": nobody) and
 * record it by actor with the note "assigned to USER" (or "unassigned");
 * 0, 1 no such incident, DB_ERROR/DB_BUSY (caller's transaction) */
int incident_assign(struct db *d, long long id, const char *user, const char *actor);

/* incident_status_valid - 1 for one of the five states */
int incident_status_valid(const char *s);

#endif

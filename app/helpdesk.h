/*
 * app/helpdesk - the helpdesk's queries and state changes for any front
 * end: the incident list, one incident's page, search, stats, the report
 * list, the inventory export and owner lookup, and ack / resolve / reopen /
 * false-positive with the actor and an optional note. Results are the
 * records of db/helpdesk.h; formatting them is the front end's.
 */
#ifndef AD_APP_HELPDESK_H
#define AD_APP_HELPDESK_H

#include "../db/db.h"
#include "../db/helpdesk.h"
#include "../util/buf.h"
#include "../util/config.h"

#define APP_SEARCH_MAX 100      /* hits of one search */

/* app_incidents - the incident list for f */
int app_incidents(struct db *d, const struct hd_filter *f, struct incident_rows *out);
/* app_incidents_count - how many incidents match f; -1 on error */
long long app_incidents_count(struct db *d, const struct hd_filter *f);
/* app_incident_page - one incident on one page; 1 found, 0 no such incident */
int app_incident_page(struct db *d, long long id, struct incident_page *p);
/* app_incident - incident id as a list row (the one shape of an incident); out->n 0 when none */
int app_incident(struct db *d, long long id, struct incident_rows *out);
/* ACTIVE_STATES - what "active" means everywhere (CLI, digest, docs): not resolved or false positive */
#define ACTIVE_STATES "open, notified, acknowledged"
/*
 * app_search - an address is looked up exactly (incidents, reports' source
 * and injector addresses, hops); something with an '@' also as a
 * Message-ID; a network (CIDR) over the newest 5,000 incidents and reports; anything else (or a Message-ID not found) as text in the
 * newest incidents and the reports of the last 'since' seconds. At most
 * APP_SEARCH_MAX hits, each (kind, id) once. 0 or DB_ERROR/DB_BUSY.
 */
int app_search(struct db *d, const char *q, long since, struct search_hits *out);
/* app_stats - the top 20 by verdict, status, owner and reporter of the last 'since' seconds */
int app_stats(struct db *d, long since, struct stat_rows *out);
/* app_reports - reports of the last 'since' seconds (0 all), of status (NULL all), at most limit */
int app_reports(struct db *d, long since, const char *status, long limit, struct report_rows *out);
/* app_reports_count - how many reports app_reports would list without a limit; -1 on error */
long long app_reports_count(struct db *d, long since, const char *status);
/*
 * app_set_status - set incident id to status in one transaction, recording
 * actor and note (NULL: none). 0, 1 no such incident, 2 already in that
 * status (nothing recorded), DB_BUSY or DB_ERROR.
 */
int app_set_status(struct db *d, long long id, const char *status, const char *actor, const char *note);
/* app_add_note - a note by actor on incident id, its status unchanged;
 * 0, 1 no such incident, DB_BUSY or DB_ERROR */
int app_add_note(struct db *d, long long id, const char *actor, const char *note);
/* app_assign - assign incident id to user (NULL or "": nobody), recorded as
 * an event by actor; 0, 1 no such incident, 3 no such user, DB_BUSY or DB_ERROR */
int app_assign(struct db *d, long long id, const char *user, const char *actor);
/* app_dashboard - the dashboard's series of the last 'since' seconds (db/helpdesk.h) */
int app_dashboard(struct db *d, long since, struct dashboard *out);
/* app_inventory_export - one inventory kind as rows (import order); 0, DB_ERROR, -1 unknown kind */
int app_inventory_export(struct db *d, const char *kind, struct hd_table *t);
/* app_owner - the owner 'key'; 1 found, 0 not, DB_ERROR */
int app_owner(struct db *d, const char *key, struct owner_row *o);

/* ---- JSON: the one dialect of every front end (app/helpdesk_json.c) ---- */
/* app_incident_json - the one JSON object of an incident (incidents, show, the API) */
void app_incident_json(struct buf *b, const struct incident_row *r);
/* app_incidents_json - the list as `abusedesk incidents --format json` prints it */
void app_incidents_json(const struct incident_rows *rows, struct buf *b);
/* app_incident_page_json - the page as `abusedesk show ID --format json` prints
 * it; inc holds the incident as a list row (app_incident) */
void app_incident_page_json(const struct incident_page *p, const struct incident_rows *inc, struct buf *b);
/* app_reports_json, app_search_json, app_stats_json - the arrays `abusedesk
 * reports|search|stats --format json` print (and the API answers) */
void app_reports_json(const struct report_rows *rows, struct buf *b);
void app_search_json(const struct search_hits *h, struct buf *b);
void app_stats_json(const struct stat_rows *rows, struct buf *b);
/* app_report_raw - the stored bytes of report_id (caller frees), NULL when
 * there is no such report or its spool file is gone */
char *app_report_raw(struct db *d, const struct config *cfg, long long report_id, size_t *len);

#endif

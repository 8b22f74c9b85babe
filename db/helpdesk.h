/*
 * db/helpdesk - the store's side of the helpdesk: the incident list with
 * its filters, one incident's page, search, stats, the report list and the
 * inventory export and owner lookup, in records and filters (no SQL, no
 * statement crosses this header). Every list is capped here.
 */
#ifndef AD_DB_HELPDESK_H
#define AD_DB_HELPDESK_H

#include <stddef.h>

#include "db.h"

/* ---- the incident list ---- */
enum hd_sort { HD_SORT_LAST_SEEN, HD_SORT_FIRST_SEEN, HD_SORT_REPORTS, HD_SORT_ID };

struct hd_filter {
	const char *status;     /* a status, "active" (open, notified, acknowledged), or NULL */
	const char *owner, *verdict;   /* exact values, or NULL */
	const char *host;       /* a host name or a suffix of one at a dot (lower case), or NULL */
	const char *ip;         /* a normalized address, or NULL / "" */
	long long id;           /* this incident only when > 0 */
	long long since;        /* last_seen >= since when > 0 (absolute time) */
	long limit;
	long offset;            /* rows to skip (paging); 0 none */
	const char *assignee;   /* exact value, or NULL */
	const char *net;        /* a CIDR network the address is in (read in full: a scan), or NULL */
	enum hd_sort sort;      /* the order; newest activity first by default */
};

struct incident_row {
	long long id, reports, messages, reporters, injectors, first_seen, last_seen, created_at,
		  resolved_at, notified_at;   /* times 0 when unset; notified_at: last notice accepted */
	char *status, *verdict, *host, *ip, *owner, *role, *confidence, *explanation,
	     *auth_user,        /* NULL when unset */
	     *assignee;         /* the user it is assigned to, NULL when none */
	char *categories;       /* its reports' categories, "login-attack,scan", NULL when none */
};

struct incident_rows {
	struct incident_row *v;
	size_t n;
};

/* hd_incidents - incidents matching f, newest activity first; 0 or DB_ERROR/DB_BUSY */
int hd_incidents(struct db *d, const struct hd_filter *f, struct incident_rows *out);
/* hd_incidents_count - how many incidents match f (limit, offset and sort
 * aside); -1 on error */
long long hd_incidents_count(struct db *d, const struct hd_filter *f);
/* hd_incident_status - the status of incident id into out; 1 found, 0 not, DB_ERROR/DB_BUSY */
int hd_incident_status(struct db *d, long long id, char *out, size_t len);
void incident_rows_free(struct incident_rows *r);
/* hd_assign - assign incident id to user (NULL or "": nobody) and record the
 * change as an event by actor; 0, 1 no such incident, DB_ERROR/DB_BUSY */
int hd_assign(struct db *d, long long id, const char *user, const char *actor);

/* ---- generic named rows (one incident's page, the inventory export) ---- */
enum hd_type { HD_NULL, HD_INT, HD_TEXT };

struct hd_cell {
	enum hd_type type;
	long long i;            /* the value as an integer (0 for NULL) */
	char *s;                /* the value as text ("" for NULL), owned */
};

struct hd_table {
	size_t ncols, nrows;
	char **names;           /* column names, owned */
	struct hd_cell *cells;  /* nrows * ncols */
};

/* hd_cell_at - the cell of row r, column c */
const struct hd_cell *hd_cell_at(const struct hd_table *t, size_t r, size_t c);
void hd_table_free(struct hd_table *t);

/* columns of incident_page.incident */
enum { HDI_ID, HDI_STATUS, HDI_VERDICT, HDI_KEY_HOST, HDI_HOST, HDI_IP, HDI_OWNER, HDI_ROLE,
       HDI_CONFIDENCE, HDI_EXPLANATION, HDI_AUTH_USER, HDI_FIRST_SEEN, HDI_LAST_SEEN, HDI_REPORTS,
       HDI_MESSAGES, HDI_REPORTERS, HDI_INJECTORS, HDI_CREATED_AT, HDI_RESOLVED_AT, HDI_NOTIFIED_AT,
       HDI_OWNER_NAME, HDI_OWNER_EMAIL, HDI_OWNER_POLICY, HDI_CATEGORIES };

#define HD_PAGE_REPORTS 20      /* reports on a page (newest) */
#define HD_PAGE_EVENTS  100     /* state changes on a page */

/* one incident on one page; every list capped */
struct incident_page {
	struct hd_table incident;       /* one row (HDI_*), or none */
	struct hd_table injectors;      /* ip, count */
	struct hd_table reports;        /* newest first */
	struct hd_table timeline;       /* received_at, id, format, feedback_type, reporter,
					 * source_ip, orig_subject; the newest, oldest first */
	struct hd_table events;         /* at, actor, old_status, new_status, note */
	struct hd_table hops;           /* of the latest report */
	struct hd_table notifications;  /* outbox rows, newest first */
	struct hd_table probes;
	struct hd_table outside;        /* not_ours reports: contact and forward, newest first */
	long long notified_at;          /* last notice the server accepted, 0 none */
};

/* hd_incident_page - everything about incident id; 0 (p->incident.nrows == 0
 * when there is no such incident) */
int hd_incident_page(struct db *d, long long id, struct incident_page *p);
void incident_page_free(struct incident_page *p);

/* ---- the dashboard ---- */
struct dash_row {
	char *key, *sub;        /* owned; sub NULL when the series has one dimension */
	long long n;
};

struct dash_rows {
	struct dash_row *v;
	size_t n;
};

struct dashboard {
	struct dash_rows per_day;   /* key YYYY-MM-DD (UTC), sub verdict, n reports; oldest first */
	struct dash_rows owners;    /* key owner ("-" none), n active incidents; top 15 */
	struct dash_rows hosts;     /* key host, n reports of incidents seen since; top 10 */
	struct dash_rows resolve;   /* key "< 1 hour", "< 1 day", "< 1 week", ">= 1 week": incidents
				     * resolved since, by the time from opening to resolving; all four */
};

/* hd_dashboard - the dashboard's series since 'since' (absolute time; the
 * daily series at most 92 days back); 0 or DB_ERROR/DB_BUSY */
int hd_dashboard(struct db *d, long long since, struct dashboard *out);
void dashboard_free(struct dashboard *b);

/* ---- search ---- */
enum hd_search_by {
	HS_INCIDENT_IP,         /* incidents with this abused address */
	HS_REPORT_IP,           /* reports with this source or injector address */
	HS_REPORT_HOP,          /* reports with this address in a hop */
	HS_REPORT_MESSAGE_ID,   /* reports of, or with, this Message-ID */
	HS_INCIDENT_TEXT,       /* text in the newest incidents */
	HS_REPORT_TEXT,         /* text in the newest reports received since 'since' */
	HS_INCIDENT_CIDR,       /* the newest incidents with an abused address in the network v */
	HS_REPORT_CIDR,         /* the newest reports with a source or injector address in v */
};

struct search_hit {
	const char *kind;       /* "incident" or "report" (static) */
	long long id, incident, when;   /* incident 0: none */
	char *status, *verdict, *host, *summary;   /* NULL when unset */
};

struct search_hits {
	struct search_hit *v;
	size_t n;
};

/* hd_search - at most 100 hits for v by 'by', newest first; 0 or DB_ERROR/DB_BUSY */
int hd_search(struct db *d, enum hd_search_by by, const char *v, long long since, struct search_hits *out);
void search_hits_free(struct search_hits *h);

/* ---- stats ---- */
struct stat_row {
	const char *by;         /* "verdict", "status", "owner", "reporter" (static) */
	char *value;
	long long count;
};

struct stat_rows {
	struct stat_row *v;
	size_t n;
};

/* hd_stats - the top 20 of each dimension since 'from' (exact to the second);
 * 0 or DB_ERROR/DB_BUSY (rows read so far kept) */
int hd_stats(struct db *d, long long from, struct stat_rows *out);
void stat_rows_free(struct stat_rows *r);

/* ---- reports ---- */
struct report_row {
	long long id, received_at, incident;    /* incident 0: none */
	char *status, *format, *feedback_type, *reporter, *source_ip, *verdict, *abused_host,
	     *subject;                          /* NULL when unset */
	char *category;                         /* normalised category, NULL for rows parsed before */
};

struct report_rows {
	struct report_row *v;
	size_t n;
};

/* hd_reports - reports received since 'since' (absolute, 0 all), of 'status'
 * (NULL all), newest first, at most limit; 0 or DB_ERROR/DB_BUSY */
int hd_reports(struct db *d, long long since, const char *status, long limit, struct report_rows *out);
/* hd_reports_count - how many reports hd_reports would list without a limit; -1 on error */
long long hd_reports_count(struct db *d, long long since, const char *status);
void report_rows_free(struct report_rows *r);

/* ---- inventory ---- */
/* hd_inventory_export - "owners", "networks" or "hosts" as rows of text cells
 * in import order; 0, DB_ERROR, or -1 for an unknown kind */
int hd_inventory_export(struct db *d, const char *kind, struct hd_table *t);

struct owner_row {
	char *name, *email, *webhook_url, *policy;    /* "" when unset */
	int digest;
};
/* hd_owner - the owner 'key'; 1 found, 0 not, DB_ERROR */
int hd_owner(struct db *d, const char *key, struct owner_row *o);
void owner_row_free(struct owner_row *o);

#endif

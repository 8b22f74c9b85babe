/*
 * reports - the report rows: raw arrival, parsed fields, verdict.
 */
#ifndef AD_REPORTS_H
#define AD_REPORTS_H

#include <stddef.h>

#include "db.h"
#include "records.h"

#define PARSER_VERSION 1

/* reports_insert_raw - record a spooled message as pending; when a report with
 * the same sha256 exists, *existed is set and *id names it. Call inside a
 * transaction. 0 or DB_ERROR/DB_BUSY. */
int reports_insert_raw(struct db *d, const char *spool_name, long long size, const char *sha256,
		       long long received_at, int flags, long long *id, int *existed, int *done);
/* reports_store - the parsed report and its verdict; status becomes done */
int reports_store(struct db *d, long long id, const struct db_report *r, const struct db_verdict *v,
		  const char *orig_key, const char *parse_json, const char *trace_json);
struct incident_look;

/* reports_insert_done - record a message and its parsed report at once (the
 * two calls above in one row write). look (NULL: no incident): what
 * incident_look_key set; the incident is looked up here (on PostgreSQL in
 * the row's own statement), the row names it when the report joins it as
 * it is (look->join), and look is left as incident_look leaves it. When a
 * report with the same sha256 (*existed 1) or the same content key
 * (*existed 2; NULL or "": none) exists nothing is written, *existed and
 * *done are set and *id names it (the caller then goes on as after
 * reports_insert_raw). Call inside a transaction. */
int reports_insert_done(struct db *d, const char *spool_name, long long size, const char *sha256,
			const char *content_key, long long received_at, struct incident_look *look,
			const struct db_report *r, const struct db_verdict *v, const char *orig_key,
			const char *parse_json, const char *trace_json, long long *id, int *existed, int *done);
/* reports_set_content_key - give a row recorded without one its content key,
 * unless another row holds that key */
int reports_set_content_key(struct db *d, long long id, const char *content_key);
/* reports_set_incident - link a report to its incident */
int reports_set_incident(struct db *d, long long id, long long incident_id);
/*
 * reports_reparse - a re-parse of the stored message with that digest: its
 * row read and, when it is not done or a parsed column differs, its parsed
 * columns and parts written (reports_store); on PostgreSQL both in one
 * statement. 1 with *id, and *done and *keyed as the row was; 0 when no
 * row holds the digest (nothing written); DB_ERROR/DB_BUSY.
 */
int reports_reparse(struct db *d, const char *sha256, const struct db_report *r, const struct db_verdict *v,
		    const char *orig_key, const char *parse_json, const char *trace_json, long long *id, int *done,
		    int *keyed);
/*
 * reports_reparse and reports_insert_done in two halves, so that the caller
 * can work (parse the next message) while the server runs the statement:
 * the _send half starts it (later 0: the _recv half runs it) and fills
 * *sent, DB_OK or DB_ERROR/DB_BUSY; the
 * _recv half, later in the same transaction, answers as the whole function
 * would have, given the same record (and look, which it completes). A
 * statement sent and not received is let go with reports_sent_drop. The
 * transaction must not write the rows the statement reads in between.
 */
struct db_stmt;
struct reports_sent {
	struct db_stmt *st;     /* the statement whose answer is owed, or NULL */
	int inline_look;        /* insert: its answer holds the incident lookup */
	int rc;                 /* reparse with no statement: the answer (SQLite ran it whole) */
	long long id;
	int done, keyed;
};
int reports_reparse_send(struct db *d, const char *sha256, const struct db_report *r,
			 const struct db_verdict *v, const char *orig_key, const char *parse_json,
			 const char *trace_json, int later, struct reports_sent *sent);
int reports_reparse_recv(struct db *d, struct reports_sent *sent, const struct db_report *r, long long *id,
			 int *done, int *keyed);
int reports_insert_done_send(struct db *d, const char *spool_name, long long size, const char *sha256,
			     const char *content_key, long long received_at, struct incident_look *look,
			     const struct db_report *r, const struct db_verdict *v, const char *orig_key,
			     const char *parse_json, const char *trace_json, int later, struct reports_sent *sent);
int reports_insert_done_recv(struct db *d, struct reports_sent *sent, const char *sha256, const char *content_key,
			     struct incident_look *look, const struct db_report *r, const struct db_verdict *v,
			     long long *id, int *existed, int *done);
void reports_sent_drop(struct reports_sent *sent);
/* reports_find - the id, spool name, status and whether it holds a content
 * key (name, done and keyed may be NULL) of the report with that digest (1;
 * sha256 NULL: not looked for) or else, when content_key is not NULL or "",
 * the one with that content key (2); 0 for none, or DB_ERROR/DB_BUSY */
int reports_find(struct db *d, const char *sha256, const char *content_key, long long *id, char *name,
		 size_t namelen, int *done, int *keyed);
/* reports_set_spool_path - the spool file that holds a report's bytes */
int reports_set_spool_path(struct db *d, long long id, const char *spool_name);
/* reports_has_spool_name - 1 when a report names that spool file, 0 when none, or DB_ERROR/DB_BUSY */
int reports_has_spool_name(struct db *d, const char *name);
/* reports_meta_get - the integer stored under key into *value: 1 found, 0 not, or DB_ERROR/DB_BUSY */
int reports_meta_get(struct db *d, const char *key, long long *value);
/* reports_meta_set - store value under key; DB_OK or DB_ERROR/DB_BUSY */
int reports_meta_set(struct db *d, const char *key, long long value);

#endif

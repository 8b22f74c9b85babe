/*
 * rdap - the cache of outside networks' abuse contacts (rdap_cache) and the
 * contact recorded on not_ours reports (reports.contact_*).
 */
#ifndef AD_DB_RDAP_H
#define AD_DB_RDAP_H

#include "db.h"

/* One cached answer. status: found | none | error. */
struct db_rdap {
	char status[8];
	char email[256];
	char network[200];
	char registry[300];
	char detail[256];
	long long fetched_at, expires_at;
};

/* rdap_cache_get - the row of ip; 1 found (fresh or not: compare expires_at), 0 none, or DB_ERROR */
int rdap_cache_get(struct db *d, const char *ip, struct db_rdap *out);

/* rdap_cache_put - store (replace) the row of ip; DB_OK, DB_BUSY or DB_ERROR */
int rdap_cache_put(struct db *d, const char *ip, const struct db_rdap *r);

/*
 * rdap_reports_due - not_ours reports with no contact recorded yet, newest
 * first, at most max, whose address has no cached error still in force at
 * now: fn(ctx, report_id, ip) for each. DB_OK or DB_ERROR.
 */
int rdap_reports_due(struct db *d, long long now, int max,
		     void (*fn)(void *ctx, long long id, const char *ip), void *ctx);

/* rdap_report_set - record the contact (NULL: none known) looked up at 'at' */
int rdap_report_set(struct db *d, long long report_id, const char *email, long long at);

#endif

/*
 * db/digest - the data of a digest: a summary of a period for the abuse
 * team or one owner, read from the store in one go.
 *
 * digest_collect reads the database once into a struct digest (every list
 * capped, every string owned by the struct); the renderers of notify/digest.h
 * format that same struct.
 *
 * Periods are half-open [from, to). Definitions the output repeats:
 *   new       created in the period
 *   growing   created before the period, got reports in it
 *   open      open, notified or acknowledged at the end of the period
 *   resolved  resolved in the period
 *   stale     open/notified/acknowledged, no state change and no new report
 *             for more than DIGEST_STALE_DAYS days before the end of the period
 */
#ifndef AD_DB_DIGEST_H
#define AD_DB_DIGEST_H

#include <stddef.h>

#include "db.h"

#define DIGEST_STALE_DAYS 7
#define DIGEST_LIST_MAX   25        /* incidents / reports listed per section */
#define DIGEST_TOP_MAX    10        /* rows of the top-N tables */
#define DIGEST_KEYS_MAX   200       /* distinct verdicts / owners kept */
#define DIGEST_CHART_DAYS 14
#define DIGEST_FIELD_MAX  200       /* bytes of one rendered value */

struct digest_inc {
	long long id, first_seen, last_seen;
	char *status, *verdict, *host, *ip, *owner;
	long reports;           /* all time */
	long period_reports;    /* in the period */
};

struct digest_incs {
	struct digest_inc *v;
	size_t n;               /* listed (<= DIGEST_LIST_MAX) */
	long total;             /* matching in all */
};

/* one row of a count table; the meaning of v[] depends on the table */
struct digest_count {
	char *key;
	long v[3];
};

struct digest_counts {
	struct digest_count *v;
	size_t n;
	long other;             /* keys dropped by the cap, summed into v[0] */
};

struct digest_report {
	long long id, received_at;
	char *status, *format, *verdict, *reporter, *subject;
};

struct digest {
	long long from, to, now;
	char *owner;            /* NULL: everyone */
	/* totals of this period and the previous one (same length) */
	long reports, prev_reports;
	long new_count, prev_new;
	long resolved_count, prev_resolved;
	struct digest_incs new_incs, growing, open, resolved, stale;
	/* by_verdict v[]: reports, new incidents, open incidents; by_owner the same */
	struct digest_counts by_verdict, by_owner;
	/* by_category v[]: reports of the period, incidents they went to (reports without a
	 * category, parsed before categories were kept, are left out) */
	struct digest_counts by_category;
	/* v[0] = reports in the period */
	struct digest_counts hosts, injectors, reporters;
	/* reports of the period not parsed or traced, and the backlog */
	long bad_format, bad_verdict, bad_status;
	struct digest_report *untraced;
	size_t n_untraced;
	long untraced_total;
	long pending_all, failed_all;   /* status pending / failed, any date */
	/* chart: reports per UTC day, per verdict (keys as in by_verdict order) */
	long long chart_start;          /* 00:00 UTC of the first day */
	long chart_total[DIGEST_CHART_DAYS];
	struct digest_counts chart_verdicts; /* key = verdict, v unused */
	long (*chart)[DIGEST_CHART_DAYS];    /* chart_verdicts.n rows */
};

/* digest_collect - fill dg for [from, to) and owner (NULL = all); now is the
 * clock used for "age". 0, or DB_ERROR/DB_BUSY (dg is then freed) */
int digest_collect(struct db *d, long long from, long long to, const char *owner,
		   long long now, struct digest *dg);
void digest_free(struct digest *dg);
/* digest_is_empty - nothing happened in the period and nothing is open or stale */
int digest_is_empty(const struct digest *dg);

/* digest_owners - owners with digest = 1 and an email, as key/email pairs
 * (sorted by key) into keys and emails; 0, or DB_ERROR/DB_BUSY */
struct strlist;
int digest_owners(struct db *d, struct strlist *keys, struct strlist *emails);

#endif

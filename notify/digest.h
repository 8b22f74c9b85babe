/*
 * digest - a summary of a period for the abuse team or one owner.
 *
 * digest_collect reads the database once into a struct digest (every list
 * capped, every string owned by the struct); digest_text and digest_html
 * render that same struct, so both say the same thing. digest_mail wraps
 * both renderings into one multipart/alternative RFC 5322 message, and
 * digest_enqueue queues the team digest and the per-owner ones (owners.digest
 * = 1) in the outbox for notify_run to send.
 *
 * Periods are half-open [from, to). Definitions the output repeats:
 *   new       created in the period
 *   growing   created before the period, got reports in it
 *   open      open, notified or acknowledged at the end of the period
 *   resolved  resolved in the period
 *   stale     open/notified/acknowledged, no state change and no new report
 *             for more than DIGEST_STALE_DAYS days before the end of the period
 */
#ifndef AD_DIGEST_H
#define AD_DIGEST_H

#include <stddef.h>

#include "../db/db.h"
#include "../util/buf.h"
#include "../util/config.h"

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

/* digest_text - the plain text digest (UTF-8, LF lines) appended to out */
void digest_text(const struct digest *dg, const char *organization, struct buf *out);
/* digest_html - the self-contained HTML page appended to out */
void digest_html(const struct digest *dg, const char *organization, struct buf *out);
/* digest_subject - "[abusedesk] digest ... (N new incidents)" into out */
void digest_subject(const struct digest *dg, struct buf *out);

/* html_escape - append s as HTML text: & < > " ' escaped, invalid UTF-8 as
 * U+FFFD, control characters as spaces, at most max bytes of s (cut at a
 * character, "..." added) */
void html_escape(struct buf *out, const char *s, size_t max);
/* digest_clean - append s as printable UTF-8 (invalid bytes U+FFFD, controls
 * spaces), at most max bytes (cut at a character, "..." added) */
void digest_clean(struct buf *out, const char *s, size_t max);

/* digest_mail - one multipart/alternative message (text + HTML, quoted-printable)
 * from cfg->from_address to 'to' into out; message_id (size >= 256) gets its
 * Message-ID. 0, or -1 when an address is unusable or the message too big */
int digest_mail(const struct digest *dg, const struct config *cfg, const char *to,
		struct buf *out, char *message_id, size_t idlen);

/* digest_enqueue - queue the team digest (cfg->digest_address, else
 * cfg->team_address; owner-only when owner != NULL) and, unless owner is set,
 * one per owner with owners.digest = 1 and an email, in the outbox.
 * *queued counts the rows added. A digest is queued once per recipient,
 * owner and period: the period is from..to, or, when align > 0 (a relative
 * period such as --since 24h), the align-long period of the epoch that to
 * falls in. 0, or DB_ERROR/DB_BUSY */
int digest_enqueue(struct db *d, const struct config *cfg, long long from, long long to,
		   long long align, const char *owner, long long now, int *queued);

/* ---- shared by the renderers (digest_fmt.c) ---- */
/* digest_time - "YYYY-MM-DD HH:MM" (UTC) into out */
void digest_time(long long t, char out[64]);
/* digest_day - "YYYY-MM-DD" (UTC) into out */
void digest_day(long long t, char out[64]);
/* digest_period - "FROM to TO UTC" appended to out */
void digest_period(const struct digest *dg, struct buf *out);
/* digest_trend - "+N", "-N" or "no change" against the previous period, appended */
void digest_trend(struct buf *out, long cur, long prev);
/* digest_label - a verdict or owner key as shown: "" becomes dflt */
const char *digest_label(const char *key, const char *dflt);
/* digest_age - "N days" / "N hours" between t and now, appended */
void digest_age(struct buf *out, long long t, long long now);

#endif

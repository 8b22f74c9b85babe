/*
 * digest - a summary of a period for the abuse team or one owner.
 *
 * The data is a struct digest (db/digest.h, read by digest_collect);
 * digest_text and digest_html render that same struct, so both say the same
 * thing. digest_mail wraps both renderings into one multipart/alternative
 * RFC 5322 message. Queueing is app/digest.c's.
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

#include "../db/digest.h"
#include "../util/buf.h"
#include "../util/config.h"

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

/* the largest digest message */
#define DIGEST_MAIL_MAX (16 * 1024 * 1024)

/* digest_mail - one multipart/alternative message (text + HTML, quoted-printable)
 * from cfg->from_address to 'to' into out; message_id (size >= 256) gets its
 * Message-ID. 0, or -1 when an address is unusable or the message too big */
int digest_mail(const struct digest *dg, const struct config *cfg, const char *to,
		struct buf *out, char *message_id, size_t idlen);

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
/* digest_verdict - a verdict as a reader reads it ("Local injection" for
 * local_injection); an unknown key as it is, "" becomes dflt */
const char *digest_verdict(const char *key, const char *dflt);
/* digest_status - an incident status as read ("false positive") */
const char *digest_status(const char *key);
/* digest_shown_above - incident id is listed under New or Growing */
int digest_shown_above(const struct digest *dg, long long id);
/* digest_others - the open incidents not listed under New or Growing:
 * how many of the listed ones (*listed) and in all */
long digest_others(const struct digest *dg, size_t *listed);
/* digest_not_ours - the chart row of not_ours, or -1 */
int digest_not_ours(const struct digest *dg);
/* digest_day_ours - reports of chart day i less the not_ours ones */
long digest_day_ours(const struct digest *dg, int i);

#endif

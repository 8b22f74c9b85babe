/*
 * internal - what the parse/ files share; not for other modules.
 */
#ifndef AD_PARSE_INTERNAL_H
#define AD_PARSE_INTERNAL_H

#include "mimescan.h"
#include "report.h"

/*
 * parse_original_headers - fill r->orig (message_id, from, to, subject, date,
 * headers, headers_only) and r->hops from the header block of the reported
 * message: hdrs/len are raw header bytes (may include the body after a blank
 * line, which is ignored except for the digest when full != 0).
 */
void parse_original_headers(struct report *r, const char *hdrs, size_t len, int headers_only);
/* part_is_message - the part carries a whole message (message/rfc822, global, news, rfc2822) */
int part_is_message(const struct mpart *o);
/* parse_original_part - the same from such a part (a leaf: see mime.h) */
void parse_original_part(struct report *r, struct mpart *part);
/* part_text - decoded content of a leaf part as a NUL-terminated string (caller frees), capped at max */
char *part_text(struct mpart *part, size_t max, size_t *len);
/* field_value - the value of "Name:" in an RFC 822-style field block (first match, unfolded), or NULL */
char *field_value(const char *block, size_t len, const char *name);

/*
 * dsn_parse - recognise a bounce: an RFC 3464 multipart/report with
 * message/delivery-status, or one of the common non-standard forms (Postfix,
 * Sendmail, Exim, qmail, Exchange/Office 365, Gmail, Yahoo ...). On a bounce:
 * sets r->format = FMT_DSN, fills r->rcpts and the original (via
 * parse_original_*), and returns 1; otherwise returns 0 and leaves r alone.
 */
int dsn_parse(struct mpart *msg, const char *raw, size_t len, struct report *r);
/* dsn_subject_bounce - 1 if the subject s[0..n) is one bounces carry (dsn_text.c) */
int dsn_subject_bounce(const char *s, size_t n);

#endif

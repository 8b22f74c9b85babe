/*
 * dsn_local - what the bounce reader's files (dsn.c, dsn_text.c,
 * dsn_status.c) share; nothing outside parse/dsn*.c includes it.
 */
#ifndef AD_PARSE_DSN_LOCAL_H
#define AD_PARSE_DSN_LOCAL_H

#include <stddef.h>

#include "internal.h"

#define DSN_MAX_TEXT   (256 * 1024)  /* bytes of one part read for scanning */
#define DSN_MAX_LINES  20000         /* lines looked at in one text */
#define DSN_MAX_DIAG   1024          /* diagnostic text kept per recipient */

/* The recipients found so far; moved into the report only on success. */
struct dsn_list {
	struct rcpt *v;
	size_t n, cap;
};

/* A line cursor over text with LF, CRLF or CR-only line ends. */
struct dsn_lines {
	const char *p, *end;
	size_t count;
};

void dsn_lines_init(struct dsn_lines *it, const char *s, size_t len);
/* dsn_line_next - the next line (without its end) in *ln and *lnlen; 0 at the end */
int dsn_line_next(struct dsn_lines *it, const char **ln, size_t *lnlen);

struct rcpt *dsn_list_add(struct dsn_list *l, const char *addr, size_t alen);
struct rcpt *dsn_list_find(struct dsn_list *l, const char *addr, size_t alen);
void dsn_list_free(struct dsn_list *l);
/* dsn_rcpt_set - replace *dst with a trimmed, control-free copy of s[0..n) */
void dsn_rcpt_set(char **dst, const char *s, size_t n);
/* dsn_rcpt_diag - append text to the recipient's diagnostic (capped) */
void dsn_rcpt_diag(struct rcpt *rc, const char *s, size_t n);

/* dsn_find_status - the first D.S.N ("5.1.1") in s[0..n) into out; 0 or -1 */
int dsn_find_status(const char *s, size_t n, char out[16]);
/* dsn_strip_route - the mailbox of "@relay:user@host" (RFC 5321 source route), *alen adjusted */
const char *dsn_strip_route(const char *addr, size_t *alen);
/* dsn_find_pair - the first "550 5.7.1" (reply code, then an enhanced code of its class) */
int dsn_find_pair(const char *s, size_t n, char out[16]);
/* dsn_in_word - does c, the character before a run of digits, make them part
 * of a word or an address ("x2", "v1.550", "user+555-12@host"), not a code */
int dsn_in_word(int c);

/* dsn_find_reply - the first SMTP reply code (250, 421, 550 ...) in s; 0 if none */
int dsn_find_reply(const char *s, size_t n);
/* dsn_status_guess - a D.S.N for a diagnostic: explicit, reply code, phrase, dflt */
void dsn_status_guess(const char *diag, const char *dflt, char out[16]);
/* dsn_finish - give each recipient a status (and action) from what was found */
void dsn_finish(struct dsn_list *l, const char *dflt_status);

/* dsn_fields - parse message/delivery-status text into l; reporting MTA to *mta */
void dsn_fields(const char *s, size_t len, struct dsn_list *l, char **mta);

/*
 * dsn_text - recognise a non-standard bounce from its text and headers.
 * Fills l and sets *orig and *olen to an inline copy of the original (or NULL).
 * Returns 1 for a bounce, 2 for a sure bounce that names no recipient
 * (the caller may take one from the attached original), 0 otherwise.
 */
struct dsn_text_in {
	struct mpart *msg;
	const char *body;   /* decoded human-readable text */
	size_t blen;
	int has_orig_part;  /* an attached original was found */
};
int dsn_text(const struct dsn_text_in *in, struct dsn_list *l,
	     const char **orig, size_t *olen);

/* dsn_text_merge - diagnostics from the text for recipients that lack one */
void dsn_text_merge(const char *body, size_t n, struct dsn_list *l);
/* dsn_ses - Amazon SES JSON notifications (bounce, delivery); 1 when found */
int dsn_ses(const char *body, size_t n, struct dsn_list *l);
/* dsn_find_addr - the first user@domain.tld in s[0..n): start and length */
int dsn_find_addr(const char *s, size_t n, size_t *as, size_t *al);

/* ci_find - case-insensitive search of needle in s[0..n); NULL if absent */
const char *ci_find(const char *s, size_t n, const char *needle);

#endif

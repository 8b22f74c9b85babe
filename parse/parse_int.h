/*
 * parse_int - what the format readers of parse/ share with the dispatcher:
 * the walked MIME summary of one message and small field setters.
 */
#ifndef AD_PARSE_INT_H
#define AD_PARSE_INT_H

#include "internal.h"
#include "fields.h"

/* What the dispatcher found in one message. */
struct pctx {
	const char *text;          /* normalised bytes (LF line ends, no NULs) */
	size_t len;
	const char *body;          /* after the top header block, or NULL */
	size_t body_len;
	struct mime mime;          /* the MIME structure */
	struct mpart *msg;         /* the message (mime.parts), NULL when MIME parsing was refused or failed */
	char *top_type;            /* "multipart/report" ... lowercased, or NULL */
	char *report_type;         /* report-type parameter, lowercased, or NULL */
	struct mpart *feedback;     /* message/feedback-report part */
	struct mpart *delivery;     /* message/delivery-status part */
	struct mpart *orig;         /* message/rfc822 or text/rfc822-headers part */
	int orig_headers_only;
	struct mpart *xarf;         /* X-ARF report.txt-like part */
	struct mpart *json;         /* application/json part */
	struct mpart *dmarc;        /* zip / gzip / xml attachment */
	struct mpart *csv;          /* text/csv or *.csv attachment (a feed) */
	struct mpart *text_part;    /* first text/plain part */
	struct mpart *html_part;    /* first text/html part */
	char *body_text;           /* decoded first text part (or raw body), capped */
	size_t body_text_len;
	int nparts;
};

#define PARSE_MAX_TEXT (1024 * 1024)   /* decoded text looked at per part */

/* common.c */
void set_str(char **dst, const char *v);            /* sanitized copy, replaces */
void set_str_lower(char **dst, const char *v);
void list_add(struct report *r, struct strlist *l, const char *v, const char *what);
int set_source_ip(struct report *r, const char *v);  /* 1 when set */
void set_arrival(struct report *r, const char *v);
char *text_unquote(const char *t, size_t n, size_t *outlen);   /* without "> " marks; free it */
/* html_text - the text a reader sees in an HTML part (UTF-8, at most max bytes; free it),
 * or NULL with the reason in err (libxml2 not there, nothing readable) */
char *html_text(const char *html, size_t n, const char *charset, size_t max, size_t *len,
		char *err, size_t errlen);
char *addr_only(const char *v);                      /* first address in v, or NULL */
int find_ip(const char *s, size_t len, char out[46]); /* first routable-looking IP in text */
char *angle_strip(const char *v);
int header_is(struct mpart *o, const char *name, const char *substr);
const char *hdr(struct mpart *o, const char *name);


/* readers: each returns 1 when it took the message */
int arf_parse(struct pctx *c, struct report *r);
int arf_raw_parse(struct pctx *c, struct report *r);
int apple_unsubscribe(struct pctx *c, struct report *r);
void arf_fields(struct report *r, const char *block, size_t len);
int xarf_parse(struct pctx *c, struct report *r);
int acns_parse(struct pctx *c, struct report *r);
int feed_parse(struct pctx *c, struct report *r);
int spamcop_parse(struct pctx *c, struct report *r);
int jmrp_parse(struct pctx *c, struct report *r);
int dmarc_parse(struct pctx *c, struct report *r);
int ses_parse(struct pctx *c, struct report *r);
/* rua.c: a DMARC aggregate report's XML into r->rua and the summary fields; 0, or -1 without <feedback> */
int rua_read(struct report *r, const char *xml, size_t len);
int autoreply_parse(struct pctx *c, struct report *r);
int forward_parse(struct pctx *c, struct report *r);
int plain_parse(struct pctx *c, struct report *r);
int bounce_like(struct pctx *c);
/* attack.c: the source of a plain-text attack report; 1 when set */
int attack_source(struct report *r, const char *t, size_t n);
size_t attack_log_lines(const char *t, size_t n);   /* unquoted timestamped lines naming an address */
void text_urls(struct report *r, const char *t, size_t n);   /* URLs of the Subject and the unquoted text (urls.c) */
/* category.c: the normalised category and the source's field, after a reader took it */
void report_categorize(struct pctx *c, struct report *r);

#endif

/*
 * fields - walk "Name: value" lines of a header block or of a report part
 * (message/feedback-report, X-ARF YAML, delivery-status) without copying the
 * block: any line ends (LF, CRLF, CR), folded values unfolded, values capped.
 */
#ifndef AD_PARSE_FIELDS_H
#define AD_PARSE_FIELDS_H

#include <stddef.h>

#include "../util/buf.h"

struct fieldit {
	const char *p, *end;
	size_t lines;        /* lines consumed */
	int stop_at_blank;   /* a header block: stop at the first empty line */
	int capped;          /* PARSE_MAX_HEADERS lines reached */
	int cut;             /* a value was cut at PARSE_MAX_FIELD */
	const char *body;    /* after stop_at_blank: where the body starts, or NULL */
	const char *peek;    /* a line read ahead (it starts at p), or NULL */
	const char *peek_next; /* where the line after it starts */
	size_t peek_len;     /* its length */
};

/* fieldit_init - iterate over block[0..len); stop_at_blank for header blocks */
void fieldit_init(struct fieldit *it, const char *block, size_t len, int stop_at_blank);
/*
 * fieldit_next - the next field: name and nlen point into the block, the
 * unfolded, trimmed value (capped at PARSE_MAX_FIELD) is left in val.
 * Lines that are no field are skipped. Returns 1, or 0 at the end.
 */
int fieldit_next(struct fieldit *it, const char **name, size_t *nlen, struct buf *val);
/* name_is - the field name n/nlen equals want (ASCII case-insensitive) */
int name_is(const char *n, size_t nlen, const char *want);
/* mem_casestr - first occurrence of needle in hay[0..len) ignoring ASCII case, or NULL */
const char *mem_casestr(const char *hay, size_t len, const char *needle);
/* eol_find - the first CR or LF in [s, end), or end */
const char *eol_find(const char *s, const char *end);
#define EOL_WINDOW 256   /* bytes eol_find hands memchr at a time */
/* line_next - the next line of [*p, end): returns its start, sets *llen; NULL at end */
const char *line_next(const char **p, const char *end, size_t *llen);

#endif

/*
 * mimescan - the MIME structure of one message, found in place.
 *
 * One pass over the (LF-normalised) bytes finds each part's header block
 * and content by their offsets, the way GMime's parser splits a message:
 * a header block ends at the first empty line, a boundary line is "--"
 * boundary (or "--" boundary "--" for the last) followed only by blanks,
 * and a boundary of any enclosing multipart also ends a part. Nothing is
 * copied. GMime still reads what needs reading: Content-Type and
 * Content-Disposition with their RFC 2231 parameters, RFC 2047 header
 * values, and base64, quoted-printable and uuencoded content.
 *
 * Embedded messages (message/rfc822, global, news) are leaves: the readers
 * parse the reported message's headers themselves. Nesting deeper than
 * PARSE_MAX_MIME_DEPTH + 1 multiparts and more than PARSE_MAX_PARTS parts
 * are not split further (mime.capped says so).
 */
#ifndef AD_PARSE_MIMESCAN_H
#define AD_PARSE_MIMESCAN_H

#include <stddef.h>

#include <gmime/gmime.h>

#include "report.h"

/* multiparts split inside each other at most */
#define PARSE_MIME_STACK (PARSE_MAX_MIME_DEPTH + 2)

struct mime;

/* One header field of a part: name and raw value point into the message. */
struct mhdr {
	const char *name;
	size_t nlen;
	const char *raw;      /* after the colon, folded, untrimmed */
	size_t rlen;
	char *value;          /* unfolded, trimmed, RFC 2047-decoded; made on first use */
};

struct mpart {
	struct mime *tree;
	const char *head;     /* header block, without the empty line */
	size_t head_len;
	const char *body;     /* content as sent (still transfer-encoded) */
	size_t body_len;
	const char *ctval;    /* the Content-Type value (decoded), NULL when absent */
	GMimeContentType *ct; /* ctval as GMime parses it, when it is not simple */
	char **params;        /* simple parameters: name, value, ..., NULL; made on first use */
	int params_done;
	char ctype[128];      /* "type/subtype", lowercased */
	int multipart;
	int depth;            /* 0 for the message itself */
	int kid, next;        /* first child, next sibling: indexes in tree->parts, -1 for none */
	int nkids;
	struct mhdr *hdrs;    /* indexed on first header lookup */
	int nhdrs, indexed;
	char *filename;
	int fn_done;
};

struct mime {
	const char *text;
	size_t len;
	struct mpart *parts;  /* parts[0] is the message; children follow in order */
	int n, cap;
	int capped;           /* depth or part limit reached: the rest not split */
	int nomsg;            /* not a message: empty, or the first line is no header field; no parts */
	/* while parsing: the enclosing boundaries, "--" included */
	const char *bnd[PARSE_MIME_STACK];
	size_t bndlen[PARSE_MIME_STACK];
	int nbnd;
};

/* mp_parse - split text[0..len) into m (the bytes must outlive m) */
void mp_parse(struct mime *m, const char *text, size_t len);
/* mp_free - release what mp_parse made */
void mp_free(struct mime *m);
/* mp_first - the first child of a multipart, mp_next - the next sibling; NULL at the end */
struct mpart *mp_first(struct mpart *p);
struct mpart *mp_next(struct mpart *p);
/* mp_header - the first field called name: unfolded, trimmed, decoded; or NULL */
const char *mp_header(struct mpart *p, const char *name);
/* mp_header_last - the last field called name (what GMime's message getters read) */
const char *mp_header_last(struct mpart *p, const char *name);
/* mp_needs_decoding - v has an 8-bit byte or an encoded word (else RFC 2047 decoding gives v back) */
int mp_needs_decoding(const char *v);
/* mp_decode_text - RFC 2047 decoding of a header value, adjacent base64 words
 * of one charset decoded each on its own; g_malloc'ed, never NULL */
char *mp_decode_text(const char *v);
/* mp_param - a Content-Type parameter, or NULL */
const char *mp_param(struct mpart *p, const char *name);
/* mp_is - the content type is type/sub; "*" matches any subtype */
int mp_is(const struct mpart *p, const char *type, const char *sub);
/* mp_filename - Content-Disposition filename, else Content-Type name, or NULL */
const char *mp_filename(struct mpart *p);
/* mp_raw - the content as it is when it carries no transfer encoding, else NULL */
const char *mp_raw(struct mpart *p, size_t *len);
/* mp_decode - the content with the transfer encoding undone: binary, NUL-terminated, at most max bytes */
char *mp_decode(struct mpart *p, size_t max, size_t *len);

#endif

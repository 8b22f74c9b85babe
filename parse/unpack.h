/*
 * unpack - the compressed attachments reports come in: gzip (RFC 1952)
 * and the first member of a zip archive (PKWARE APPNOTE: stored or
 * deflated), as Shadowserver's .csv.zip feeds and DMARC aggregate reports
 * (RFC 7489 7.2.1.1: gzip or zip) send them. Inflating is GIO's zlib
 * converter, already linked through GMime. The one inflater of parse/:
 * dmarc.c and feed.c read through it.
 */
#ifndef AD_PARSE_UNPACK_H
#define AD_PARSE_UNPACK_H

#include <stddef.h>

/* the packed forms unpack knows */
enum unpack_kind { UNPACK_NONE, UNPACK_GZIP, UNPACK_ZIP };

/* why an archive was not read whole */
enum unpack_err {
	UNPACK_OK = 0,
	UNPACK_CUT,             /* more than the cap inflated: cut there (a bomb stops here) */
	UNPACK_BROKEN,          /* damaged, or the data ends before the stream does */
	UNPACK_ENCRYPTED,       /* a zip member that is encrypted */
	UNPACK_METHOD,          /* a zip method other than stored and deflate */
	UNPACK_NOT              /* not a gzip or zip file */
};

/* unpack_kind - what d[0..n) is, by its magic bytes */
enum unpack_kind unpack_kind(const void *d, size_t n);

/* unpack_strerror - err in words, for a warning */
const char *unpack_strerror(enum unpack_err err);

/*
 * unpack - d[0..n) inflated into a new NUL-terminated buffer of at most cap
 * bytes (*outlen its length; the caller frees); NULL when nothing came out.
 * *err is UNPACK_OK when the whole stream was read, else why not: what came
 * out before a cut or a break is kept and returned. The zip member's name
 * goes to name[0..namelen) when given ("" for gzip).
 */
char *unpack(const void *d, size_t n, size_t cap, size_t *outlen, char *name, size_t namelen,
	     enum unpack_err *err);

#endif

/*
 * unpack - the compressed attachments reports come in: gzip (RFC 1952)
 * and the first member of a zip archive (PKWARE APPNOTE: stored or
 * deflated), as Shadowserver's .csv.zip feeds and DMARC aggregate reports
 * (RFC 7489 7.2.1.1: gzip or zip) send them. Inflating is GIO's zlib
 * converter, already linked through GMime.
 */
#ifndef AD_PARSE_UNPACK_H
#define AD_PARSE_UNPACK_H

#include <stddef.h>

/* the packed forms unpack knows */
enum unpack_kind { UNPACK_NONE, UNPACK_GZIP, UNPACK_ZIP };

/* unpack_kind - what d[0..n) is, by its magic bytes */
enum unpack_kind unpack_kind(const void *d, size_t n);

/*
 * unpack - d[0..n) inflated into a new NUL-terminated buffer of at most cap
 * bytes (*outlen its length; the caller frees), or NULL: not a gzip or zip
 * file, damaged or cut short, an encryption or compression method other
 * than stored and deflate, or more than cap bytes inflated (a bomb:
 * inflating stops at the cap). *why, when not NULL, says which, for a
 * warning. The member's name (zip) goes to name[0..namelen) when given.
 */
char *unpack(const void *d, size_t n, size_t cap, size_t *outlen, char *name, size_t namelen,
	     const char **why);

#endif

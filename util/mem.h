/*
 * mem - allocation that never returns NULL.
 *
 * On exhaustion the process logs and exits with EX_TEMPFAIL (75), so an MTA
 * that piped a message to us keeps it and retries later.
 */
#ifndef AD_MEM_H
#define AD_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);           /* NULL in -> NULL out */
char *xstrndup(const char *s, size_t n); /* copies at most n bytes, NUL-terminates */

#endif

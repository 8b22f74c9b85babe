/*
 * mem - allocation that never returns NULL.
 *
 * On exhaustion the process logs and exits with EX_TEMPFAIL (75), so an MTA
 * that piped a message to us keeps it and retries later. Once the message is
 * ours (ingest, after the spool commit) the status becomes 0: a retry would
 * only store another copy; what failed stays pending.
 */
#ifndef AD_MEM_H
#define AD_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);           /* NULL in -> NULL out */
char *xstrndup(const char *s, size_t n); /* copies at most n bytes, NUL-terminates */
/* mem_oom_status - the exit status on exhaustion from now on (default 75) */
void mem_oom_status(int status);

#endif

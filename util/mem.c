/*
 * mem - allocation that never returns NULL.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mem.h"
#include "msg.h"

static int oom_status = EX_TEMPFAIL;

/* mem_oom_status - see mem.h */
void mem_oom_status(int status)
{
	oom_status = status;
}

static void oom(size_t n)
{
	msg_error("out of memory allocating %zu bytes", n);
	exit(oom_status);
}

/* xmalloc - malloc or exit 75 (mem_oom_status) */
void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

/* xcalloc - calloc or exit 75 */
void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

/* xrealloc - realloc or exit 75 */
void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

/* xstrdup - duplicate a string; NULL stays NULL */
char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

/* xstrndup - duplicate at most n bytes of s */
char *xstrndup(const char *s, size_t n)
{
	size_t len;
	char *p;

	if (s == NULL)
		return NULL;
	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

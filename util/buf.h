/*
 * buf - a growable byte buffer with a size cap, always NUL-terminated.
 *
 * A buf is initialised with a maximum size; an append that would pass it
 * appends nothing, sets the 'toobig' flag and returns -1. Data stays valid
 * and NUL-terminated whatever happens, so callers may ignore the result where
 * truncation is acceptable and check buf.toobig later.
 */
#ifndef AD_BUF_H
#define AD_BUF_H

#include <stddef.h>

#include "msg.h"

struct buf {
	char *data;     /* NUL-terminated; never NULL after buf_init */
	size_t len;     /* bytes used, excluding the NUL */
	size_t cap;     /* bytes allocated */
	size_t max;     /* maximum len; 0 = SIZE_MAX/2 */
	int toobig;     /* an append was refused */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);                       /* len = 0, keeps memory */
int buf_append(struct buf *b, const void *p, size_t n); /* 0 or -1 (cap) */
/* buf_reserve - room for n more bytes (and the NUL) without passing max; 0 or -1 (nothing changed) */
int buf_reserve(struct buf *b, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...) AD_PRINTF(2, 3);
char *buf_steal(struct buf *b);   /* caller owns the data; b is released (buf_free is harmless, buf_init to reuse) */

#endif

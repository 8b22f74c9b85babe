/*
 * buf - a growable byte buffer with a size cap.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

/* buf_init - empty buffer with a cap (0: no practical cap) */
void buf_init(struct buf *b, size_t max)
{
	b->cap = 64;
	b->data = xmalloc(b->cap);
	b->data[0] = '\0';
	b->len = 0;
	b->max = max ? max : SIZE_MAX / 2;
	b->toobig = 0;
}

/* buf_free - release the memory */
void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* buf_reset - empty, keep the allocation */
void buf_reset(struct buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
	b->toobig = 0;
}

static int grow(struct buf *b, size_t n)
{
	size_t need;

	if (n > b->max || b->len > b->max - n) {
		b->toobig = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need > b->cap) {
		size_t cap = b->cap;

		while (cap < need)
			cap = cap < SIZE_MAX / 4 ? cap * 2 : need;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	return 0;
}

/* buf_reserve - make room for n more bytes; -1 (toobig untouched) if max forbids */
int buf_reserve(struct buf *b, size_t n)
{
	int toobig = b->toobig;

	if (n < b->cap - b->len && b->len + n <= b->max)
		return 0;
	if (grow(b, n) < 0) {
		b->toobig = toobig;
		return -1;
	}
	return 0;
}

/* buf_append - append n bytes */
int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (n < b->cap - b->len && b->len + n <= b->max) {   /* fits: no growth */
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	if (grow(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* buf_puts - append a string */
int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* buf_putc - append one byte */
int buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	if (b->len + 1 < b->cap && b->len < b->max) {
		b->data[b->len++] = ch;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append(b, &ch, 1);
}

/* buf_printf - append formatted text */
int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* buf_steal - hand the data to the caller; b is left released (buf_init to reuse) */
char *buf_steal(struct buf *b)
{
	char *p = b->data;

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

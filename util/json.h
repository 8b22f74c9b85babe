/*
 * json - write JSON into a buf.
 *
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become
 * U+FFFD, control characters become \u00XX, so any input yields valid JSON.
 * A NULL string is written as null.
 */
#ifndef AD_JSON_H
#define AD_JSON_H

#include <stddef.h>

#include "buf.h"

void json_str(struct buf *b, const char *s);               /* "..." or null */
void json_strn(struct buf *b, const char *s, size_t n);
void json_key(struct buf *b, int *first, const char *key);  /* ,"key": */
void json_kv_str(struct buf *b, int *first, const char *key, const char *val);
void json_kv_int(struct buf *b, int *first, const char *key, long long val);
void json_kv_bool(struct buf *b, int *first, const char *key, int val);
void json_kv_null(struct buf *b, int *first, const char *key);

/* json_plain_byte[c] - byte c may stand in a JSON string as it is (printable ASCII but '"' and '\\') */
extern const unsigned char json_plain_byte[256];

/* json_plain_span - length of the run at s (NUL-terminated) that json_str copies as it is */
static inline size_t json_plain_span(const char *s)
{
	size_t i = 0;

	while (json_plain_byte[(unsigned char)s[i]])
		i++;
	return i;
}

/* utf8_valid_len - length of the valid UTF-8 sequence at s (1..4), 0 if invalid */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif

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

/* utf8_valid_len - length of the valid UTF-8 sequence at s (1..4), 0 if invalid */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif

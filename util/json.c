/*
 * json - a small JSON writer.
 */
#include <string.h>

#include "json.h"
#include "str.h"

/* utf8_seq_len - length of a valid UTF-8 sequence at s, 0 if invalid */
size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* json_plain_byte[c] - byte c may stand in a JSON string as it is (printable ASCII but '"' and '\\') */
const unsigned char json_plain_byte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	/* 0x80 ... 0xff: 0 */
};

/* json_plain - the length of the run at p that needs no escaping */
static size_t json_plain(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && json_plain_byte[p[i]])
		i++;
	return i;
}

/* json_strn - write n bytes of s as a JSON string */
void json_strn(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	buf_putc(b, '"');
	while (i < n) {
		unsigned c;

		if ((k = json_plain(p + i, n - i)) > 0) {
			buf_append(b, p + i, k);
			i += k;
			continue;
		}
		c = p[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (int)c);
			i++;
		} else if (c == '\n') {
			buf_puts(b, "\\n"), i++;
		} else if (c == '\r') {
			buf_puts(b, "\\r"), i++;
		} else if (c == '\t') {
			buf_puts(b, "\\t"), i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c), i++;
		} else if ((k = utf8_seq_len(p + i, n - i)) > 0 && str_ctl_len(s + i, n - i, &c) == k) {
			buf_printf(b, "\\u%04x", c);  /* C1 and bidi controls: escaped, never raw */
			i += k;
		} else if (k > 0) {
			buf_append(b, p + i, k);
			i += k;
		} else {
			buf_puts(b, "\\ufffd");
			i++;
		}
	}
	buf_putc(b, '"');
}

/* json_str - write a string or null */
void json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		json_strn(b, s, strlen(s));
}

/* json_key - separator and key (keys are our own plain ASCII names, written as is) */
void json_key(struct buf *b, int *first, const char *key)
{
	if (!*first)
		buf_putc(b, ',');
	*first = 0;
	buf_putc(b, '"');
	buf_puts(b, key);
	buf_puts(b, "\":");
}

void json_kv_str(struct buf *b, int *first, const char *key, const char *val)
{
	json_key(b, first, key);
	json_str(b, val);
}

void json_kv_int(struct buf *b, int *first, const char *key, long long val)
{
	json_key(b, first, key);
	buf_printf(b, "%lld", val);
}

void json_kv_bool(struct buf *b, int *first, const char *key, int val)
{
	json_key(b, first, key);
	buf_puts(b, val ? "true" : "false");
}

void json_kv_null(struct buf *b, int *first, const char *key)
{
	json_key(b, first, key);
	buf_puts(b, "null");
}

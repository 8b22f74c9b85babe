/*
 * evidence - pick the "evidence" string array out of a stored trace JSON.
 *
 * reports.trace_json is what verdict_to_json wrote; the notice quotes its
 * evidence lines. This is a small tokenizer, not a JSON library: it walks
 * the top-level object properly (strings with escapes, nesting) so that text
 * inside a string can never be mistaken for the key, decodes \uXXXX
 * (surrogate pairs included) to UTF-8, and stops at anything malformed.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "internal.h"

#define EVIDENCE_MAX_LINE 2000

struct scan {
	const char *p;
	int bad;
};

static void ws(struct scan *s)
{
	while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
		s->p++;
}

/* hex4 - four hex digits at p; -1 when not */
static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)p[i];

		v <<= 4;
		if (c >= '0' && c <= '9') v |= c - '0';
		else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
		else return -1;
	}
	return v;
}

/* put_utf8 - append code point cp */
static void put_utf8(struct buf *b, unsigned long cp)
{
	unsigned char u[4];

	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) { u[0] = (unsigned char)cp; buf_append(b, u, 1); }
	else if (cp < 0x800) { u[0] = 0xc0 | (cp >> 6); u[1] = 0x80 | (cp & 0x3f); buf_append(b, u, 2); }
	else if (cp < 0x10000) {
		u[0] = 0xe0 | (cp >> 12); u[1] = 0x80 | ((cp >> 6) & 0x3f); u[2] = 0x80 | (cp & 0x3f);
		buf_append(b, u, 3);
	} else {
		u[0] = 0xf0 | (cp >> 18); u[1] = 0x80 | ((cp >> 12) & 0x3f);
		u[2] = 0x80 | ((cp >> 6) & 0x3f); u[3] = 0x80 | (cp & 0x3f);
		buf_append(b, u, 4);
	}
}

/* escape - one backslash escape (s->p after the backslash) into out */
static void escape(struct scan *s, struct buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = *s->p ? strchr(from, *s->p) : NULL;
	long cp, lo;

	if (e) {
		buf_putc(out, to[e - from]);
		s->p++;
		return;
	}
	if (*s->p != 'u' || (cp = hex4(s->p + 1)) < 0) {
		s->bad = 1;
		return;
	}
	s->p += 5;
	if (cp >= 0xd800 && cp <= 0xdbff && s->p[0] == '\\' && s->p[1] == 'u' &&
	    (lo = hex4(s->p + 2)) >= 0xdc00 && lo <= 0xdfff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		s->p += 6;
	}
	put_utf8(out, (unsigned long)cp);
}

/* string - a JSON string at s->p (at the quote) into out (may be NULL) */
static void string(struct scan *s, struct buf *out)
{
	struct buf skip;

	buf_init(&skip, 1);
	if (out == NULL)
		out = &skip;
	if (*s->p != '"') {
		s->bad = 1;
		buf_free(&skip);
		return;
	}
	s->p++;
	while (!s->bad && *s->p && *s->p != '"') {
		if (*s->p == '\\') {
			s->p++;
			escape(s, out);
		} else {
			buf_putc(out, *s->p++);
		}
	}
	if (*s->p == '"')
		s->p++;
	else
		s->bad = 1;
	buf_free(&skip);
}

/* value - skip any JSON value */
static void value(struct scan *s, int depth)
{
	ws(s);
	if (depth > 64) {
		s->bad = 1;
	} else if (*s->p == '"') {
		string(s, NULL);
	} else if (*s->p == '{' || *s->p == '[') {
		char close = *s->p == '{' ? '}' : ']';

		s->p++;
		for (ws(s); !s->bad && *s->p && *s->p != close; ws(s)) {
			if (close == '}') {
				string(s, NULL);
				ws(s);
				if (*s->p++ != ':') { s->bad = 1; break; }
			}
			value(s, depth + 1);
			ws(s);
			if (*s->p == ',') s->p++;
			else if (*s->p != close) s->bad = 1;
		}
		if (*s->p == close) s->p++;
		else s->bad = 1;
	} else {
		while (*s->p && strchr(",}] \t\r\n", *s->p) == NULL)
			s->p++;
	}
}

/* strings - read the array of strings at s->p into l */
static void strings(struct scan *s, struct strlist *l, size_t max)
{
	s->p++;
	for (ws(s); !s->bad && *s->p == '"'; ws(s)) {
		struct buf b;

		buf_init(&b, EVIDENCE_MAX_LINE);
		string(s, &b);
		if (!s->bad && l->n < max)
			strlist_add(l, b.data);
		buf_free(&b);
		ws(s);
		if (*s->p != ',')
			break;
		s->p++;
	}
}

void evidence_from_json(const char *json, struct strlist *l, size_t max)
{
	struct scan s = { json ? json : "", 0 };

	ws(&s);
	if (*s.p != '{')
		return;
	s.p++;
	for (ws(&s); !s.bad && *s.p == '"'; ws(&s)) {
		struct buf key;
		int hit;

		buf_init(&key, 64);
		string(&s, &key);
		hit = !key.toobig && strcmp(key.data, "evidence") == 0;
		buf_free(&key);
		ws(&s);
		if (s.bad || *s.p++ != ':')
			return;
		ws(&s);
		if (hit && *s.p == '[') {
			strings(&s, l, max);
			return;
		}
		value(&s, 1);
		ws(&s);
		if (*s.p != ',')
			return;
		s.p++;
	}
}

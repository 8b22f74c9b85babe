/*
 * fields - "Name: value" iteration over header-like blocks, tolerant of the
 * line ends, folding and junk that real reports carry.
 */
#include <string.h>
#include <strings.h>

#include "fields.h"
#include "report.h"

/* line_next - the next line of [*p, end): returns its start, sets *llen; NULL at end */
const char *line_next(const char **p, const char *end, size_t *llen)
{
	const char *s = *p, *e;

	if (s >= end)
		return NULL;
	for (e = s; e < end && *e != '\n' && *e != '\r'; e++)
		;
	*llen = (size_t)(e - s);
	if (e < end && *e == '\r') {
		e++;
		if (e < end && *e == '\n')
			e++;
	} else if (e < end) {
		e++;
	}
	*p = e;
	return s;
}

/* fieldit_init - iterate over block[0..len) */
void fieldit_init(struct fieldit *it, const char *block, size_t len, int stop_at_blank)
{
	memset(it, 0, sizeof(*it));
	it->p = block;
	it->end = block + len;
	it->stop_at_blank = stop_at_blank;
}

/* name_is - the field name equals want, ignoring ASCII case */
int name_is(const char *n, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(n, want, nlen) == 0;
}

/* mem_casestr - first occurrence of needle in hay[0..len) ignoring case */
const char *mem_casestr(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;
	int c0;

	if (n == 0 || n > len)
		return n == 0 ? hay : NULL;
	c0 = needle[0] | 0x20;
	for (i = 0; i + n <= len; i++) {
		if (((hay[i] | 0x20) == c0) && strncasecmp(hay + i, needle, n) == 0)
			return hay + i;
	}
	return NULL;
}

/* field_name_len - length of a field name at the start of line, 0 if none */
static size_t field_name_len(const char *l, size_t n, size_t *colon)
{
	size_t i, e;

	for (i = 0; i < n && i < 128; i++) {
		unsigned char c = (unsigned char)l[i];

		if (c == ':')
			break;
		if (c <= ' ' || c >= 127) {
			/* allow "Name :" */
			size_t j = i;

			while (j < n && (l[j] == ' ' || l[j] == '\t'))
				j++;
			if (j < n && l[j] == ':' && i > 0) {
				*colon = j;
				return i;
			}
			return 0;
		}
	}
	if (i == 0 || i >= n || l[i] != ':')
		return 0;
	e = i;
	*colon = i;
	return e;
}

/* append_value - append text to val with runs of white space squeezed, capped at PARSE_MAX_FIELD */
static void append_value(struct buf *val, const char *s, size_t n)
{
	size_t i = 0, j, room;

	while (i < n && val->len < PARSE_MAX_FIELD) {
		if (s[i] == ' ' || s[i] == '\t') {
			if (val->len > 0 && val->data[val->len - 1] != ' ')
				buf_putc(val, ' ');
			while (i < n && (s[i] == ' ' || s[i] == '\t'))
				i++;
			continue;
		}
		for (j = i; j < n && s[j] != ' ' && s[j] != '\t'; j++)
			;
		room = PARSE_MAX_FIELD - val->len;
		buf_append(val, s + i, j - i < room ? j - i : room);
		i = j;
	}
}

/* fieldit_next - the next field; see fields.h */
int fieldit_next(struct fieldit *it, const char **name, size_t *nlen, struct buf *val)
{
	const char *l, *save;
	size_t ll, colon, nl;

	for (;;) {
		if (it->lines >= PARSE_MAX_HEADERS) {
			it->capped = 1;
			return 0;
		}
		l = line_next(&it->p, it->end, &ll);
		if (!l)
			return 0;
		it->lines++;
		if (ll == 0 && it->stop_at_blank) {
			it->body = it->p;
			it->p = it->end;
			return 0;
		}
		if (ll == 0 || l[0] == ' ' || l[0] == '\t')
			continue;
		nl = field_name_len(l, ll, &colon);
		if (nl)
			break;
	}
	*name = l;
	*nlen = nl;
	buf_reset(val);
	append_value(val, l + colon + 1, ll - colon - 1);
	if (val->len >= PARSE_MAX_FIELD)
		it->cut = 1;
	for (;;) {
		save = it->p;
		l = line_next(&it->p, it->end, &ll);
		if (!l || ll == 0 || (l[0] != ' ' && l[0] != '\t')) {
			it->p = save;
			break;
		}
		it->lines++;
		if (val->len && val->data[val->len - 1] != ' ')
			buf_putc(val, ' ');
		append_value(val, l, ll);
		if (val->len >= PARSE_MAX_FIELD)
			it->cut = 1;
		if (it->lines >= PARSE_MAX_HEADERS)
			break;
	}
	while (val->len && val->data[val->len - 1] == ' ')
		val->data[--val->len] = '\0';
	return 1;
}

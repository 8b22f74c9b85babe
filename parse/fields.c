/*
 * fields - "Name: value" iteration over header-like blocks, tolerant of the
 * line ends, folding and junk that real reports carry.
 */
#include <string.h>

#include "fields.h"
#include "report.h"

/*
 * eol_find - the first CR or LF in [s, end), or end. Both bytes are looked
 * for with memchr in windows, so a text with only one kind of line end is
 * never rescanned to its end for the other kind.
 */
const char *eol_find(const char *s, const char *end)
{
	while (s < end) {
		size_t w = (size_t)(end - s) < EOL_WINDOW ? (size_t)(end - s) : EOL_WINDOW;
		const char *lf = memchr(s, '\n', w);
		const char *cr = memchr(s, '\r', lf ? (size_t)(lf - s) : w);

		if (cr)
			return cr;
		if (lf)
			return lf;
		s += w;
	}
	return end;
}

/* line_next - the next line of [*p, end): returns its start, sets *llen; NULL at end */
const char *line_next(const char **p, const char *end, size_t *llen)
{
	const char *s = *p, *e;

	if (s >= end)
		return NULL;
	e = eol_find(s, end);
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

/* fold - ASCII lowercase of c (the C locale's tolower) */
static inline unsigned char fold(unsigned char c)
{
	return (unsigned char)((unsigned)c - 'A' < 26u ? c | 0x20 : c);
}

/* name_is - the field name equals want, ignoring ASCII case */
int name_is(const char *n, size_t nlen, const char *want)
{
	for (size_t i = 0; i < nlen; i++)
		if (want[i] == '\0' || fold((unsigned char)n[i]) != fold((unsigned char)want[i]))
			return 0;
	return want[nlen] == '\0';
}

/*
 * byte_rank - how often each byte turns up in mail text, roughly (lower is
 * rarer): ' ' 100; a letter, either case, 44 ('e') down to 19 ('z') as its
 * letter is frequent in English (both cases are searched for it); a digit 20;
 * . - , CR LF = / 18; any other byte 10
 */
static const unsigned char byte_rank[256] = {
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 18, 10, 10, 18, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	100, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 18, 18, 18, 18,
	20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 10, 10, 10, 18, 10, 10,
	10, 42, 25, 33, 34, 44, 30, 28, 36, 40, 21, 23, 35, 31, 39, 41,
	29, 20, 37, 38, 43, 32, 24, 27, 22, 26, 19, 10, 10, 10, 10, 10,
	10, 42, 25, 33, 34, 44, 30, 28, 36, 40, 21, 23, 35, 31, 39, 41,
	29, 20, 37, 38, 43, 32, 24, 27, 22, 26, 19, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
};

/* ci_match - s[0..n) equals the lowercase-folded needle, ignoring ASCII case */
static inline int ci_match(const unsigned char *s, const unsigned char *needle, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold(s[i]) != fold(needle[i]))
			return 0;
	return 1;
}

/*
 * mem_casestr - first occurrence of needle in hay[0..len) ignoring ASCII
 * case. The rarest-looking byte of the needle is the anchor: memchr finds
 * its next place (both cases for a letter, each scan resumed only once
 * passed) and only there is the whole needle compared.
 */
const char *mem_casestr(const char *hay, size_t len, const char *needle)
{
	const unsigned char *nd = (const unsigned char *)needle;
	size_t n = strlen(needle), k = 0, i;
	const char *p, *last, *lo = NULL, *up = NULL, *c;
	unsigned char a1, a2;
	int best = 1000, lo_gone = 0, up_gone = 0;

	if (n == 0 || n > len)
		return n == 0 ? hay : NULL;
	for (i = 0; i < n; i++) {
		int r = byte_rank[nd[i]];

		if (r < best)
			best = r, k = i;
	}
	a1 = fold(nd[k]);
	a2 = (unsigned char)(a1 >= 'a' && a1 <= 'z' ? a1 - 0x20 : a1);
	p = hay + k;                 /* where the anchor may be */
	last = hay + (len - n) + k;  /* its last possible place */
	while (p <= last) {
		size_t w = (size_t)(last - p) + 1;

		if (a1 == a2) {
			c = memchr(p, a1, w);
		} else {
			/* each case's next place, looked for again only once passed */
			if (!lo_gone && (!lo || lo < p))
				lo_gone = (lo = memchr(p, a1, w)) == NULL;
			if (!up_gone && (!up || up < p))
				up_gone = (up = memchr(p, a2, w)) == NULL;
			c = lo_gone ? up : up_gone ? lo : lo < up ? lo : up;
		}
		if (!c)
			return NULL;
		if (ci_match((const unsigned char *)c - k, nd, n))
			return c - k;
		p = c + 1;
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

/* append_value_slow - append_value byte run by byte run through buf_append */
static void append_value_slow(struct buf *val, const char *s, size_t n)
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

/*
 * append_value - append text to val with runs of white space squeezed,
 * capped at PARSE_MAX_FIELD: room for the whole piece is reserved once and
 * each word is copied with its end found by memchr.
 */
static void append_value(struct buf *val, const char *s, size_t n)
{
	const char *p = s, *e = s + n, *tab, *sp, *w;
	char *d, *dend;
	size_t room, k;

	if (val->len >= PARSE_MAX_FIELD || n == 0)
		return;
	room = PARSE_MAX_FIELD - val->len;
	if (room > n)
		room = n;
	if (buf_reserve(val, room) < 0) {
		append_value_slow(val, s, n);
		return;
	}
	d = val->data + val->len;
	dend = d + room;
	tab = memchr(p, '\t', n);
	while (p < e && d < dend) {
		if (*p == ' ' || *p == '\t') {
			if (d > val->data && d[-1] != ' ')
				*d++ = ' ';
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			continue;
		}
		if (tab && tab < p)
			tab = memchr(p, '\t', (size_t)(e - p));
		sp = memchr(p, ' ', (size_t)(tab ? tab - p : e - p));
		w = sp ? sp : tab ? tab : e;
		k = (size_t)(w - p);
		if (k > (size_t)(dend - d))
			k = (size_t)(dend - d);
		memcpy(d, p, k);
		d += k;
		p = w;
	}
	val->len = (size_t)(d - val->data);
	val->data[val->len] = '\0';
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
		if (it->peek && it->peek == it->p) {   /* read ahead by the last call */
			l = it->peek;
			ll = it->peek_len;
			it->p = it->peek_next;
			it->peek = NULL;
		} else {
			l = line_next(&it->p, it->end, &ll);
		}
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
			if (l) {
				it->peek = l;
				it->peek_len = ll;
				it->peek_next = it->p;
			}
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

/*
 * str - string helpers.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "mem.h"
#include "str.h"

/* strlist_add_own - append s, taking ownership */
void strlist_add_own(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

/* strlist_add - append a copy of s */
void strlist_add(struct strlist *l, const char *s)
{
	strlist_add_own(l, xstrdup(s));
}

int strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int strlist_has_ci(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* str_copy - bounded copy */
int str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return -1;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

/* str_to_long - strict decimal parse */
int str_to_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

char *str_trim(char *s)
{
	char *p = s, *e;

	while (*p && isspace((unsigned char)*p))
		p++;
	if (p != s)
		memmove(s, p, strlen(p) + 1);
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

char *str_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

int str_has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 1;
	}
	return 0;
}

/* bidi - 1 for the bidirectional formatting controls a terminal or mail reader obeys */
static int bidi(unsigned cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t str_ctl_len(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	unsigned v;

	if (n == 0)
		return 0;
	if (p[0] < 0x20 || p[0] == 0x7f) {
		*cp = p[0];
		return 1;
	}
	if (p[0] < 0x80)
		return 0;
	if ((k = utf8_seq_len(p, n)) == 0) {
		if (p[0] > 0x9f)
			return 0;
		*cp = p[0];     /* a stray C1 byte: CSI (0x9b) to an 8-bit terminal */
		return 1;
	}
	if (k == 2)
		v = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	else if (k == 3)
		v = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	else
		return 0;
	if ((v >= 0x80 && v <= 0x9f) || bidi(v)) {
		*cp = v;
		return k;
	}
	return 0;
}

char *str_sanitize(const char *s, size_t max)
{
	size_t n, i = 0, o = 0, k;
	unsigned cp;
	char *p;

	if (s == NULL)
		return NULL;
	n = strnlen(s, max);
	p = xmalloc(n + 1);
	while (i < n) {
		size_t j = i;

		/* printable ASCII, most of any header, is copied a run at a time */
		while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7f)
			j++;
		if (j > i) {
			memcpy(p + o, s + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		if ((k = str_ctl_len(s + i, n - i, &cp)) > 0) {
			p[o++] = ' ';
			i += k;
			continue;
		}
		if ((k = utf8_seq_len((const unsigned char *)s + i, n - i)) == 0)
			k = 1;
		memcpy(p + o, s + i, k);
		o += k;
		i += k;
	}
	p[o] = '\0';
	return p;
}

int str_domain_match(const char *host, const char *domain)
{
	size_t hl, dl;

	if (host == NULL || domain == NULL || *domain == '\0')
		return 0;
	hl = strlen(host);
	dl = strlen(domain);
	if (hl == dl)
		return strcasecmp(host, domain) == 0;
	if (hl > dl && host[hl - dl - 1] == '.')
		return strcasecmp(host + hl - dl, domain) == 0;
	return 0;
}

/* put2 - two decimal digits */
static char *put2(char *p, int v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* time_rfc3339 - UTC timestamp YYYY-MM-DDTHH:MM:SSZ (years 0..9999) */
void time_rfc3339(time_t t, char out[32])
{
	struct tm tm;
	char *p = out;
	int y;

	gmtime_r(&t, &tm);
	y = tm.tm_year + 1900;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	p = put2(p, y / 100);
	p = put2(p, y % 100);
	*p++ = '-';
	p = put2(p, tm.tm_mon + 1);
	*p++ = '-';
	p = put2(p, tm.tm_mday);
	*p++ = 'T';
	p = put2(p, tm.tm_hour);
	*p++ = ':';
	p = put2(p, tm.tm_min);
	*p++ = ':';
	p = put2(p, tm.tm_sec);
	*p++ = 'Z';
	*p = '\0';
}

static int month_index(const char *m)
{
	static const char *names[] = { "jan", "feb", "mar", "apr", "may", "jun",
				       "jul", "aug", "sep", "oct", "nov", "dec" };
	for (int i = 0; i < 12; i++)
		if (strncasecmp(m, names[i], 3) == 0)
			return i;
	return -1;
}

/*
 * zone_offset - seconds east of UTC for a numeric (+hhmm, +hh:mm) or a named
 * zone; -1 when z is no zone we know, -2 for a numeric zone that cannot be
 * (hours above 23, minutes above 59): -2400 would move a date by a day
 */
static int zone_offset(const char *z, long *off)
{
	static const struct { const char *n; int h; } zones[] = {
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
		{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
		{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
		{ "CET", 1 }, { "CEST", 2 }, { "BST", 1 }, { "JST", 9 },
	};
	if (*z == '+' || *z == '-') {
		int sign = *z == '-' ? -1 : 1;
		int i;
		long v = 0;

		for (i = 1; i <= 4; i++) {
			if (!isdigit((unsigned char)z[i]))
				break;
			v = v * 10 + (z[i] - '0');
		}
		if (i == 5) {
			if (v / 100 > 23 || v % 100 > 59)
				return -2;
			*off = sign * ((v / 100) * 3600 + (v % 100) * 60);
			return 0;
		}
		if (i == 3 && z[3] == ':' && isdigit((unsigned char)z[4]) &&
		    isdigit((unsigned char)z[5])) {
			long m = (z[4] - '0') * 10 + (z[5] - '0');

			if (v > 23 || m > 59)
				return -2;
			*off = sign * (v * 3600 + m * 60);
			return 0;
		}
		return -1;
	}
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		size_t n = strlen(zones[i].n);

		if (strncasecmp(z, zones[i].n, n) == 0 && !isalpha((unsigned char)z[n])) {
			*off = zones[i].h * 3600L;
			return 0;
		}
	}
	return -1;
}

/* num - up to maxd digits at *p; -1 when none */
static int num(const char **p, int maxd)
{
	int v = 0, d = 0;

	while (d < maxd && isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		d++;
	}
	return d ? v : -1;
}

static void skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/*
 * time_parse_rfc5322 - "[Day,] DD Mon YYYY HH:MM[:SS] zone"; a two-digit year
 * is 1950-2049, a three-digit one 1900 + it (RFC 5322 obs-year), a year of
 * four digits is taken as written. Refused (-1): a year before 1970 or after
 * 9999, a numeric zone out of range, a result before the epoch. A zone name
 * we do not know counts as UTC.
 */
int time_parse_rfc5322(const char *s, time_t *out)
{
	int d, y, hh, mm, ss = 0, z;
	long off = 0;
	struct tm tm;
	const char *p = s, *yp;
	time_t t;

	if (s == NULL)
		return -1;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (isalpha((unsigned char)*p)) {       /* day name */
		while (isalpha((unsigned char)*p))
			p++;
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
	}
	if ((d = num(&p, 3)) < 0)         /* "029 Apr" is seen in the wild */
		return -1;
	skip_space(&p);
	memset(&tm, 0, sizeof(tm));
	if (!isalpha((unsigned char)p[0]) || !isalpha((unsigned char)p[1]) ||
	    !isalpha((unsigned char)p[2]) || (tm.tm_mon = month_index(p)) < 0)
		return -1;
	while (isalpha((unsigned char)*p))
		p++;
	skip_space(&p);
	yp = p;
	if ((y = num(&p, 4)) < 0)
		return -1;
	if (p - yp == 3)
		y += 1900;
	else if (p - yp < 3)
		y += y < 50 ? 2000 : 1900;
	skip_space(&p);
	if ((hh = num(&p, 3)) < 0 || *p++ != ':' || (mm = num(&p, 3)) < 0)
		return -1;
	if (*p == ':' && (p++, (ss = num(&p, 3)) < 0))
		return -1;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p && (z = zone_offset(p, &off)) < 0) {
		if (z == -2)
			return -1;
		off = 0;
	}
	tm.tm_mday = d;
	tm.tm_year = y - 1900;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || y < 1970 || y > 9999)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1 || t - off < 0)
		return -1;
	*out = t - off;
	return 0;
}

/* time_parse_any - RFC 3339, ISO-like, or RFC 5322; the same refusals as time_parse_rfc5322 */
int time_parse_any(const char *s, time_t *out)
{
	int y, mo, d, hh = 0, mm = 0, ss = 0, n = 0, z;
	struct tm tm;
	long off = 0;
	time_t t;
	const char *p;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3) {
		p = s + n;
		if (*p == 'T' || *p == 't' || *p == ' ') {
			int k = 0;

			if (sscanf(p + 1, "%2d:%2d:%2d%n", &hh, &mm, &ss, &k) == 3) {
				p += 1 + k;
				if (*p == '.')
					while (isdigit((unsigned char)*++p))
						;
				while (*p == ' ')
					p++;
				if (*p && (z = zone_offset(p, &off)) < 0) {
					if (z == -2)
						return -1;
					off = 0;
				}
			}
		}
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = hh;
		tm.tm_min = mm;
		tm.tm_sec = ss;
		if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 ||
		    y < 1970 || y > 9999)
			return -1;
		t = timegm(&tm);
		if (t == (time_t)-1 || t - off < 0)
			return -1;
		*out = t - off;
		return 0;
	}
	return time_parse_rfc5322(s, out);
}

/* time_parse_span - a duration with unit s, m, h, d or w */
int time_parse_span(const char *s, long *out)
{
	char *end;
	long v, mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	default: return -1;
	}
	if (*end && end[1] != '\0')
		return -1;
	if (v > LONG_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/* str_hexval - see str.h */
int str_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * attack - the source address of a plain-text attack report, taken
 * conservatively.
 *
 * Only two kinds of text name the source:
 *   - fail2ban's mail actions: "The IP 203.0.113.5 has just been banned by
 *     Fail2Ban after 5 attempts against sshd." (confidence high);
 *   - log lines: a line that starts with a timestamp (syslog "Mar  8
 *     06:19:02", ISO 8601 "2024-03-08 06:19:02" or "2024-03-08T06:19:02Z",
 *     RFC 5322 "[Fri, ]8 Mar 2024 06:19:02 +0100", any of them in brackets)
 *     or holds a web server's "[08/Mar/2024:06:19:02 +0100]" stamp. The
 *     first address on each such line counts; the address named on most
 *     lines is the source (high when every line names it and there are at
 *     least two, else medium). The first stamp of that address's lines is
 *     the report's arrival time (the NAT lookup's time) when it states its
 *     zone; a syslog stamp has neither year nor zone and sets none.
 * Lines quoted with '>', header lines ("Received: from ..."), everything
 * below a signature line ("-- ") and the whois text of fail2ban's mails are
 * never read for addresses. When neither kind is found, the prose fallback
 * (the first address in the unquoted text above the signature) is low.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "../util/mem.h"

#define ATTACK_MAX_IPS   64      /* distinct addresses counted */
#define ATTACK_MAX_LINES 100000  /* lines looked at */

struct ipcount { char ip[46]; long n; size_t line; char stamp[40]; };

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
	"Sep", "Oct", "Nov", "Dec" };

/* digits - s[0..n) are digits */
static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* clock_at - "hh:mm:ss" at s (n bytes left) */
static int clock_at(const char *s, size_t n)
{
	return n >= 8 && digits(s, 2) && s[2] == ':' && digits(s + 3, 2) && s[5] == ':' &&
	       digits(s + 6, 2);
}

/* month_at - a month abbreviation at s */
static int month_at(const char *s, size_t n)
{
	if (n < 3)
		return 0;
	for (size_t i = 0; i < 12; i++)
		if (strncasecmp(s, months[i], 3) == 0)
			return 1;
	return 0;
}

/* zone_len - a numeric zone "+hhmm" / "-hhmm" or "GMT", "UT", "UTC", "Z" at s; its length */
static size_t zone_len(const char *s, size_t n)
{
	size_t k = 0;

	if (n >= 5 && (s[0] == '+' || s[0] == '-') && digits(s + 1, 4))
		return 5;
	while (k < n && k < 4 && isalpha((unsigned char)s[k]))
		k++;
	if ((k == 3 && (!strncasecmp(s, "GMT", 3) || !strncasecmp(s, "UTC", 3))) ||
	    (k == 2 && !strncasecmp(s, "UT", 2)) || (k == 1 && (s[0] == 'Z' || s[0] == 'z')))
		return k;
	return 0;
}

/* keep - the stamp s[0..n) as the arrival text, when it fits */
static void keep(char *iso, size_t isize, const char *s, size_t n)
{
	if (n < isize) {
		memcpy(iso, s, n);
		iso[n] = '\0';
	}
}

/*
 * rfc5322_len - "[Fri, ]8 Mar 2024 06:19:02[ +0100]" at s (RFC 5322's
 * date-time, as mail tools and many loggers write it); its length, 0 when
 * none. A stated zone also sets iso (the stamp's text, for the arrival time).
 */
static size_t rfc5322_len(const char *s, size_t n, char *iso, size_t isize)
{
	size_t i = 0, z;

	if (n >= 5 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
	    isalpha((unsigned char)s[2]) && s[3] == ',') {
		i = 4;
		while (i < n && s[i] == ' ')
			i++;
	}
	if (i < n && isdigit((unsigned char)s[i]) && i + 1 < n && isdigit((unsigned char)s[i + 1]))
		i += 2;
	else if (i < n && isdigit((unsigned char)s[i]))
		i += 1;
	else
		return 0;
	/* " Mar 2024 06:19:02" */
	if (n - i < 18 || s[i] != ' ' || !month_at(s + i + 1, n - i - 1) || s[i + 4] != ' ' ||
	    !digits(s + i + 5, 4) || s[i + 9] != ' ' || !clock_at(s + i + 10, n - i - 10))
		return 0;
	i += 18;
	if (i + 1 < n && s[i] == ' ' && (z = zone_len(s + i + 1, n - i - 1)) > 0) {
		i += 1 + z;
		keep(iso, isize, s, i);
	}
	return i;
}

/*
 * stamp_len - length of a timestamp at the start of s (after blanks and
 * one '['), 0 when the line does not start with one; a stamp that states
 * its zone also sets iso (the stamp's text, for the arrival time)
 */
static size_t stamp_len(const char *s, size_t n, char *iso, size_t isize)
{
	size_t i = 0, k;

	iso[0] = '\0';
	while (i < n && i < 8 && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '[')
		i++;
	/* ISO 8601: 2024-03-08[T ]06:19:02[.frac][Z|+hh:mm] */
	if (n - i >= 19 && digits(s + i, 4) && s[i + 4] == '-' && digits(s + i + 5, 2) &&
	    s[i + 7] == '-' && digits(s + i + 8, 2) && (s[i + 10] == 'T' || s[i + 10] == ' ') &&
	    clock_at(s + i + 11, n - i - 11)) {
		k = i + 19;
		while (k < n && (s[k] == '.' || isdigit((unsigned char)s[k])))
			k++;
		if (k < n && (s[k] == 'Z' || s[k] == 'z'))
			keep(iso, isize, s + i, ++k - i);
		else if (k + 6 <= n && (s[k] == '+' || s[k] == '-') && digits(s + k + 1, 2) &&
			 s[k + 3] == ':' && digits(s + k + 4, 2))
			keep(iso, isize, s + i, (k += 6) - i);
		return k;
	}
	if ((k = rfc5322_len(s + i, n - i, iso, isize)) > 0)
		return i + k;
	/* syslog: Mar  8 06:19:02 */
	if (n - i >= 15 && month_at(s + i, n - i) && s[i + 3] == ' ' &&
	    (s[i + 4] == ' ' || isdigit((unsigned char)s[i + 4])) && isdigit((unsigned char)s[i + 5]) &&
	    s[i + 6] == ' ' && clock_at(s + i + 7, n - i - 7))
		return i + 15;
	return 0;
}

/*
 * weblog_stamp - the line holds a web server's "[08/Mar/2024:06:19:02"
 * stamp; with its zone (" +0100]"), iso gets it as "08 Mar 2024 06:19:02 +0100"
 */
static int weblog_stamp(const char *s, size_t n, char *iso, size_t isize)
{
	const char *p = s, *e = s + n;

	iso[0] = '\0';
	while ((p = memchr(p, '[', (size_t)(e - p))) != NULL) {
		if (e - p >= 21 && digits(p + 1, 2) && p[3] == '/' && month_at(p + 4, 3) &&
		    p[7] == '/' && digits(p + 8, 4) && p[12] == ':' && clock_at(p + 13, (size_t)(e - p - 13))) {
			if (e - p >= 27 && p[21] == ' ' && zone_len(p + 22, (size_t)(e - p - 22)) == 5 && isize > 26)
				snprintf(iso, isize, "%.2s %.3s %.4s %.8s %.5s", p + 1, p + 4, p + 8, p + 13, p + 22);
			return 1;
		}
		p++;
	}
	return 0;
}

/* header_line - "Name: value" with a header-like name */
static int header_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-'))
		i++;
	return i > 0 && i < 40 && i + 1 < n && s[i] == ':' && (s[i + 1] == ' ' || s[i + 1] == '\t') &&
	       isalpha((unsigned char)s[0]);
}

/* count_ip - one more line naming ip */
static void count_ip(struct ipcount *v, size_t *nv, const char *ip, size_t line, const char *stamp)
{
	for (size_t i = 0; i < *nv; i++)
		if (!strcmp(v[i].ip, ip)) {
			v[i].n++;
			return;
		}
	if (*nv >= ATTACK_MAX_IPS)
		return;
	str_copy(v[*nv].ip, sizeof(v[*nv].ip), ip);
	str_copy(v[*nv].stamp, sizeof(v[*nv].stamp), stamp);
	v[*nv].n = 1;
	v[*nv].line = line;
	(*nv)++;
}

/* fail2ban - the address fail2ban's sentence names; 1 found */
static int fail2ban(struct report *r, const char *t, size_t n)
{
	const char *p = mem_casestr(t, n, "banned by Fail2Ban"), *s;
	char ip[46], jail[64] = "", field[128];
	size_t k = 0;

	if (p == NULL)
		return 0;
	/* "The IP <ip> has just been" is just before the phrase (perhaps over a line break) */
	s = p - (p - t > 120 ? 120 : p - t);
	if ((s = mem_casestr(s, (size_t)(p - s), "The IP ")) == NULL || !find_ip(s, (size_t)(p - s), ip))
		return 0;
	set_str(&r->source_ip, ip);
	/* "... after N attempts against JAIL." */
	if ((s = mem_casestr(p, (size_t)(t + n - p) > 200 ? 200 : (size_t)(t + n - p), "against ")) != NULL) {
		s += 8;
		while (s < t + n && k + 1 < sizeof(jail) && (isalnum((unsigned char)*s) || *s == '-' ||
		       *s == '_'))
			jail[k++] = *s++;
		jail[k] = '\0';
	}
	snprintf(field, sizeof(field), "fail2ban ban line (jail %s)", jail[0] ? jail : "?");
	set_str(&r->source_field, field);
	r->source_sure = SRC_SURE_HIGH;
	return 1;
}

/* attack_log_lines - how many unquoted log lines naming an address t[0..n) holds (above a signature) */
size_t attack_log_lines(const char *t, size_t n)
{
	const char *p = t, *e = t + n;
	size_t lines = 0, logl = 0;
	char ip[46], iso[40];

	while (p && p < e && lines++ < ATTACK_MAX_LINES) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p), st;

		if ((len == 2 && !memcmp(p, "--", 2)) || (len == 3 && !memcmp(p, "-- ", 3)))
			break;
		if (len && p[0] != '>' && !header_line(p, len)) {
			st = stamp_len(p, len, iso, sizeof(iso));
			if ((st || weblog_stamp(p, len, iso, sizeof(iso))) && find_ip(p + st, len - st, ip))
				logl++;
		}
		p = nl ? nl + 1 : e;
	}
	return logl;
}

/* attack_source - the source of a plain-text report (see above); 1 when set */
int attack_source(struct report *r, const char *t, size_t n)
{
	struct ipcount v[ATTACK_MAX_IPS];
	size_t nv = 0, lines = 0, logl = 0, best = 0;
	const char *p = t, *e = t + n;
	char ip[46], iso[40], field[160], prose[46] = "";
	int prose_many = 0;

	if (t == NULL || n == 0)
		return 0;
	if (fail2ban(r, t, n))
		return 1;
	while (p < e && lines++ < ATTACK_MAX_LINES) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);

		if ((len == 2 && !memcmp(p, "--", 2)) || (len == 3 && !memcmp(p, "-- ", 3)))
			break;                           /* the signature: nothing below is read */
		if (len && p[0] != '>' && !header_line(p, len)) {
			size_t st = stamp_len(p, len, iso, sizeof(iso));

			if ((st || weblog_stamp(p, len, iso, sizeof(iso))) && find_ip(p + st, len - st, ip)) {
				logl++;
				count_ip(v, &nv, ip, lines, iso);
			} else if (find_ip(p, len, ip)) {
				if (!prose[0])
					str_copy(prose, sizeof(prose), ip);
				else if (strcmp(prose, ip) != 0)
					prose_many = 1;
			}
		}
		p = nl ? nl + 1 : e;
	}
	if (nv == 0) {
		if (!prose[0])
			return 0;
		set_str(&r->source_ip, prose);
		set_str(&r->source_field, "text");
		r->source_sure = SRC_SURE_LOW;
		if (prose_many)
			report_warn(r, "the text names more than one address and no log line: the first taken");
		return 1;
	}
	for (size_t i = 1; i < nv; i++)
		if (v[i].n > v[best].n)
			best = i;
	set_str(&r->source_ip, v[best].ip);
	snprintf(field, sizeof(field), "log line %zu of the text (%ld of %zu log lines)", v[best].line,
		 v[best].n, logl);
	set_str(&r->source_field, field);
	r->source_sure = nv == 1 && logl >= 2 ? SRC_SURE_HIGH : SRC_SURE_MEDIUM;
	if (nv > 1)
		report_warn(r, "log lines name %zu addresses; the one on most lines taken", nv);
	if (!r->arrival_date && v[best].stamp[0])
		set_arrival(r, v[best].stamp);
	return 1;
}

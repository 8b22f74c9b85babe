/*
 * urls - the web addresses a complaint's own words name (a phishing page, a
 * malware download, a spamvertised site), for reports that have no field
 * for them: the unquoted text above the signature and the Subject.
 *
 * Reporters often defang what they quote so that nobody clicks it:
 * "hxxp://", "hxxps://", "http[:]//", "evil[.]example(.)com", "[dot]". Those
 * are read back to the address they stand for. A URL ends at white space or
 * a character no URL holds (<, >, quotes, backquote, braces, |, \); a closing
 * ')' or ']' it did not open and trailing punctuation (".,;:!?") are the
 * sentence's, not the URL's; a host must start as one (a reporter's
 * "*MUNGED*" or "[Site URL]" is none). At most URLS_MAX addresses, each at most
 * URL_MAX bytes (and the field cap of list_add); repeats are kept once.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"

#define URLS_MAX 20          /* addresses taken from one report */
#define URL_MAX  2048        /* bytes of one address */
#define URLS_MAX_LINES 20000 /* lines looked at */

static const struct { const char *in; const char *out; } schemes[] = {
	{ "https://", "https://" }, { "http://", "http://" }, { "hxxps://", "https://" },
	{ "hxxp://", "http://" }, { "https[:]//", "https://" }, { "http[:]//", "http://" },
	{ "hxxps[:]//", "https://" }, { "hxxp[:]//", "http://" }, { "ftp://", "ftp://" },
};
static const struct { const char *in; char out; } fangs[] = {
	{ "[.]", '.' }, { "(.)", '.' }, { "{.}", '.' }, { "[dot]", '.' }, { "(dot)", '.' }, { "[:]", ':' },
};

/* scheme_at - the scheme at p (n bytes left): its index, or -1 */
static int scheme_at(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t k = strlen(schemes[i].in);

		if (n >= k && !strncasecmp(p, schemes[i].in, k))
			return (int)i;
	}
	return -1;
}

/* host_start - h starts a host: a letter or digit, or "[" and an IPv6 digit ("*MUNGED*" and
 * "[Site" are a reporter's placeholders, not hosts) */
static int host_start(const char *h)
{
	if (h[0] == '[')
		return isxdigit((unsigned char)h[1]) || h[1] == ':';
	return isalnum((unsigned char)h[0]) || (unsigned char)h[0] >= 0x80;
}

/* take - the URL at p (after its scheme s) into out; bytes of p used, 0 when none */
static size_t take(const char *p, size_t n, int s, char *out, size_t size)
{
	size_t i = strlen(schemes[s].in), k = 0, j;
	int paren = 0, brack = 0;

	str_copy(out, size, schemes[s].out);
	k = strlen(out);
	while (i < n && k + 1 < size) {
		unsigned char ch = (unsigned char)p[i];

		for (j = 0; j < sizeof(fangs) / sizeof(fangs[0]); j++) {
			size_t fl = strlen(fangs[j].in);

			if (n - i >= fl && !strncasecmp(p + i, fangs[j].in, fl))
				break;
		}
		if (j < sizeof(fangs) / sizeof(fangs[0])) {
			out[k++] = fangs[j].out;
			i += strlen(fangs[j].in);
			continue;
		}
		if (ch <= ' ' || ch == 0x7f || strchr("<>\"'`{}|\\^", ch))
			break;
		if (ch == '(')
			paren++;
		else if (ch == '[')
			brack++;
		else if ((ch == ')' && paren-- <= 0) || (ch == ']' && brack-- <= 0))
			break;
		out[k++] = (char)ch;
		i++;
	}
	out[k] = '\0';
	while (k > strlen(schemes[s].out) && strchr(".,;:!?", out[k - 1]))
		out[--k] = '\0';
	return host_start(out + strlen(schemes[s].out)) ? i : 0;
}

/* scan - the URLs of t[0..n); lines quoted with '>' and what follows a signature are left */
static void scan(struct report *r, const char *t, size_t n, int lines)
{
	const char *p = t, *e = t + n;
	size_t nl = 0;
	char url[URL_MAX];

	while (p < e && nl++ < URLS_MAX_LINES && r->reported_uris.n < URLS_MAX) {
		const char *eol = memchr(p, '\n', (size_t)(e - p));
		size_t len = eol ? (size_t)(eol - p) : (size_t)(e - p), i = 0;

		if (lines && ((len == 2 && !memcmp(p, "--", 2)) || (len == 3 && !memcmp(p, "-- ", 3))))
			break;
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (!lines || i >= len || p[i] != '>') {
			for (; i < len && r->reported_uris.n < URLS_MAX; i++) {
				int s;
				size_t used;

				if ((p[i] != 'h' && p[i] != 'H' && p[i] != 'f' && p[i] != 'F') ||
				    (i > 0 && isalnum((unsigned char)p[i - 1])) || (s = scheme_at(p + i, len - i)) < 0)
					continue;
				if ((used = take(p + i, len - i, s, url, sizeof(url))) == 0)
					continue;
				list_add(r, &r->reported_uris, url, "reported URIs");
				i += used - 1;
			}
		}
		p = eol ? eol + 1 : e;
	}
}

void text_urls(struct report *r, const char *t, size_t n)
{
	if (r->subject)
		scan(r, r->subject, strlen(r->subject), 0);
	if (t && n)
		scan(r, t, n, 1);
}

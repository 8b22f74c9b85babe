/*
 * common - small setters the format readers share: sanitized strings, capped
 * lists, Source-IP and date normalisation, addresses and IPs found in text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"

/* set_str - replace *dst with a sanitized copy of v (NULL or empty clears) */
void set_str(char **dst, const char *v)
{
	char *s;

	if (!v)
		return;
	s = str_sanitize(v, PARSE_MAX_FIELD);
	str_trim(s);
	if (!*s) {
		free(s);
		return;
	}
	free(*dst);
	*dst = s;
}

/* set_str_lower - set_str, lowercased */
void set_str_lower(char **dst, const char *v)
{
	set_str(dst, v);
	if (*dst)
		str_lower(*dst);
}

/* list_add - add a sanitized copy of v to l, at most PARSE_MAX_LIST entries */
void list_add(struct report *r, struct strlist *l, const char *v, const char *what)
{
	char *s;

	if (!v || !*v)
		return;
	if (l->n >= PARSE_MAX_LIST) {
		report_warn(r, "more than %d %s; the rest ignored", PARSE_MAX_LIST, what);
		return;
	}
	s = str_sanitize(v, PARSE_MAX_FIELD);
	str_trim(s);
	if (!*s || strlist_has(l, s)) {
		free(s);
		return;
	}
	strlist_add_own(l, s);
}

/* set_source_ip - the address in a Source-IP-like value ("ip (comment)", "[ip]"); 1 when set */
int set_source_ip(struct report *r, const char *v)
{
	char tok[128], out[46];
	size_t n = 0;

	while (*v == ' ' || *v == '\t' || *v == '[' || *v == '<')
		v++;
	while (v[n] && n < sizeof(tok) - 1 && !strchr(" \t()[];,<>", v[n]))
		n++;
	memcpy(tok, v, n);
	tok[n] = '\0';
	if (n == 0)
		return 0;
	if (ip_normalize(tok, out) == 0) {
		set_str(&r->source_ip, out);
		return 1;
	}
	if (strpbrk(tok, "xX*#"))
		report_warn(r, "source IP is redacted (%.60s)", tok);
	else
		report_warn(r, "source IP not understood (%.60s)", tok);
	return 0;
}

/* set_arrival - arrival_date from any common date form */
void set_arrival(struct report *r, const char *v)
{
	time_t t;
	char out[32];

	if (!v || !*v)
		return;
	if (time_parse_any(v, &t) != 0) {
		report_warn(r, "arrival date not understood (%.60s)", v);
		return;
	}
	r->arrival = t;
	time_rfc3339(t, out);
	set_str(&r->arrival_date, out);
}

/* atext - an RFC 5322 atom character */
static int atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* plain_addr - [a, e) is a plain addr-spec: dot-atom "@" a host name, not an IDN */
static int plain_addr(const char *a, const char *e)
{
	const char *at = memchr(a, '@', (size_t)(e - a)), *p;

	if (!at || at == a || at + 1 >= e || a[0] == '.' || at[-1] == '.' || at[1] == '.' || e[-1] == '.')
		return 0;
	for (p = a; p < at; p++)
		if (!atext((unsigned char)*p) && !(*p == '.' && p[1] != '.'))
			return 0;
	for (p = at + 1; p < e; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && !(*p == '.' && p[1] != '.'))
			return 0;
	return !memmem(at, (size_t)(e - at), "xn--", 4);
}

/*
 * simple_addr - the address of the common forms "a@b", "<a@b>" and
 * "Plain Name <a@b>" (letters, digits, spaces, '-' and '_' in the name),
 * or NULL for anything else, which GMime's address parser reads
 */
static char *simple_addr(const char *v)
{
	const char *lt = strchr(v, '<'), *a, *e, *p;

	if (lt) {
		for (p = v; p < lt; p++)
			if (!isalnum((unsigned char)*p) && *p != ' ' && *p != '\t' && *p != '-' && *p != '_')
				return NULL;
		a = lt + 1;
		if (!(e = strchr(a, '>')))
			return NULL;
		for (p = e + 1; *p == ' ' || *p == '\t'; p++)
			;
		if (*p)
			return NULL;
	} else {
		for (a = v; *a == ' ' || *a == '\t'; a++)
			;
		for (e = a + strlen(a); e > a && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
	}
	return plain_addr(a, e) ? xstrndup(a, (size_t)(e - a)) : NULL;
}

/* addr_only - the first mailbox address in an address header value, or NULL */
char *addr_only(const char *v)
{
	InternetAddressList *l;
	const char *a = NULL, *lt, *gt;
	char *res = NULL;
	int i, n;

	if (!v)
		return NULL;
	if ((res = simple_addr(v)) != NULL)
		return res;
	l = internet_address_list_parse(NULL, v);
	if (l) {
		n = internet_address_list_length(l);
		for (i = 0; i < n && !a; i++) {
			InternetAddress *ia = internet_address_list_get_address(l, i);

			if (INTERNET_ADDRESS_IS_MAILBOX(ia))
				a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		}
		if (a && strchr(a, '@'))
			res = str_sanitize(a, PARSE_MAX_FIELD);
		g_object_unref(l);
	}
	if (!res && (lt = strchr(v, '<')) && (gt = strchr(lt, '>')) && memchr(lt, '@', (size_t)(gt - lt)))
		res = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	return res;
}

/* angle_strip - a copy of v without surrounding white space and <> */
char *angle_strip(const char *v)
{
	char *t, *s;
	size_t n;

	if (!v)
		return NULL;
	while (*v == ' ' || *v == '\t' || *v == '<')
		v++;
	n = strcspn(v, ">");
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (!n)
		return NULL;
	t = xstrndup(v, n);
	s = str_sanitize(t, PARSE_MAX_FIELD);
	free(t);
	return s;
}

/* ip_char4 - character of a dotted quad */
static int ip_char4(int c)
{
	return isdigit(c) || c == '.';
}

/* ip_char6 - character of an IPv6 address */
static int ip_char6(int c)
{
	return isxdigit(c) || c == ':' || c == '.';
}

/* try_token - is s[0..n) a plausible address to name in a complaint */
static int try_token(const char *s, size_t n, char out[46])
{
	char tok[64];
	struct ipaddr a;
	size_t i, colons = 0, dots = 0;

	if (n < 7 || n >= sizeof(tok))
		return 0;
	memcpy(tok, s, n);
	tok[n] = '\0';
	while (n && tok[n - 1] == '.')
		tok[--n] = '\0';
	for (i = 0; i < n; i++) {
		colons += tok[i] == ':';
		dots += tok[i] == '.';
	}
	if (colons == 0 && dots != 3)
		return 0;
	if (colons && colons < 7 && !strstr(tok, "::"))
		return 0;
	if (ip_parse(tok, &a) != 0)
		return 0;
	if (ip_is_v4(&a)) {
		unsigned char b0 = a.b[12];

		if (b0 == 0 || b0 == 127 || b0 >= 224)
			return 0;
	}
	ip_format(&a, out);
	return 1;
}

/* find_ip - the first address-looking token in s[0..len); 1 when found */
int find_ip(const char *s, size_t len, char out[46])
{
	size_t i = 0, j;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		int prev = i ? (unsigned char)s[i - 1] : ' ';

		if (isalnum(prev) || prev == '.' || prev == ':' || prev == '-' || !ip_char6(c)) {
			i++;
			continue;
		}
		for (j = i; j < len && j - i < 64 && ip_char6((unsigned char)s[j]); j++)
			;
		if (j < len && (isalnum((unsigned char)s[j]) || s[j] == '-')) {
			i = j + 1;
			continue;
		}
		if (try_token(s + i, j - i, out))
			return 1;
		/* a dotted quad inside a longer run, e.g. "ip:192.0.2.1" */
		if (j - i > 7) {
			size_t k;

			for (k = i + 1; k < j; k++)
				if (!ip_char4((unsigned char)s[k - 1]) && isdigit((unsigned char)s[k])) {
					size_t e = k;

					while (e < j && ip_char4((unsigned char)s[e]))
						e++;
					if (try_token(s + k, e - k, out))
						return 1;
				}
		}
		i = j + 1;
	}
	return 0;
}

/* hdr - value of a header of a MIME object, or NULL */
const char *hdr(struct mpart *o, const char *name)
{
	return mp_header(o, name);
}

/* header_is - the header exists and contains substr (case-insensitive; NULL: any) */
int header_is(struct mpart *o, const char *name, const char *substr)
{
	const char *v = hdr(o, name);

	if (!v)
		return 0;
	return !substr || mem_casestr(v, strlen(v), substr) != NULL;
}

/* text_unquote - a copy of t without leading "> " quote marks on each line (free it) */
char *text_unquote(const char *t, size_t n, size_t *outlen)
{
	char *o = xmalloc(n + 1);
	size_t i = 0, k = 0;

	while (i < n) {
		while (i < n && (t[i] == '>' || (t[i] == ' ' && i + 1 < n && t[i + 1] == '>')))
			i++;
		if (i < n && t[i] == ' ' && i > 0 && t[i - 1] == '>')
			i++;
		while (i < n && t[i] != '\n')
			o[k++] = t[i++];
		if (i < n)
			o[k++] = t[i++];
	}
	o[k] = '\0';
	*outlen = k;
	return o;
}

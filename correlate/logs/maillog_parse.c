/*
 * maillog_parse - Postfix and Exim log lines to maillog records.
 *
 * Hand-written scanning, no regex: every field is copied with a bound, and a
 * line that does not look like what we know is simply not a record.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../../util/ipaddr.h"
#include "../../util/str.h"
#include "maillog_parse.h"

/* copy_n - bounded copy of n bytes */
static void copy_n(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* local_time - mktime of a broken-down local time */
static long long local_time(int y, int mo, int d, int hh, int mm, int ss)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

/* classic_stamp - "Mon DD HH:MM:SS " without a year; returns the rest or NULL */
static const char *classic_stamp(const char *s, long long now, long long *at)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int m = -1, d, hh, mm, ss, n = 0;
	struct tm tm;
	time_t tnow = (time_t)now;

	for (int i = 0; i < 12; i++)
		if (strncmp(s, mon[i], 3) == 0 && s[3] == ' ')
			m = i;
	if (m < 0 || sscanf(s + 4, "%2d %2d:%2d:%2d%n", &d, &hh, &mm, &ss, &n) != 4 || s[4 + n] != ' ')
		return NULL;
	localtime_r(&tnow, &tm);
	*at = local_time(tm.tm_year + 1900, m, d, hh, mm, ss);
	if (*at > now + 86400)
		*at = local_time(tm.tm_year + 1899, m, d, hh, mm, ss);
	return s + 4 + n + 1;
}

/* iso_stamp - "YYYY-MM-DD HH:MM:SS[.f][ +ZZZZ] " or RFC 3339 "...T...(Z|+hh:mm) " */
static const char *iso_stamp(const char *s, long long *at)
{
	int y, mo, d, hh, mm, ss, n = 0;
	const char *p, *end;
	char tmp[64];
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo, &d, &hh, &mm, &ss, &n) != 6 || n < 19)
		return NULL;
	p = s + n;
	if (*p == '.')
		while (isdigit((unsigned char)*++p))
			;
	if (*p == 'Z' || ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) ||
	    (*p == ' ' && (p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2]))) {
		end = strchr(p + 1, ' ');
		if (end == NULL)
			return NULL;
		copy_n(tmp, sizeof(tmp), s, (size_t)(end - s));
		if (time_parse_any(tmp, &t) < 0)
			return NULL;
		*at = (long long)t;
		return end + 1;
	}
	if (*p != ' ')
		return NULL;
	*at = local_time(y, mo - 1, d, hh, mm, ss);
	return p + 1;
}

/* field - value of " key=" (or at the start) in msg up to a stop char; 1 found */
static int field(const char *msg, const char *key, const char *stops, char *out, size_t size)
{
	size_t kl = strlen(key);

	for (const char *p = msg; (p = strstr(p, key)) != NULL; p += kl) {
		const char *v;

		if (p != msg && p[-1] != ' ' && p[-1] != ',')
			continue;
		if (p[kl] != '=')
			continue;
		v = p + kl + 1;
		if (*v == '<') {
			const char *e = strchr(v + 1, '>');

			if (e) {
				copy_n(out, size, v + 1, (size_t)(e - v - 1));
				return 1;
			}
		}
		copy_n(out, size, v, strcspn(v, stops));
		return 1;
	}
	return 0;
}

/* port_after - the port of "]:PORT" at s (s at the ']') ended by a space, comma or the
 * end, 0 when none or out of range */
static int port_after(const char *s)
{
	long v = 0;
	int n = 0;

	if (s[0] != ']' || s[1] != ':' || !isdigit((unsigned char)s[2]))
		return 0;
	for (s += 2; isdigit((unsigned char)*s) && n < 6; s++, n++)
		v = v * 10 + (*s - '0');
	if ((*s != '\0' && *s != ' ' && *s != ',') || v < 1 || v > 65535)
		return 0;
	return (int)v;
}

/* name_ip - "name[ip]" or "name[ip]:port" into name, canonical ip and port */
static void name_ip(const char *s, char *name, size_t nsize, char ip[46], int *port)
{
	const char *b = strchr(s, '['), *e;
	char tmp[64];

	if (b == NULL) {
		copy_n(name, nsize, s, strlen(s));
		return;
	}
	copy_n(name, nsize, s, (size_t)(b - s));
	e = strchr(b, ']');
	if (e && (size_t)(e - b - 1) < sizeof(tmp)) {
		copy_n(tmp, sizeof(tmp), b + 1, (size_t)(e - b - 1));
		if (ip_normalize(tmp, ip) < 0)
			ip[0] = '\0';
		else
			*port = port_after(e);
	}
}

/* postfix_body - "QID: key=value, ..." */
static int postfix_body(const char *s, struct maillog_rec *r)
{
	size_t n = strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
	char client[300] = "";

	if (n < 5 || n >= sizeof(r->queue_id) || s[n] != ':' || s[n + 1] != ' ' || strncmp(s, "NOQUEUE", 7) == 0)
		return 0;
	copy_n(r->queue_id, sizeof(r->queue_id), s, n);
	s += n + 2;
	if (field(s, "client", ", ", client, sizeof(client)))
		name_ip(client, r->client_name, sizeof(r->client_name), r->client_ip, &r->client_port);
	field(s, "sasl_username", ", ", r->sasl_user, sizeof(r->sasl_user));
	field(s, "message-id", ", ", r->message_id, sizeof(r->message_id));
	if (strncmp(s, "from=", 5) == 0)
		field(s, "from", ", ", r->sender, sizeof(r->sender));
	if (strncmp(s, "to=", 3) == 0) {
		field(s, "to", ", ", r->recipient, sizeof(r->recipient));
		field(s, "relay", ", ", r->relay, sizeof(r->relay));
		field(s, "status", ", ", r->status, sizeof(r->status));
	}
	return r->client_ip[0] || r->client_name[0] || r->sasl_user[0] || r->message_id[0] ||
	       strncmp(s, "from=", 5) == 0 || r->recipient[0];
}

/* exim_host - "H=name (helo) [ip]:port" into name and ip */
static void exim_host(const char *s, struct maillog_rec *r, int relay)
{
	const char *h = NULL, *b, *e;
	char tmp[64];

	for (const char *p = s; (p = strstr(p, "H=")) != NULL; p += 2)
		if (p == s || p[-1] == ' ') {
			h = p + 2;
			break;
		}
	if (h == NULL)
		return;
	if (*h != '(' && *h != '[')
		copy_n(r->client_name, sizeof(r->client_name), h, strcspn(h, " "));
	b = strchr(h, '[');
	e = b ? strchr(b, ']') : NULL;
	if (e && (size_t)(e - b - 1) < sizeof(tmp)) {
		copy_n(tmp, sizeof(tmp), b + 1, (size_t)(e - b - 1));
		if (ip_normalize(tmp, r->client_ip) < 0)
			r->client_ip[0] = '\0';
		else
			r->client_port = port_after(e);
	}
	if (relay) {
		snprintf(r->relay, sizeof(r->relay), "%.200s[%s]", r->client_name[0] ? r->client_name : "",
			 r->client_ip);
		r->client_name[0] = r->client_ip[0] = '\0';
		r->client_port = 0;
	}
}

/* exim_body - "ID <= sender ..." or "ID => rcpt ..." */
static int exim_body(const char *s, struct maillog_rec *r)
{
	const char *alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t a = strspn(s, alnum), b = a == 6 && s[6] == '-' ? strspn(s + 7, alnum) : 0, c;
	const char *p;
	char auth[300];

	if (b < 6 || s[7 + b] != '-' || (c = strspn(s + 8 + b, alnum)) < 2 || s[8 + b + c] != ' ')
		return 0;
	copy_n(r->queue_id, sizeof(r->queue_id), s, 8 + b + c);
	p = s + 9 + b + c;
	if (strncmp(p, "<= ", 3) == 0) {
		p += 3;
		copy_n(r->sender, sizeof(r->sender), p, strcspn(p, " "));
		if (strcmp(r->sender, "<>") == 0)
			r->sender[0] = '\0';
		exim_host(p, r, 0);
		if (field(p, "A", " ", auth, sizeof(auth)))
			str_copy(r->sasl_user, sizeof(r->sasl_user), strchr(auth, ':') ? strchr(auth, ':') + 1 : auth);
		field(p, "id", " ", r->message_id, sizeof(r->message_id));
		return 1;
	}
	if (strncmp(p, "=> ", 3) && strncmp(p, "-> ", 3) && strncmp(p, "** ", 3) && strncmp(p, "== ", 3))
		return 0;
	str_copy(r->status, sizeof(r->status), p[0] == '*' ? "bounced" : p[0] == '=' && p[1] == '=' ? "deferred" : "sent");
	p += 3;
	copy_n(r->recipient, sizeof(r->recipient), p, strcspn(p, " :"));
	exim_host(p, r, 1);
	return 1;
}

/* program - "prog[pid]: " after the host; returns the message or NULL, prog in out */
static const char *program(const char *s, char *prog, size_t size)
{
	size_t n = strcspn(s, ":[ ");
	const char *p = s + n;

	copy_n(prog, size, s, n);
	if (*p == '[')
		p += strcspn(p, "]") + 1;
	if (p[-1] == '\0' || *p != ':' || p[1] != ' ')
		return NULL;
	return p + 2;
}

/* maillog_parse_line - see maillog_parse.h */
int maillog_parse_line(const char *line, size_t len, long long now, struct maillog_rec *out)
{
	char buf[MAILLOG_MAX_LINE + 1], prog[128];
	const char *p, *msg;
	size_t n;

	memset(out, 0, sizeof(*out));
	copy_n(buf, sizeof(buf), line, len);
	buf[strcspn(buf, "\r\n")] = '\0';
	if ((p = iso_stamp(buf, &out->at)) != NULL && exim_body(p, out))
		return 1;
	memset(out, 0, sizeof(*out));
	if ((p = classic_stamp(buf, now, &out->at)) == NULL && (p = iso_stamp(buf, &out->at)) == NULL)
		return 0;
	n = strcspn(p, " ");
	copy_n(out->host, sizeof(out->host), p, n);
	if (p[n] != ' ' || (msg = program(p + n + 1, prog, sizeof(prog))) == NULL)
		return 0;
	if (strncmp(prog, "postfix", 7) == 0 || strstr(prog, "/smtpd") || strstr(prog, "/cleanup") ||
	    strstr(prog, "/qmgr") || strstr(prog, "/smtp"))
		return postfix_body(msg, out);
	if (strncmp(prog, "exim", 4) == 0)
		return exim_body(msg, out);
	return 0;
}

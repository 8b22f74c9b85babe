/*
 * dsn_status - helpers of the bounce reader: a line cursor that accepts
 * LF, CRLF and CR-only ends, the recipient list, and the derivation of a
 * D.S.N (RFC 3463) status from a diagnostic: an explicit "5.1.1" first,
 * then an SMTP reply code (550 -> 5.0.0), then a few well-known phrases.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../util/mem.h"
#include "dsn_local.h"
#include "fields.h"

/* dsn_lines_init - start a line cursor over s[0..len) */
void dsn_lines_init(struct dsn_lines *it, const char *s, size_t len)
{
	it->p = s;
	it->end = s + len;
	it->count = 0;
}

/* dsn_line_next - the next line without its end; 0 at the end or the cap */
int dsn_line_next(struct dsn_lines *it, const char **ln, size_t *lnlen)
{
	const char *p = it->p, *q;

	if (p >= it->end || it->count >= DSN_MAX_LINES)
		return 0;
	q = eol_find(p, it->end);
	*ln = p;
	*lnlen = (size_t)(q - p);
	if (q < it->end && *q == '\r') {
		if (++q < it->end && *q == '\n')
			q++;
	} else if (q < it->end) {
		q++;
	}
	it->p = q;
	it->count++;
	return 1;
}

/* ci_find - case-insensitive (ASCII) search of needle in s[0..n) */
const char *ci_find(const char *s, size_t n, const char *needle)
{
	return mem_casestr(s, n, needle);
}

/* dsn_list_find - the recipient with this address (case-insensitive) */
/* strip_route - an RFC 5321 source route "@relay1,@relay2:user@host" names
 * the mailbox after its last ':'; other addresses are returned as they are */
const char *dsn_strip_route(const char *addr, size_t *alen)
{
	const char *c;

	if (*alen > 1 && addr[0] == '@' && (c = memrchr(addr, ':', *alen)) != NULL &&
	    memchr(c, '@', *alen - (size_t)(c - addr)) != NULL) {
		*alen -= (size_t)(c + 1 - addr);
		return c + 1;
	}
	return addr;
}

struct rcpt *dsn_list_find(struct dsn_list *l, const char *addr, size_t alen)
{
	addr = dsn_strip_route(addr, &alen);
	for (size_t i = 0; i < l->n; i++) {
		const char *a = l->v[i].address;
		if (a && strlen(a) == alen && strncasecmp(a, addr, alen) == 0)
			return &l->v[i];
	}
	return NULL;
}

/* dsn_list_add - append a recipient (NULL once PARSE_MAX_RCPTS are held) */
struct rcpt *dsn_list_add(struct dsn_list *l, const char *addr, size_t alen)
{
	struct rcpt *rc;

	if (l->n >= PARSE_MAX_RCPTS)
		return NULL;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	rc = &l->v[l->n++];
	memset(rc, 0, sizeof *rc);
	if (addr) {
		addr = dsn_strip_route(addr, &alen);
		dsn_rcpt_set(&rc->address, addr, alen);
	}
	return rc;
}

/* dsn_list_free - release the recipients still held */
void dsn_list_free(struct dsn_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].address);
		free(l->v[i].action);
		free(l->v[i].status);
		free(l->v[i].diagnostic);
		free(l->v[i].remote_mta);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* dsn_rcpt_set - replace *dst with a trimmed copy, controls made spaces */
void dsn_rcpt_set(char **dst, const char *s, size_t n)
{
	if (n > PARSE_MAX_FIELD)
		n = PARSE_MAX_FIELD;
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	free(*dst);
	*dst = str_sanitize(s, n);
}

/* dsn_rcpt_diag - append a piece of diagnostic text, space-joined, capped */
void dsn_rcpt_diag(struct rcpt *rc, const char *s, size_t n)
{
	size_t old = rc->diagnostic ? strlen(rc->diagnostic) : 0;
	char *t;

	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || old >= DSN_MAX_DIAG)
		return;
	if (n > DSN_MAX_DIAG - old)
		n = DSN_MAX_DIAG - old;
	t = xmalloc(old + n + 2);
	if (old)
		memcpy(t, rc->diagnostic, old);
	if (old)
		t[old++] = ' ';
	for (size_t i = 0; i < n; i++)
		t[old + i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
	t[old + n] = '\0';
	free(rc->diagnostic);
	rc->diagnostic = t;
}

/* digits - count of decimal digits at s (at most max, bounded by e) */
static size_t digits(const char *s, const char *e, size_t max)
{
	size_t k = 0;

	while (s + k < e && k <= max && isdigit((unsigned char)s[k]))
		k++;
	return k;
}

/* dsn_find_status - first "C.SSS.DDD" standing alone, 4/5 before 2 */
int dsn_find_status(const char *s, size_t n, char out[16])
{
	const char *e = s + n;
	int found = 0;

	for (const char *p = s; p + 5 <= e; p++) {
		size_t a, b;
		if ((*p != '2' && *p != '4' && *p != '5') || p[1] != '.')
			continue;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))
			continue;
		a = digits(p + 2, e, 3);
		if (a == 0 || a > 3 || p + 2 + a >= e || p[2 + a] != '.')
			continue;
		b = digits(p + 3 + a, e, 3);
		if (b == 0 || b > 3)
			continue;
		if (p + 3 + a + b < e && (isalnum((unsigned char)p[3 + a + b]) ||
		    (p[3 + a + b] == '.' && p + 4 + a + b < e &&
		     isdigit((unsigned char)p[4 + a + b]))))
			continue;
		if (!found || *p != '2')
			snprintf(out, 16, "%.*s", (int)(3 + a + b), p);
		found = 1;
		if (*p != '2')
			return 0;
	}
	return found ? 0 : -1;
}

/* dsn_find_reply - first SMTP reply code standing alone, 4xx/5xx before 2xx */
int dsn_find_reply(const char *s, size_t n)
{
	const char *e = s + n;
	int first = 0;

	for (const char *p = s; p + 3 <= e; p++) {
		if ((*p != '2' && *p != '4' && *p != '5') ||
		    !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
			continue;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' ||
		    p[-1] == '#' || p[-1] == ':' || p[-1] == '-' || p[-1] == '/'))
			continue;
		if (p + 3 < e && (isalnum((unsigned char)p[3]) || p[3] == '.' ||
		    p[3] == ':' || p[3] == '/'))
			continue;
		if (p[1] > '5' || (p[0] == '2' && !(p[1] == '5' && p[2] <= '2')))
			continue;   /* of 2xx only 250-252 can answer RCPT or DATA */
		if (p[0] != '2')
			return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (!first)
			first = 200 + (p[1] - '0') * 10 + (p[2] - '0');
	}
	return first;
}

/* dsn_in_word - see dsn_local.h */
int dsn_in_word(int c)
{
	return isalnum(c) || (c && strchr(".+-_=@/#%&", c) != NULL);
}

/*
 * qmail_code - the "(#C.S.D)" qmail puts at the end of the reply starting at
 * p (C its class), within that reply: before the next reply code or 300
 * bytes; 0 and the code in st, or -1
 */
static int qmail_code(const char *p, const char *e, char st[16])
{
	const char *lim = p + 300 < e ? p + 300 : e;

	for (const char *r = p + 4; r + 8 <= lim; r++) {
		size_t k;

		if (r[0] >= '2' && r[0] <= '5' && isdigit((unsigned char)r[1]) && isdigit((unsigned char)r[2]) &&
		    (r[3] == ' ' || r[3] == '-') && !dsn_in_word((unsigned char)r[-1]))
			return -1;      /* the next reply */
		if (r[0] != '(' || r[1] != '#' || r[2] != *p || r[3] != '.')
			continue;
		if (dsn_find_status(r + 2, (size_t)(lim - r - 2), st) != 0 || st[0] != *p)
			return -1;
		k = strlen(st);
		if (strncmp(r + 2, st, k) == 0 && r + 2 + k < lim && r[2 + k] == ')')
			return 0;
		return -1;
	}
	return -1;
}

/*
 * dsn_find_pair - the remote server's own answer: an SMTP reply code followed
 * by an enhanced status code of the same class ("550 5.7.1", "552-5.2.2",
 * "550-'5.2.2" as Amazon SES quotes it, qmail's "553 text (#5.7.1)");
 * 0 and the code in out, or -1. 4xx/5xx pairs before 2xx.
 */
int dsn_find_pair(const char *s, size_t n, char out[16])
{
	const char *e = s + n;
	int found = 0;

	for (const char *p = s; p + 9 <= e; p++) {
		char st[16];
		const char *q;

		if ((*p != '2' && *p != '4' && *p != '5') || !isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]) || (p[3] != ' ' && p[3] != '-'))
			continue;
		if (p > s && dsn_in_word((unsigned char)p[-1]))
			continue;
		q = p + 4;
		while (q < e && *q == ' ')
			q++;
		/* Amazon SES quotes the answer it got: 550-'5.2.2 ... Mailbox Full' */
		if (q < e && (*q == '\'' || *q == '"'))
			q++;
		if (q + 5 > e || *q != *p || q[1] != '.') {
			/* qmail writes its enhanced code at the end of the reply in
			 * parentheses: "553 sorry, ... badrcptto list (#5.7.1)" */
			if (qmail_code(p, e, st) != 0)
				continue;
		} else if (dsn_find_status(q, (size_t)(e - q), st) != 0 || st[0] != *p ||
			   strncmp(q, st, strlen(st)) != 0) {
			/* the code must start right here: dsn_find_status on the rest */
			continue;
		}
		if (!found || *p != '2')
			snprintf(out, 16, "%s", st);
		found = 1;
		if (*p != '2')
			return 0;
	}
	return found ? 0 : -1;
}

/* Phrases that name a cause when no code does; first match wins. */
static const struct { const char *phrase, *status; } phrases[] = {
	{ "mailbox full", "5.2.2" }, { "mailbox is full", "5.2.2" },
	{ "quota exceeded", "5.2.2" }, { "over quota", "5.2.2" },
	{ "exceeded storage", "5.2.2" }, { "overquota", "5.2.2" },
	{ "user unknown", "5.1.1" }, { "unknown user", "5.1.1" },
	{ "no such user", "5.1.1" }, { "no mailbox here", "5.1.1" },
	{ "no such mailbox", "5.1.1" }, { "unknown recipient", "5.1.1" },
	{ "invalid recipient", "5.1.1" }, { "address not found", "5.1.1" },
	{ "recipient not found", "5.1.1" }, { "user not found", "5.1.1" },
	{ "does not exist", "5.1.1" }, { "mailbox unavailable", "5.1.1" },
	{ "host not found", "5.1.2" }, { "host unknown", "5.1.2" },
	{ "domain not found", "5.1.2" }, { "unrouteable", "5.1.2" },
	{ "no mx", "5.1.2" }, { "name service error", "5.1.2" },
	{ "too large", "5.3.4" }, { "size exceeds", "5.3.4" },
	{ "relay access denied", "5.7.1" }, { "relaying denied", "5.7.1" },
	{ "not permitted to relay", "5.7.1" },
	{ "retry timeout", "4.4.7" }, { "retry time not reached", "4.4.7" },
};

/* dsn_status_guess - explicit D.S.N, else reply code, else phrase, else dflt */
void dsn_status_guess(const char *diag, const char *dflt, char out[16])
{
	size_t n = diag ? strlen(diag) : 0;
	int code;

	out[0] = '\0';
	if (n && dsn_find_status(diag, n, out) == 0)
		return;
	code = n ? dsn_find_reply(diag, n) : 0;
	/* a phrase names the cause more exactly than a bare reply code; the
	 * class comes from the reply code when there is one */
	for (size_t i = 0; n && i < sizeof phrases / sizeof phrases[0]; i++) {
		if (ci_find(diag, n, phrases[i].phrase)) {
			snprintf(out, 16, "%s", phrases[i].status);
			if ((code >= 400 && code < 500) || (!code && dflt && dflt[0] == '4'))
				out[0] = '4';
			else if (code >= 500)
				out[0] = '5';
			if (code >= 200 && code < 300)
				break;   /* a 2xx with a failure phrase: trust neither */
			return;
		}
	}
	if (code) {
		snprintf(out, 16, "%d.0.0", code / 100);
		return;
	}
	if (dflt)
		snprintf(out, 16, "%s", dflt);
}

/* dsn_finish - fill in missing statuses and actions */
void dsn_finish(struct dsn_list *l, const char *dflt_status)
{
	char st[16], alt[16];

	for (size_t i = 0; i < l->n; i++) {
		struct rcpt *rc = &l->v[i];
		if (!rc->status) {
			dsn_status_guess(rc->diagnostic, dflt_status, st);
			if (st[0])
				rc->status = xstrdup(st);
		} else if (rc->diagnostic &&
			   dsn_find_pair(rc->diagnostic, strlen(rc->diagnostic), alt) == 0 &&
			   alt[0] != '2' && strcmp(alt, rc->status) != 0) {
			/* the remote server's own "550 5.7.1" is more exact than the
			 * reporting MTA's Status (often generic, or mapped from the
			 * reply code alone) */
			free(rc->status);
			rc->status = xstrdup(alt);
		} else if (rc->diagnostic && strlen(rc->status) == 5 &&
			   strcmp(rc->status + 1, ".0.0") == 0 &&
			   dsn_find_status(rc->diagnostic, strlen(rc->diagnostic), alt) == 0 &&
			   alt[0] == rc->status[0]) {
			free(rc->status);
			rc->status = xstrdup(alt);
		}
		if (!rc->action && rc->status) {
			rc->action = xstrdup(rc->status[0] == '2' ? "delivered" :
					     rc->status[0] == '4' ? "delayed" : "failed");
		}
	}
}

/*
 * dsn_ses - Amazon SES bounce and delivery notifications in JSON (sent as
 * mail directly, or inside an SNS envelope where the JSON is a string).
 *
 * Only what a bounce needs is read, by a small scanner that understands
 * JSON strings and nesting: for "notificationType":"Bounce", each object of
 * "bouncedRecipients" (emailAddress, action, status, diagnosticCode); for
 * "Delivery", "delivery"."recipients" with "smtpResponse". Complaints are
 * feedback, not bounces, and are left to the other readers.
 */
#include <string.h>
#include <strings.h>

#include "../util/mem.h"
#include "dsn_local.h"

/* unescape - copy of s with one level of \" and \\ escapes undone */
static char *unescape(const char *s, size_t n, size_t *on)
{
	char *o = xmalloc(n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		o[j++] = s[i];
	}
	o[j] = '\0';
	*on = j;
	return o;
}

/* jstr - the string value of "key": at or after p, before end; its length */
static const char *jstr(const char *p, const char *end, const char *key, size_t *vn)
{
	char pat[64];
	size_t kl = strlen(key);
	const char *k, *v;

	if (kl + 3 > sizeof pat)
		return NULL;
	pat[0] = '"';
	memcpy(pat + 1, key, kl);
	pat[kl + 1] = '"';
	pat[kl + 2] = '\0';
	k = ci_find(p, (size_t)(end - p), pat);
	if (!k)
		return NULL;
	for (v = k + kl + 2; v < end && (*v == ' ' || *v == ':' || *v == '\t'); v++)
		;
	if (v >= end || *v != '"')
		return NULL;
	for (k = ++v; k < end && *k != '"'; k++)
		if (*k == '\\' && k + 1 < end)
			k++;
	if (k >= end)
		return NULL;
	*vn = (size_t)(k - v);
	return v;
}

/* obj_end - the '}' closing the object that p is inside (strings skipped) */
static const char *obj_end(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (depth-- == 0)
				return p;
		}
	}
	return end;
}

/* bounced - one rcpt per object of "bouncedRecipients" */
static void bounced(const char *p, const char *end, struct dsn_list *l)
{
	const char *arr = ci_find(p, (size_t)(end - p), "\"bouncedRecipients\"");
	const char *aend, *v;
	size_t vn;

	if (!arr)
		return;
	aend = obj_end(arr + 20, end);
	for (p = arr; p < aend && (v = jstr(p, aend, "emailAddress", &vn)); ) {
		const char *oe = obj_end(v + vn + 1, aend), *ob = v;
		struct rcpt *rc;
		while (ob > arr && *ob != '{')
			ob--;
		if (!(rc = dsn_list_add(l, v, vn)))
			break;
		if ((v = jstr(ob, oe, "action", &vn)))
			dsn_rcpt_set(&rc->action, v, vn);
		if ((v = jstr(ob, oe, "status", &vn)))
			dsn_rcpt_set(&rc->status, v, vn);
		if ((v = jstr(ob, oe, "diagnosticCode", &vn))) {
			const char *semi = memchr(v, ';', vn);
			if (semi) {
				vn -= (size_t)(semi + 1 - v);
				v = semi + 1;
			}
			dsn_rcpt_diag(rc, v, vn);
		}
		p = oe;
	}
}

/* delivered - one rcpt per address of "delivery"."recipients" */
static void delivered(const char *p, const char *end, struct dsn_list *l)
{
	const char *d = ci_find(p, (size_t)(end - p), "\"delivery\"");
	const char *arr, *aend, *resp = NULL, *q;
	size_t rn = 0;

	if (!d || !(arr = ci_find(d, (size_t)(end - d), "\"recipients\"")))
		return;
	resp = jstr(d, end, "smtpResponse", &rn);
	if (!(arr = memchr(arr + 12, '[', (size_t)(end - arr - 12))))
		return;
	aend = obj_end(arr + 1, end);
	for (q = arr + 1; q < aend; q++) {
		const char *s;
		struct rcpt *rc;
		if (*q != '"')
			continue;
		for (s = ++q; q < aend && *q != '"'; q++)
			;
		if (!(rc = dsn_list_add(l, s, (size_t)(q - s))))
			break;
		rc->action = xstrdup("delivered");
		if (resp)
			dsn_rcpt_diag(rc, resp, rn);
	}
}

/* dsn_ses - see dsn_local.h */
int dsn_ses(const char *body, size_t n, struct dsn_list *l)
{
	size_t un = 0, tn;
	char *u = NULL;
	const char *p, *t, *end;

	if (!(p = ci_find(body, n, "notificationType")))
		return 0;
	if (p > body && p[-1] == '"' && p - 1 > body && p[-2] == '\\') {
		u = unescape(body, n, &un);
		body = u;
		n = un;
		p = ci_find(body, n, "\"notificationType\"");
	} else {
		p--;
	}
	end = body + n;
	if (p && (t = jstr(p, end, "notificationType", &tn))) {
		if (tn == 6 && strncasecmp(t, "Bounce", 6) == 0)
			bounced(body, end, l);
		else if (tn == 8 && strncasecmp(t, "Delivery", 8) == 0)
			delivered(body, end, l);
	}
	free(u);
	return l->n > 0;
}

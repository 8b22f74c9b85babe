/*
 * dsn_fields - read the fields of an RFC 3464 message/delivery-status body.
 *
 * The body is one per-message block (Reporting-MTA, Arrival-Date ...) and a
 * block per recipient, separated by blank lines; fields may be folded. Real
 * reports forget blank lines, repeat blocks and put fields in odd orders, so
 * a Final-Recipient (or Original-Recipient) seen twice starts a recipient
 * too. Recipients that never get an address are dropped.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../util/mem.h"
#include "dsn_local.h"

struct fstate {
	struct dsn_list *l;
	char **mta;
	struct rcpt *cur;
	int has_final, has_orig;
	int final_routed;   /* the Final-Recipient was a source route */
};

/* after_semi - the part of a typed value ("rfc822; x") after ';', trimmed */
static void after_semi(const char *v, size_t n, const char **o, size_t *on)
{
	const char *s = memchr(v, ';', n);

	if (s) {
		n -= (size_t)(s + 1 - v);
		v = s + 1;
	}
	while (n && isspace((unsigned char)*v))
		v++, n--;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	*o = v;
	*on = n;
}

/* address - after_semi, then without angle brackets (a lone '>' after the
 * address too: NTT docomo's mopera writes "rfc822; user@host>") */
static void address(const char *v, size_t n, const char **o, size_t *on)
{
	after_semi(v, n, o, on);
	if (*on >= 2 && (*o)[0] == '<') {
		const char *gt = memchr(*o, '>', *on);
		if (gt) {
			*on = (size_t)(gt - *o - 1);
			(*o)++;
		}
	} else if (*on >= 2 && (*o)[*on - 1] == '>' && memchr(*o, '<', *on) == NULL) {
		(*on)--;
	}
	*o = dsn_strip_route(*o, on);
}

/* need_rcpt - the current recipient, started anew when flag is already set */
static struct rcpt *need_rcpt(struct fstate *f, int *flag)
{
	if (!f->cur || (flag && *flag)) {
		f->cur = dsn_list_add(f->l, NULL, 0);
		f->has_final = f->has_orig = f->final_routed = 0;
	}
	return f->cur;
}

/* field - act on one unfolded field */
static void field(struct fstate *f, const char *name, size_t nl, const char *v, size_t vn)
{
	const char *a;
	size_t an;
	char st[16];
	struct rcpt *rc;

#define IS(s) (nl == sizeof(s) - 1 && strncasecmp(name, s, nl) == 0)
	if (IS("Reporting-MTA")) {
		if (!*f->mta) {
			after_semi(v, vn, &a, &an);
			dsn_rcpt_set(f->mta, a, an);
		}
	} else if (IS("Final-Recipient")) {
		int routed;
		if (!(rc = need_rcpt(f, &f->has_final)))
			return;
		after_semi(v, vn, &a, &an);
		routed = an > 1 && (a[0] == '@' || (a[0] == '<' && a[1] == '@'));
		address(v, vn, &a, &an);
		/* a source route (@relay:user@host) is the reporting MTA's own
		 * routing; an Original-Recipient already read is what the sender
		 * wrote (Sun/Oracle Messaging Server) */
		if (an && !(routed && f->has_orig && rc->address))
			dsn_rcpt_set(&rc->address, a, an);
		f->has_final = 1;
		f->final_routed = routed;
	} else if (IS("Original-Recipient")) {
		if (!(rc = need_rcpt(f, f->has_final ? NULL : &f->has_orig)))
			return;
		address(v, vn, &a, &an);
		if (an && (!f->has_final || f->final_routed) && memchr(a, '@', an))
			dsn_rcpt_set(&rc->address, a, an);
		f->has_orig = 1;
	} else if (IS("Action")) {
		if ((rc = need_rcpt(f, NULL)) && !rc->action) {
			dsn_rcpt_set(&rc->action, v, vn);
			str_lower(rc->action);
		}
	} else if (IS("Status")) {
		if ((rc = need_rcpt(f, NULL)) && !rc->status &&
		    dsn_find_status(v, vn, st) == 0)
			rc->status = xstrdup(st);
	} else if (IS("Remote-MTA")) {
		if ((rc = need_rcpt(f, NULL)) && !rc->remote_mta) {
			after_semi(v, vn, &a, &an);
			dsn_rcpt_set(&rc->remote_mta, a, an);
		}
	} else if (IS("Diagnostic-Code")) {
		if ((rc = need_rcpt(f, NULL)) && !rc->diagnostic) {
			after_semi(v, vn, &a, &an);
			dsn_rcpt_diag(rc, a, an);
		}
	}
#undef IS
}

/* drop_empty - remove recipients that never got an address */
static void drop_empty(struct dsn_list *l)
{
	size_t j = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].address && l->v[i].address[0]) {
			l->v[j++] = l->v[i];
			continue;
		}
		free(l->v[i].address);
		free(l->v[i].action);
		free(l->v[i].status);
		free(l->v[i].diagnostic);
		free(l->v[i].remote_mta);
	}
	l->n = j;
}

/* flush - hand the field gathered in b (name length nl) to field() */
static void flush(struct fstate *f, struct buf *b, size_t nl)
{
	if (b->len && nl)
		field(f, b->data, nl, b->data + nl + 1, b->len - nl - 1);
	buf_reset(b);
}

/* dsn_fields - parse delivery-status text into l, Reporting-MTA into *mta */
void dsn_fields(const char *s, size_t len, struct dsn_list *l, char **mta)
{
	struct fstate f = { l, mta, NULL, 0, 0, 0 };
	struct dsn_lines it;
	struct buf b;
	const char *ln;
	size_t n, nl = 0;

	buf_init(&b, PARSE_MAX_FIELD);
	dsn_lines_init(&it, s, len);
	while (dsn_line_next(&it, &ln, &n)) {
		const char *colon;
		if (n && (ln[0] == ' ' || ln[0] == '\t')) {
			while (n && (*ln == ' ' || *ln == '\t'))
				ln++, n--;
			if (b.len && n) {
				buf_putc(&b, ' ');
				buf_append(&b, ln, n);
			}
			continue;
		}
		flush(&f, &b, nl);
		nl = 0;
		if (n == 0) {
			f.cur = NULL;
			continue;
		}
		colon = memchr(ln, ':', n);
		if (!colon || colon == ln)
			continue;
		nl = (size_t)(colon - ln);
		while (nl && isspace((unsigned char)ln[nl - 1]))
			nl--;
		buf_append(&b, ln, nl);
		buf_append(&b, colon, n - (size_t)(colon - ln));
	}
	flush(&f, &b, nl);
	buf_free(&b);
	drop_empty(l);
}

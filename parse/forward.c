/*
 * forward - complaints written by people: a forwarded message attached as
 * message/rfc822, forwarded inline ("-----Original Message-----", "Begin
 * forwarded message:"), headers pasted into the text (quoted or not), or a
 * bare text naming an address (plain).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "../util/mem.h"

static const char *const fwd_marks[] = {
	"-----Original Message-----", "Begin forwarded message:", "---------- Forwarded message",
	"-------- Original Message --------", "----- Forwarded message from",
	"-------- Forwarded Message --------", "-----Ursprüngliche Nachricht-----",
};

/* headers_from - parse the header block that starts at p (after quote removal) */
static void headers_from(struct report *r, const char *p, size_t n)
{
	size_t ul;
	char *u = text_unquote(p, n, &ul);
	char *s = u;

	while (*s == '\n' || *s == ' ')
		s++;
	parse_original_headers(r, s, ul - (size_t)(s - u), 0);
	free(u);
}

/* pasted_headers - where a pasted "Received: from" block starts in t, or NULL */
static const char *pasted_headers(const char *t, size_t n)
{
	const char *p = t, *end = t + n, *q;

	while ((p = mem_casestr(p, (size_t)(end - p), "Received: from")) != NULL) {
		for (q = p; q > t && (q[-1] == '>' || q[-1] == ' '); q--)
			;
		if (q == t || q[-1] == '\n') {
			/* back up over header lines just above it */
			while (q > t + 1) {
				const char *ls = q - 1;

				while (ls > t && ls[-1] != '\n')
					ls--;
				if (q - 1 == ls || !memchr(ls, ':', (size_t)(q - 1 - ls)) || *ls == ' ')
					break;
				q = ls;
			}
			return q;
		}
		p += 14;
	}
	return NULL;
}

/* forward_parse - a human complaint carrying the reported message; 1 when taken */
int forward_parse(struct pctx *c, struct report *r)
{
	const char *t = c->body_text, *p = NULL;
	size_t n = c->body_text_len, i;

	if (part_is_message(c->orig)) {
		parse_original_part(r, c->orig);
	} else if (c->orig) {
		size_t hn;
		char *h = part_text(c->orig, PARSE_MAX_TEXT, &hn);

		parse_original_headers(r, h, hn, 1);
		free(h);
	}
	if (r->orig.present) {
		r->format = FMT_FORWARD;
		return 1;
	}
	if (!t)
		return 0;
	for (i = 0; !p && i < sizeof(fwd_marks) / sizeof(fwd_marks[0]); i++)
		if ((p = mem_casestr(t, n, fwd_marks[i])) != NULL)
			p = memchr(p, '\n', (size_t)(t + n - p));
	/* headers pasted into an attack report's text (quoted earlier mail) do not make it a
	 * forward when the text holds unquoted log lines: those name the source */
	if (!p && (p = pasted_headers(t, n)) != NULL && attack_log_lines(t, n) > 0)
		return 0;
	if (!p)
		return 0;
	headers_from(r, p, (size_t)(t + n - p));
	if (!r->orig.present)
		return 0;
	r->format = FMT_FORWARD;
	return 1;
}

/* plain_parse - any other text: an attack report or a complaint in prose (attack.c finds the address) */
int plain_parse(struct pctx *c, struct report *r)
{
	char ip[46];
	size_t i;

	if (!c->body_text)
		return 0;
	for (i = 0; i < c->body_text_len; i++)
		if (c->body_text[i] != ' ' && c->body_text[i] != '\n' && c->body_text[i] != '\t')
			break;
	if (i == c->body_text_len)
		return 0;
	r->format = FMT_PLAIN;
	text_urls(r, c->body_text, c->body_text_len);
	if (attack_source(r, c->body_text, c->body_text_len))
		return 1;
	if (r->subject && find_ip(r->subject, strlen(r->subject), ip)) {
		set_str(&r->source_ip, ip);
		set_str(&r->source_field, "Subject");
		r->source_sure = SRC_SURE_LOW;
	} else
		report_warn(r, "complaint names no IP address");
	return 1;
}

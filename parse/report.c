/*
 * report - the report model: life cycle, warnings and the JSON form that
 * `abusedesk parse --json` prints (keys as DESIGN.md "Report model" says,
 * extra keys after them).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "../util/json.h"
#include "../util/mem.h"

static const char *const format_names[] = {
	"unknown", "arf", "xarf", "dsn", "spamcop", "jmrp",
	"forward", "plain", "autoreply", "dmarc", "acns", "feed", "ses"
};

/* report_format_name - the JSON name of a format */
const char *report_format_name(enum report_format f)
{
	if ((unsigned)f >= sizeof(format_names) / sizeof(format_names[0]))
		return "unknown";
	return format_names[f];
}

static const char *const category_names[] = {
	NULL, "spam", "login-attack", "scan", "ddos", "phishing", "malware", "copyright", "fraud",
	"other"
};

/* report_category_name - the JSON name of a category, NULL for none */
const char *report_category_name(enum report_category c)
{
	if ((unsigned)c >= sizeof(category_names) / sizeof(category_names[0]))
		return NULL;
	return category_names[c];
}

/* report_category_from_name - inverse of report_category_name, -1 when unknown */
int report_category_from_name(const char *s)
{
	for (size_t i = 1; s && i < sizeof(category_names) / sizeof(category_names[0]); i++)
		if (strcmp(category_names[i], s) == 0)
			return (int)i;
	return -1;
}

/* source_sure_name - low / medium / high, NULL for none */
const char *source_sure_name(enum source_sure s)
{
	static const char *const names[] = { NULL, "low", "medium", "high" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : NULL;
}

/* report_init - an empty report: unknown format, one incident */
void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->format = FMT_UNKNOWN;
	r->rua.begin = r->rua.end = r->rua.pct = -1;
	r->incidents = 1;
}

/* orig_free - release the reported message's fields */
static void orig_free(struct original *o)
{
	free(o->message_id);
	free(o->from);
	free(o->to);
	free(o->subject);
	free(o->date);
	free(o->headers);
	free(o->body_sha256);
	memset(o, 0, sizeof(*o));
}

/* rua_record_free - release one DMARC aggregate row's fields */
void rua_record_free(struct rua_record *x)
{
	free(x->source_ip);
	free(x->disposition);
	free(x->dkim);
	free(x->spf);
	free(x->header_from);
	memset(x, 0, sizeof(*x));
}

/* rua_free - release a DMARC aggregate report's fields */
static void rua_free(struct rua *u)
{
	free(u->org_name);
	free(u->email);
	free(u->report_id);
	free(u->domain);
	free(u->p);
	free(u->sp);
	free(u->adkim);
	free(u->aspf);
	for (size_t i = 0; i < u->nrecords; i++)
		rua_record_free(&u->records[i]);
	free(u->records);
	memset(u, 0, sizeof(*u));
}

/* report_free - release everything the report owns; r can be re-initialised */
void report_free(struct report *r)
{
	size_t i;

	free(r->feedback_type);
	free(r->user_agent);
	free(r->reporter);
	free(r->reporting_mta);
	free(r->arrival_date);
	free(r->source_ip);
	free(r->original_mail_from);
	strlist_free(&r->original_rcpt_to);
	strlist_free(&r->reported_domains);
	strlist_free(&r->reported_uris);
	free(r->auth_results);
	free(r->auth_failure);
	free(r->arf_version);
	free(r->original_envelope_id);
	free(r->delivery_result);
	free(r->dkim_domain);
	free(r->dkim_identity);
	free(r->dkim_selector);
	free(r->spf_dns);
	free(r->identity_alignment);
	free(r->category);
	free(r->source_field);
	free(r->protocol);
	free(r->content_title);
	free(r->events);
	for (i = 0; i < r->nrcpts; i++) {
		free(r->rcpts[i].address);
		free(r->rcpts[i].action);
		free(r->rcpts[i].status);
		free(r->rcpts[i].diagnostic);
		free(r->rcpts[i].remote_mta);
	}
	free(r->rcpts);
	orig_free(&r->orig);
	rua_free(&r->rua);
	for (i = 0; i < r->nhops; i++)
		hop_free(&r->hops[i]);
	free(r->hops);
	free(r->message_id);
	free(r->from);
	free(r->subject);
	strlist_free(&r->warnings);
	report_init(r);
}

/* report_warn - add a warning (deduplicated, at most PARSE_MAX_WARNINGS) */
void report_warn(struct report *r, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (r->warnings.n >= PARSE_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (strlist_has(&r->warnings, text))
		return;
	if (r->warnings.n == PARSE_MAX_WARNINGS - 1)
		strlist_add(&r->warnings, "too many warnings; later ones dropped");
	else
		strlist_add(&r->warnings, text);
}

/* json_list - "key":[ "a", "b" ] */
static void json_list(struct buf *b, int *first, const char *key, const struct strlist *l)
{
	size_t i;

	json_key(b, first, key);
	buf_putc(b, '[');
	for (i = 0; i < l->n; i++) {
		if (i)
			buf_putc(b, ',');
		json_str(b, l->v[i]);
	}
	buf_putc(b, ']');
}

/* json_rcpts - the DSN recipients array */
static void json_rcpts(struct buf *b, int *first, const struct report *r)
{
	size_t i;
	int f;

	json_key(b, first, "recipients");
	buf_putc(b, '[');
	for (i = 0; i < r->nrcpts; i++) {
		const struct rcpt *p = &r->rcpts[i];

		if (i)
			buf_putc(b, ',');
		f = 1;
		buf_putc(b, '{');
		json_kv_str(b, &f, "address", p->address);
		json_kv_str(b, &f, "action", p->action);
		json_kv_str(b, &f, "status", p->status);
		json_kv_str(b, &f, "diagnostic", p->diagnostic);
		json_kv_str(b, &f, "remote_mta", p->remote_mta);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* json_orig - the reported message object, or null */
static void json_orig(struct buf *b, int *first, const struct original *o)
{
	int f = 1;

	json_key(b, first, "original");
	if (!o->present) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '{');
	json_kv_str(b, &f, "message_id", o->message_id);
	json_kv_str(b, &f, "from", o->from);
	json_kv_str(b, &f, "to", o->to);
	json_kv_str(b, &f, "subject", o->subject);
	json_kv_str(b, &f, "date", o->date);
	json_kv_bool(b, &f, "headers_only", o->headers_only);
	json_kv_str(b, &f, "body_sha256", o->body_sha256);
	buf_putc(b, '}');
}

/* json_hops - the Received hops, newest first */
static void json_hops(struct buf *b, int *first, const struct report *r)
{
	size_t i;

	json_key(b, first, "hops");
	buf_putc(b, '[');
	for (i = 0; i < r->nhops; i++) {
		if (i)
			buf_putc(b, ',');
		hop_to_json(&r->hops[i], b);
	}
	buf_putc(b, ']');
}

/* json_flags - REPORT_F_* as an array of names */
static void json_flags(struct buf *b, int *first, int flags)
{
	static const struct { int bit; const char *name; } names[] = {
		{ REPORT_F_TRUNCATED, "truncated" }, { REPORT_F_MALFORMED, "malformed" },
		{ REPORT_F_BINARY, "binary" }, { REPORT_F_EMPTY, "empty" },
	};
	size_t i;
	int n = 0;

	json_key(b, first, "flags");
	buf_putc(b, '[');
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		if (n++)
			buf_putc(b, ',');
		json_str(b, names[i].name);
	}
	buf_putc(b, ']');
}

/* json_events - the feed events [{ip, port, time, type}] */
static void json_events(struct buf *b, int *first, const struct report *r)
{
	json_key(b, first, "events");
	buf_putc(b, '[');
	for (size_t i = 0; i < r->nevents; i++) {
		const struct event *e = &r->events[i];
		int f = 1;

		if (i)
			buf_putc(b, ',');
		buf_putc(b, '{');
		json_kv_str(b, &f, "ip", e->ip);
		if (e->port > 0)
			json_kv_int(b, &f, "port", e->port);
		else
			json_kv_null(b, &f, "port");
		json_kv_str(b, &f, "time", e->date[0] ? e->date : NULL);
		json_kv_str(b, &f, "type", e->type[0] ? e->type : NULL);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* json_long - "key":n, or null when n < 0 */
static void json_long(struct buf *b, int *first, const char *key, long long n)
{
	if (n < 0)
		json_kv_null(b, first, key);
	else
		json_kv_int(b, first, key, n);
}

/* json_rua - the DMARC aggregate report object (only for format dmarc) */
static void json_rua(struct buf *b, int *first, const struct rua *u)
{
	int f = 1, g;

	json_key(b, first, "rua");
	if (!u->present) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '{');
	json_kv_str(b, &f, "org_name", u->org_name);
	json_kv_str(b, &f, "email", u->email);
	json_kv_str(b, &f, "report_id", u->report_id);
	json_key(b, &f, "date_range");
	g = 1;
	buf_putc(b, '{');
	json_long(b, &g, "begin", u->begin);
	json_long(b, &g, "end", u->end);
	buf_putc(b, '}');
	json_key(b, &f, "policy_published");
	g = 1;
	buf_putc(b, '{');
	json_kv_str(b, &g, "domain", u->domain);
	json_kv_str(b, &g, "p", u->p);
	json_kv_str(b, &g, "sp", u->sp);
	json_long(b, &g, "pct", u->pct);
	json_kv_str(b, &g, "adkim", u->adkim);
	json_kv_str(b, &g, "aspf", u->aspf);
	buf_putc(b, '}');
	json_kv_int(b, &f, "record_count", u->record_count);
	json_kv_int(b, &f, "messages", u->messages);
	json_kv_int(b, &f, "failing", u->failing);
	json_key(b, &f, "records");
	buf_putc(b, '[');
	for (size_t i = 0; i < u->nrecords; i++) {
		const struct rua_record *x = &u->records[i];

		if (i)
			buf_putc(b, ',');
		g = 1;
		buf_putc(b, '{');
		json_kv_str(b, &g, "source_ip", x->source_ip);
		json_kv_int(b, &g, "count", x->count);
		json_kv_str(b, &g, "disposition", x->disposition);
		json_kv_str(b, &g, "dkim", x->dkim);
		json_kv_str(b, &g, "spf", x->spf);
		json_kv_str(b, &g, "header_from", x->header_from);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
	json_kv_bool(b, &f, "records_truncated", u->records_truncated);
	buf_putc(b, '}');
}

#define REPORT_JSON_RESERVE 4096

/* report_to_json - one JSON object (no newline); file may be NULL */
void report_to_json(const struct report *r, const char *file, struct buf *out)
{
	int first = 1;

	buf_reserve(out, REPORT_JSON_RESERVE);   /* most reports fit: no regrowth */
	buf_putc(out, '{');
	json_kv_str(out, &first, "file", file);
	json_kv_str(out, &first, "format", report_format_name(r->format));
	json_kv_str(out, &first, "feedback_type", r->feedback_type);
	json_kv_str(out, &first, "user_agent", r->user_agent);
	json_kv_str(out, &first, "reporter", r->reporter);
	json_kv_str(out, &first, "reporting_mta", r->reporting_mta);
	json_kv_str(out, &first, "arrival_date", r->arrival_date);
	json_kv_str(out, &first, "source_ip", r->source_ip);
	if (r->source_port > 0)
		json_kv_int(out, &first, "source_port", r->source_port);
	else
		json_kv_null(out, &first, "source_port");
	json_kv_str(out, &first, "original_mail_from", r->original_mail_from);
	json_list(out, &first, "original_rcpt_to", &r->original_rcpt_to);
	json_list(out, &first, "reported_domains", &r->reported_domains);
	json_list(out, &first, "reported_uris", &r->reported_uris);
	json_kv_int(out, &first, "incidents", r->incidents);
	json_rcpts(out, &first, r);
	json_orig(out, &first, &r->orig);
	json_hops(out, &first, r);
	json_list(out, &first, "warnings", &r->warnings);
	json_kv_str(out, &first, "category", r->category);
	json_kv_str(out, &first, "abuse_category", report_category_name(r->abuse_category));
	json_kv_str(out, &first, "source_field", r->source_field);
	json_kv_str(out, &first, "source_confidence", source_sure_name(r->source_sure));
	json_kv_str(out, &first, "protocol", r->protocol);
	json_kv_str(out, &first, "content_title", r->content_title);
	json_events(out, &first, r);
	json_kv_str(out, &first, "auth_failure", r->auth_failure);
	json_kv_str(out, &first, "auth_results", r->auth_results);
	json_kv_str(out, &first, "arf_version", r->arf_version);
	json_kv_str(out, &first, "original_envelope_id", r->original_envelope_id);
	json_kv_str(out, &first, "delivery_result", r->delivery_result);
	json_kv_str(out, &first, "dkim_domain", r->dkim_domain);
	json_kv_str(out, &first, "dkim_identity", r->dkim_identity);
	json_kv_str(out, &first, "dkim_selector", r->dkim_selector);
	json_kv_str(out, &first, "spf_dns", r->spf_dns);
	json_kv_str(out, &first, "identity_alignment", r->identity_alignment);
	json_kv_str(out, &first, "message_id", r->message_id);
	json_kv_str(out, &first, "subject", r->subject);
	json_kv_bool(out, &first, "auto_submitted", r->auto_submitted);
	json_flags(out, &first, r->flags);
	if (r->format == FMT_DMARC)
		json_rua(out, &first, &r->rua);
	buf_putc(out, '}');
}

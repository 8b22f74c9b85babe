/*
 * helpdesk_json - the helpdesk's records as JSON for every front end, in
 * the one dialect (abusedesk(1), JSON OUTPUT): an incident's one object
 * (`abusedesk incidents --format json`, the API's list), one incident's
 * page (`abusedesk show ID --format json`, GET /api/v1/incidents/ID), and
 * a report's raw bytes for a download. Times are RFC 3339 in UTC or null;
 * text is escaped by util/json.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../db/outbox.h"
#include "../ingest/spool.h"
#include "../util/json.h"
#include "../util/str.h"
#include "helpdesk.h"

/* kv_time - "key":"RFC 3339" or null for 0 */
static void kv_time(struct buf *b, int *first, const char *key, long long t)
{
	char when[32];

	if (t <= 0) {
		json_kv_null(b, first, key);
		return;
	}
	time_rfc3339((time_t)t, when);
	json_kv_str(b, first, key, when);
}

void app_incident_json(struct buf *b, const struct incident_row *r)
{
	int first = 1;

	buf_putc(b, '{');
	json_kv_int(b, &first, "id", r->id);
	json_kv_str(b, &first, "status", r->status);
	json_kv_str(b, &first, "verdict", r->verdict);
	json_kv_str(b, &first, "confidence", r->confidence);
	json_kv_str(b, &first, "host", r->host);
	json_kv_str(b, &first, "ip", r->ip);
	json_kv_str(b, &first, "role", r->role);
	json_kv_str(b, &first, "owner", r->owner);
	json_kv_str(b, &first, "account", r->auth_user);
	json_kv_str(b, &first, "assignee", r->assignee);
	json_kv_str(b, &first, "explanation", r->explanation);
	json_kv_int(b, &first, "reports", r->reports);
	json_kv_int(b, &first, "messages", r->messages);
	json_kv_int(b, &first, "reporters", r->reporters);
	json_kv_int(b, &first, "injectors", r->injectors);
	kv_time(b, &first, "first_seen", r->first_seen);
	kv_time(b, &first, "last_seen", r->last_seen);
	kv_time(b, &first, "created_at", r->created_at);
	kv_time(b, &first, "notified_at", r->notified_at);
	kv_time(b, &first, "resolved_at", r->resolved_at);
	json_kv_str(b, &first, "categories", r->categories);
	buf_putc(b, '}');
}

void app_incidents_json(const struct incident_rows *rows, struct buf *b)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < rows->n; i++) {
		buf_puts(b, i ? ",\n" : "\n");
		app_incident_json(b, &rows->v[i]);
	}
	buf_puts(b, rows->n ? "\n]\n" : "]\n");
}

/* is_time - a column that holds a Unix time (printed as RFC 3339) */
static int is_time(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "at") == 0 || (n > 3 && strcmp(name + n - 3, "_at") == 0);
}

/* json_rows - every row of t as an array of objects under key */
static void json_rows(const struct hd_table *t, const char *key, struct buf *b, int *first)
{
	char when[32];

	json_key(b, first, key);
	buf_putc(b, '[');
	for (size_t r = 0; r < t->nrows; r++) {
		int f = 1;

		buf_puts(b, r ? ",{" : "{");
		for (size_t c = 0; c < t->ncols; c++) {
			const struct hd_cell *x = hd_cell_at(t, r, c);

			if (x->type == HD_NULL || (is_time(t->names[c]) && x->type == HD_INT && x->i <= 0)) {
				json_kv_null(b, &f, t->names[c]);
			} else if (is_time(t->names[c]) && x->type == HD_INT) {
				time_rfc3339((time_t)x->i, when);
				json_kv_str(b, &f, t->names[c], when);
			} else if (x->type == HD_INT) {
				json_kv_int(b, &f, t->names[c], x->i);
			} else {
				json_kv_str(b, &f, t->names[c], x->s);
			}
		}
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

void app_incident_page_json(const struct incident_page *p, const struct incident_rows *inc, struct buf *b)
{
	const struct hd_table *t = &p->incident;
	int first = 1, f = 1;

	buf_putc(b, '{');
	json_key(b, &first, "incident");
	if (inc->n)
		app_incident_json(b, &inc->v[0]);
	else
		buf_puts(b, "null");
	json_key(b, &first, "owner");
	if (t->nrows == 0 || hd_cell_at(t, 0, HDI_OWNER_NAME)->type == HD_NULL) {
		buf_puts(b, "null");
	} else {
		buf_putc(b, '{');
		json_kv_str(b, &f, "key", hd_cell_at(t, 0, HDI_OWNER)->s);
		json_kv_str(b, &f, "name", hd_cell_at(t, 0, HDI_OWNER_NAME)->s);
		json_kv_str(b, &f, "email", hd_cell_at(t, 0, HDI_OWNER_EMAIL)->s);
		json_kv_str(b, &f, "policy", hd_cell_at(t, 0, HDI_OWNER_POLICY)->s);
		buf_putc(b, '}');
	}
	json_rows(&p->injectors, "injectors", b, &first);
	json_rows(&p->reports, "reports", b, &first);
	json_rows(&p->events, "events", b, &first);
	json_rows(&p->hops, "hops", b, &first);
	json_rows(&p->notifications, "notifications", b, &first);
	json_rows(&p->probes, "probes", b, &first);
	json_rows(&p->outside, "outside", b, &first);
	buf_puts(b, "}\n");
}

char *app_report_raw(struct db *d, const struct config *cfg, long long report_id, size_t *len)
{
	struct outbox_report r;
	char path[4096], *data = NULL;

	*len = 0;
	if (outbox_report(d, report_id, 0, &r) != 1)
		return NULL;
	if (r.spool_path && *r.spool_path && !strchr(r.spool_path, '/') && r.spool_path[0] != '.' &&
	    spool_find(cfg->spool_dir, r.spool_path, path, sizeof(path)) == 0)
		data = spool_read(path, len);
	outbox_report_free(&r);
	return data;
}

/* row_open - the start of row i of a list, as the CLI's JSON tables print it */
static void row_open(struct buf *b, size_t i)
{
	buf_puts(b, i ? ",\n{" : "\n{");
}

/* kv_id - "key":N, or null for 0 */
static void kv_id(struct buf *b, int *first, const char *key, long long v)
{
	if (v > 0)
		json_kv_int(b, first, key, v);
	else
		json_kv_null(b, first, key);
}

void app_reports_json(const struct report_rows *rows, struct buf *b)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < rows->n; i++) {
		const struct report_row *r = &rows->v[i];
		int first = 1;

		row_open(b, i);
		json_kv_int(b, &first, "id", r->id);
		kv_time(b, &first, "received", r->received_at);
		json_kv_str(b, &first, "status", r->status);
		json_kv_str(b, &first, "format", r->format);
		json_kv_str(b, &first, "feedback_type", r->feedback_type);
		json_kv_str(b, &first, "reporter", r->reporter);
		json_kv_str(b, &first, "source_ip", r->source_ip);
		json_kv_str(b, &first, "verdict", r->verdict);
		json_kv_str(b, &first, "abused_host", r->abused_host);
		kv_id(b, &first, "incident", r->incident);
		json_kv_str(b, &first, "subject", r->subject);
		buf_putc(b, '}');
	}
	buf_puts(b, rows->n ? "\n]\n" : "]\n");
}

void app_search_json(const struct search_hits *h, struct buf *b)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < h->n; i++) {
		const struct search_hit *x = &h->v[i];
		int first = 1;

		row_open(b, i);
		json_kv_str(b, &first, "kind", x->kind);
		json_kv_int(b, &first, "id", x->id);
		kv_id(b, &first, "incident", x->incident);
		kv_time(b, &first, "when", x->when);
		json_kv_str(b, &first, "status", x->status);
		json_kv_str(b, &first, "verdict", x->verdict);
		json_kv_str(b, &first, "host", x->host);
		json_kv_str(b, &first, "summary", x->summary);
		buf_putc(b, '}');
	}
	buf_puts(b, h->n ? "\n]\n" : "]\n");
}

void app_stats_json(const struct stat_rows *rows, struct buf *b)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < rows->n; i++) {
		int first = 1;

		row_open(b, i);
		json_kv_str(b, &first, "by", rows->v[i].by);
		json_kv_str(b, &first, "value", rows->v[i].value);
		json_kv_int(b, &first, "count", rows->v[i].count);
		buf_putc(b, '}');
	}
	buf_puts(b, rows->n ? "\n]\n" : "]\n");
}

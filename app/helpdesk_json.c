/*
 * helpdesk_json - the helpdesk's records as JSON for every front end: the
 * incident list (the objects `abusedesk incidents --format json` prints),
 * one incident's page (`abusedesk show ID --format json`), and a report's
 * raw bytes for a download. Text is escaped by util/json.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../db/outbox.h"
#include "../ingest/spool.h"
#include "../util/json.h"
#include "../util/str.h"
#include "helpdesk.h"

/* when - RFC 3339, or null for 0 */
static void when(struct buf *b, int *first, const char *key, long long t)
{
	char s[32];

	json_key(b, first, key);
	if (t <= 0) {
		json_str(b, "");
		return;
	}
	time_rfc3339((time_t)t, s);
	json_str(b, s);
}

void app_incidents_json(const struct incident_rows *rows, struct buf *b)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < rows->n; i++) {
		const struct incident_row *r = &rows->v[i];
		int first = 1;

		buf_puts(b, i ? ",\n{" : "\n{");
		json_kv_int(b, &first, "id", r->id);
		json_kv_str(b, &first, "status", r->status);
		json_kv_str(b, &first, "verdict", r->verdict);
		json_kv_str(b, &first, "host", r->host);
		json_kv_str(b, &first, "ip", r->ip);
		json_kv_str(b, &first, "owner", r->owner);
		json_kv_int(b, &first, "reports", r->reports);
		json_kv_int(b, &first, "reporters", r->reporters);
		when(b, &first, "first_seen", r->first_seen);
		when(b, &first, "last_seen", r->last_seen);
		buf_putc(b, '}');
	}
	buf_puts(b, rows->n ? "\n]\n" : "]\n");
}

/* json_rows - every row of t as an array of objects under key */
static void json_rows(const struct hd_table *t, const char *key, struct buf *b, int *first)
{
	json_key(b, first, key);
	buf_putc(b, '[');
	for (size_t r = 0; r < t->nrows; r++) {
		int f = 1;

		buf_puts(b, r ? ",{" : "{");
		for (size_t c = 0; c < t->ncols; c++) {
			const struct hd_cell *x = hd_cell_at(t, r, c);

			if (x->type == HD_INT)
				json_kv_int(b, &f, t->names[c], x->i);
			else if (x->type == HD_NULL)
				json_kv_null(b, &f, t->names[c]);
			else
				json_kv_str(b, &f, t->names[c], x->s);
		}
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

void app_incident_page_json(const struct incident_page *p, struct buf *b)
{
	int first = 1;

	buf_putc(b, '{');
	json_rows(&p->incident, "incident", b, &first);
	json_rows(&p->injectors, "injectors", b, &first);
	json_rows(&p->reports, "reports", b, &first);
	json_rows(&p->events, "events", b, &first);
	json_rows(&p->hops, "hops", b, &first);
	json_rows(&p->notifications, "notifications", b, &first);
	json_rows(&p->probes, "probes", b, &first);
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

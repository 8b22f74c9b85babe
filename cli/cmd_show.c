/*
 * cmd_show - `abusedesk show ID [--format text|json]`: one incident on one
 * page: host, owner, verdict with its explanation, counters, injectors,
 * a timeline of reports and state changes, the evidence hops of the latest
 * report, notifications sent (outbox) and probes.
 *
 * The page is read by app_incident_page (app/helpdesk.c); this file prints
 * it. Text from reports is hostile: in text form control bytes print as '?';
 * JSON is escaped by util/json. Every list is capped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "../app/helpdesk.h"
#include "../db/forward.h"
#include "../util/json.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "helpdesk.h"

static FILE *o;   /* where head and timeline print (clipped to the width later) */

/* fputc_o - one character to o */
static void fputc_o(int ch)
{
	fputc(ch, o);
}

/* pr - hostile text to the terminal, each control (str_ctl_len) as '?' */
static void pr(const char *s)
{
	size_t n = s ? strlen(s) : 0, k;
	unsigned cp;

	for (size_t i = 0; i < n; i += k) {
		if ((k = str_ctl_len(s + i, n - i, &cp)) > 0) {
			fputc_o('?');
		} else {
			if ((k = utf8_seq_len((const unsigned char *)s + i, n - i)) == 0)
				k = 1;
			fwrite(s + i, 1, k, o);
		}
	}
}

/* is_time - a column that holds a Unix time */
static int is_time(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "at") == 0 || (n > 3 && strcmp(name + n - 3, "_at") == 0);
}

/* show_json - the whole page as one JSON object (app/helpdesk_json.c) */
static int show_json(const struct incident_page *p, const struct incident_rows *inc)
{
	struct buf b;

	buf_init(&b, 0);
	app_incident_page_json(p, inc, &b);
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	return EX_OK;
}

/* col - text of a cell or "-" */
static const char *col(const struct hd_table *t, size_t r, size_t i)
{
	const struct hd_cell *x = hd_cell_at(t, r, i);

	return x->type == HD_NULL ? "-" : x->s;
}

/* isnull - the cell is NULL */
static int isnull(const struct hd_table *t, size_t r, size_t i)
{
	return hd_cell_at(t, r, i)->type == HD_NULL;
}

/* when - short time of an integer cell */
static const char *when(const struct hd_table *t, size_t r, size_t i, char buf[32])
{
	hd_when(hd_cell_at(t, r, i)->i, OUT_TABLE, buf);
	return buf[0] ? buf : "-";
}

/* wrap - hostile text as lines of at most out_width() cells (72 without one), indented */
static void wrap(const char *s, int indent)
{
	int width = out_width() > 0 ? out_width() : 72, room = width - indent > 20 ? width - indent : 20;
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t j = i, k = i, cells = 0;
		char *line;

		while (j < n && cells < (size_t)room) {     /* the most that fits */
			j++;
			while (j < n && ((unsigned char)s[j] & 0xc0) == 0x80)
				j++;
			cells++;
		}
		if (j < n) {                                 /* back to a space */
			for (k = j; k > i && s[k] != ' '; k--)
				;
			if (k > i)
				j = k;
		}
		line = xmalloc(j - i + 1);
		memcpy(line, s + i, j - i);
		line[j - i] = '\0';
		fprintf(o, "%*s", indent, "");
		pr(line);
		fputc('\n', o);
		free(line);
		i = j;
		while (i < n && s[i] == ' ')
			i++;
	}
}

/* head - the incident itself */
static void head(const struct incident_page *p, long long id)
{
	const struct hd_table *t = &p->incident;
	char t1[32], t2[32];

	fprintf(o, "Incident %lld  [%s]  %s\n", id, col(t, 0, HDI_STATUS), col(t, 0, HDI_VERDICT));
	fprintf(o, "Host:       "); pr(col(t, 0, HDI_HOST)); fprintf(o, " ("); pr(col(t, 0, HDI_IP));
	fprintf(o, "), role %s\n", col(t, 0, HDI_ROLE));
	fprintf(o, "Owner:      "); pr(col(t, 0, HDI_OWNER));
	if (!isnull(t, 0, HDI_OWNER_NAME)) {
		fprintf(o, " - "); pr(col(t, 0, HDI_OWNER_NAME)); fprintf(o, " <"); pr(col(t, 0, HDI_OWNER_EMAIL));
		fprintf(o, ">, policy %s", col(t, 0, HDI_OWNER_POLICY));
	}
	fprintf(o, "\nVerdict:    %s, confidence %s\n", col(t, 0, HDI_VERDICT), col(t, 0, HDI_CONFIDENCE));
	if (!isnull(t, 0, HDI_CATEGORIES))
		fprintf(o, "Category:   %s\n", col(t, 0, HDI_CATEGORIES));
	wrap(col(t, 0, HDI_EXPLANATION), 12);
	if (!isnull(t, 0, HDI_AUTH_USER)) {
		fprintf(o, "Account:    "); pr(col(t, 0, HDI_AUTH_USER)); fputc_o('\n');
	}
	fprintf(o, "Seen:       %s .. %s: %s reports of %s messages from %s reporters, %s injectors\n",
	       when(t, 0, HDI_FIRST_SEEN, t1), when(t, 0, HDI_LAST_SEEN, t2), col(t, 0, HDI_REPORTS),
	       col(t, 0, HDI_MESSAGES), col(t, 0, HDI_REPORTERS), col(t, 0, HDI_INJECTORS));
	/* a queued notice is not a notification: only one the server accepted */
	if (p->notified_at) {
		hd_when(p->notified_at, OUT_TABLE, t1);
		fprintf(o, "Notified:   %s\n", t1[0] ? t1 : "-");
	}
	if (!isnull(t, 0, HDI_RESOLVED_AT))
		fprintf(o, "Resolved:   %s\n", when(t, 0, HDI_RESOLVED_AT, t1));
}

/* timeline - reports (newest HD_PAGE_REPORTS) and state changes, oldest first */
static void timeline(const struct incident_page *p)
{
	const struct hd_table *r = &p->timeline, *e = &p->events;
	size_t ir = 0, ie = 0;
	char t[32];

	fprintf(o, "\nTimeline (latest %d reports, state changes):\n", HD_PAGE_REPORTS);
	while (ir < r->nrows || ie < e->nrows) {
		if (ir < r->nrows && (ie == e->nrows || hd_cell_at(r, ir, 0)->i <= hd_cell_at(e, ie, 0)->i)) {
			fprintf(o, "  %s  report %s  %s/%s", when(r, ir, 0, t), col(r, ir, 1), col(r, ir, 2),
			       col(r, ir, 3));
			if (r->ncols > 7 && !isnull(r, ir, 7))
				fprintf(o, " (%s)", col(r, ir, 7));
			fprintf(o, " from ");
			pr(col(r, ir, 4));
			fprintf(o, "  source %s  \"", col(r, ir, 5));
			pr(col(r, ir, 6));
			fprintf(o, "\"\n");
			ir++;
		} else {
			fprintf(o, "  %s  %s -> %s by ", when(e, ie, 0, t), col(e, ie, 2), col(e, ie, 3));
			pr(col(e, ie, 1));
			if (!isnull(e, ie, 4)) {
				fprintf(o, ": ");
				pr(col(e, ie, 4));
			}
			fputc_o('\n');
			ie++;
		}
	}
}

/* section - a titled table, indented; times short; later columns give way first */
static void section(const char *title, const struct hd_table *t)
{
	const char **names = xcalloc(t->ncols ? t->ncols : 1, sizeof(char *));
	struct table x;
	char w[32];

	printf("\n%s:\n", title);
	for (size_t c = 0; c < t->ncols; c++)
		names[c] = t->names[c];
	table_init(&x, t->ncols, names);
	x.indent = 2;
	for (size_t c = 0; c < t->ncols; c++)
		table_fit(&x, c, 10, c >= 2 ? (int)c : 0);
	for (size_t r = 0; r < t->nrows; r++) {
		table_row(&x);
		for (size_t c = 0; c < t->ncols; c++)
			table_set(&x, c, is_time(t->names[c]) ? when(t, r, c, w) : col(t, r, c));
	}
	if (t->nrows == 0)
		printf("  none\n");
	else
		table_print(&x, OUT_TABLE, stdout);
	table_free(&x);
	free(names);
}

/* show_text - the page for a reader, each line fitted to out_width() */
static void show_text(const struct incident_page *p, long long id)
{
	char *text = NULL;
	size_t len = 0;

	if ((o = open_memstream(&text, &len)) == NULL) {
		o = stdout;
		head(p, id);
	} else {
		head(p, id);
		fclose(o);
		out_clip(text, len, out_width(), stdout);
		free(text);
	}
	section("Injectors", &p->injectors);
	if ((o = open_memstream(&text, &len)) == NULL) {
		o = stdout;
		timeline(p);
	} else {
		timeline(p);
		fclose(o);
		out_clip(text, len, out_width(), stdout);
		free(text);
	}
	section("Evidence hops of the latest report", &p->hops);
	section("Notifications", &p->notifications);
	section("Probes", &p->probes);
	if (p->outside.nrows)
		section("Not ours: the outside contact (show --report ID for more)", &p->outside);
}

/* fwd_done - what was done with a not_ours report, in words */
static void fwd_done(const struct config *cfg, const struct db_fwd_report *r, char *out, size_t size)
{
	char when[32];
	const char *st = r->forward_state;

	hd_when(r->sent_at > 0 ? r->sent_at : r->forward_at, OUT_JSON, when);
	if (strcmp(r->verdict, "not_ours") != 0 && st[0] == '\0')
		snprintf(out, size, "ours to handle: not forwarded");
	else if (strcmp(st, "queued") == 0 && strcmp(r->sent_state, "sent") == 0)
		snprintf(out, size, "forwarded to %s at %s (ARF report)", r->forward_to, when);
	else if (strcmp(st, "queued") == 0 && (strcmp(r->sent_state, "failed") == 0 ||
					       strcmp(r->sent_state, "cancelled") == 0))
		snprintf(out, size, "forward to %s %s: %.150s", r->forward_to, r->sent_state, r->sent_error);
	else if (strcmp(st, "queued") == 0)
		snprintf(out, size, "forward to %s queued at %s; notify sends it", r->forward_to, when);
	else if (strcmp(st, "loop") == 0)
		snprintf(out, size, "not forwarded: the complaint is our own forward come back (loop)");
	else if (strcmp(st, "rate_limited") == 0)
		snprintf(out, size, "held back: a forward to %s went out within forward_interval", r->forward_to);
	else if (strcmp(st, "no_contact") == 0)
		snprintf(out, size, "not forwarded: unknown contact");
	else if (strcmp(st, "ask") == 0)
		snprintf(out, size, "waiting for the operator: 'abusedesk forward %lld' sends it to %s", r->id,
			 r->forward_to[0] ? r->forward_to : r->contact_email);
	else if (strcmp(cfg->forward_not_ours, "never") == 0)
		snprintf(out, size, "not forwarded (forward_not_ours = never; 'abusedesk forward %lld' does)", r->id);
	else
		snprintf(out, size, "not yet forwarded (forward_not_ours = %s)", cfg->forward_not_ours);
}

/* show_report - `show --report ID`: a report, its outside contact and what was done */
static int show_report(struct cli *c, struct db *d, long long id, int json)
{
	struct db_fwd_report r;
	char done[600], when[32], contact[300];
	int rc = forward_report(d, id, &r);

	if (rc <= 0) {
		if (rc == 0)
			msg_error("no report %lld", id);
		return rc == 0 ? EX_DATAERR : EX_TEMPFAIL;
	}
	fwd_done(&c->cfg, &r, done, sizeof(done));
	if (r.contact_email[0])
		snprintf(contact, sizeof(contact), "%s", r.contact_email);
	else
		snprintf(contact, sizeof(contact), "%s", r.contact_at > 0 ? "unknown contact" :
			 strcmp(r.verdict, "not_ours") == 0 ? "not looked up yet" : "-");
	if (json) {
		struct buf b;
		int first = 1;

		buf_init(&b, 1 << 20);
		buf_putc(&b, '{');
		json_kv_int(&b, &first, "id", r.id);
		hd_when(r.received_at, OUT_JSON, when);
		json_kv_str(&b, &first, "received_at", when);
		json_kv_str(&b, &first, "verdict", r.verdict[0] ? r.verdict : NULL);
		json_kv_str(&b, &first, "reporter", r.reporter[0] ? r.reporter : NULL);
		json_kv_str(&b, &first, "source_ip", r.source_ip[0] ? r.source_ip : NULL);
		json_kv_str(&b, &first, "injector_ip", r.injector_ip[0] ? r.injector_ip : NULL);
		if (r.incident_id > 0)
			json_kv_int(&b, &first, "incident", r.incident_id);
		else
			json_kv_null(&b, &first, "incident");
		json_kv_str(&b, &first, "contact", r.contact_email[0] ? r.contact_email : NULL);
		json_kv_str(&b, &first, "forward_state", r.forward_state[0] ? r.forward_state : NULL);
		json_kv_str(&b, &first, "forward_to", r.forward_to[0] ? r.forward_to : NULL);
		json_kv_str(&b, &first, "forward_sent", r.sent_state[0] ? r.sent_state : NULL);
		json_kv_str(&b, &first, "done", done);
		json_kv_str(&b, &first, "explanation", r.explanation[0] ? r.explanation : NULL);
		buf_puts(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		return EX_OK;
	}
	o = stdout;
	hd_when(r.received_at, OUT_TABLE, when);
	printf("Report %lld  ", r.id);
	pr(r.verdict[0] ? r.verdict : "-");
	printf("  received %s\n", when);
	printf("reporter:     "); pr(r.reporter[0] ? r.reporter : "-"); putchar('\n');
	printf("injector:     "); pr(r.injector_ip[0] ? r.injector_ip : "-"); putchar('\n');
	if (r.incident_id > 0)
		printf("incident:     #%lld\n", r.incident_id);
	printf("contact:      "); pr(contact); putchar('\n');
	printf("done:         "); pr(done); putchar('\n');
	if (r.explanation[0]) {
		printf("explanation:  "); pr(r.explanation); putchar('\n');
	}
	return EX_OK;
}

int cmd_show(struct cli *c, int argc, char **argv)
{
	struct incident_page p;
	long long id = 0;
	int json = 0, report = 0, rc;
	struct db d;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		    (strcmp(argv[i + 1], "json") == 0 || strcmp(argv[i + 1], "text") == 0))
			json = strcmp(argv[++i], "json") == 0;
		else if (strcmp(argv[i], "--wide") == 0)
			out_set_wide();
		else if (strcmp(argv[i], "--report") == 0)
			report = 1;
		else if (id == 0 && hd_id(argv[i], &id) == 0)
			;
		else
			return cli_usage("show");
	}
	if (id == 0)
		return cli_usage("show");
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	if (report) {
		rc = show_report(c, &d, id, json);
		db_close(&d);
		return rc;
	}
	if ((rc = app_incident_page(&d, id, &p)) != 0) {
		if (json) {
			struct incident_rows inc;

			app_incident(&d, id, &inc);
			show_json(&p, &inc);
			incident_rows_free(&inc);
		} else {
			show_text(&p, id);
		}
	}
	incident_page_free(&p);
	db_close(&d);
	if (!rc) {
		msg_error("no incident %lld", id);
		return EX_DATAERR;
	}
	return EX_OK;
}

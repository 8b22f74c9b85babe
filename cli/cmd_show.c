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
#include <string.h>
#include <sysexits.h>

#include "../app/helpdesk.h"
#include "../util/json.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "helpdesk.h"

/* pr - hostile text to the terminal, each control (str_ctl_len) as '?' */
static void pr(const char *s)
{
	size_t n = s ? strlen(s) : 0, k;
	unsigned cp;

	for (size_t i = 0; i < n; i += k) {
		if ((k = str_ctl_len(s + i, n - i, &cp)) > 0) {
			putchar('?');
		} else {
			if ((k = utf8_seq_len((const unsigned char *)s + i, n - i)) == 0)
				k = 1;
			fwrite(s + i, 1, k, stdout);
		}
	}
}

/* show_json - the whole page as one JSON object */
static int show_json(const struct incident_page *p)
{
	struct buf b;

	buf_init(&b, 0);
	app_incident_page_json(p, &b);
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

/* head - the incident itself */
static void head(const struct incident_page *p, long long id)
{
	const struct hd_table *t = &p->incident;
	char t1[32], t2[32];

	printf("Incident %lld  [%s]  %s\n", id, col(t, 0, HDI_STATUS), col(t, 0, HDI_VERDICT));
	printf("Host:       "); pr(col(t, 0, HDI_HOST)); printf(" ("); pr(col(t, 0, HDI_IP));
	printf("), role %s\n", col(t, 0, HDI_ROLE));
	printf("Owner:      "); pr(col(t, 0, HDI_OWNER));
	if (!isnull(t, 0, HDI_OWNER_NAME)) {
		printf(" - "); pr(col(t, 0, HDI_OWNER_NAME)); printf(" <"); pr(col(t, 0, HDI_OWNER_EMAIL));
		printf(">, policy %s", col(t, 0, HDI_OWNER_POLICY));
	}
	printf("\nVerdict:    %s, confidence %s\n            ", col(t, 0, HDI_VERDICT), col(t, 0, HDI_CONFIDENCE));
	pr(col(t, 0, HDI_EXPLANATION));
	putchar('\n');
	if (!isnull(t, 0, HDI_AUTH_USER)) {
		printf("Account:    "); pr(col(t, 0, HDI_AUTH_USER)); putchar('\n');
	}
	printf("Seen:       %s .. %s: %s reports of %s messages from %s reporters, %s injectors\n",
	       when(t, 0, HDI_FIRST_SEEN, t1), when(t, 0, HDI_LAST_SEEN, t2), col(t, 0, HDI_REPORTS),
	       col(t, 0, HDI_MESSAGES), col(t, 0, HDI_REPORTERS), col(t, 0, HDI_INJECTORS));
	/* a queued notice is not a notification: only one the server accepted */
	if (p->notified_at) {
		hd_when(p->notified_at, OUT_TABLE, t1);
		printf("Notified:   %s\n", t1[0] ? t1 : "-");
	}
	if (!isnull(t, 0, HDI_RESOLVED_AT))
		printf("Resolved:   %s\n", when(t, 0, HDI_RESOLVED_AT, t1));
}

/* timeline - reports (newest HD_PAGE_REPORTS) and state changes, oldest first */
static void timeline(const struct incident_page *p)
{
	const struct hd_table *r = &p->timeline, *e = &p->events;
	size_t ir = 0, ie = 0;
	char t[32];

	printf("\nTimeline (latest %d reports, state changes):\n", HD_PAGE_REPORTS);
	while (ir < r->nrows || ie < e->nrows) {
		if (ir < r->nrows && (ie == e->nrows || hd_cell_at(r, ir, 0)->i <= hd_cell_at(e, ie, 0)->i)) {
			printf("  %s  report %s  %s/%s from ", when(r, ir, 0, t), col(r, ir, 1), col(r, ir, 2),
			       col(r, ir, 3));
			pr(col(r, ir, 4));
			printf("  source %s  \"", col(r, ir, 5));
			pr(col(r, ir, 6));
			printf("\"\n");
			ir++;
		} else {
			printf("  %s  %s -> %s by ", when(e, ie, 0, t), col(e, ie, 2), col(e, ie, 3));
			pr(col(e, ie, 1));
			if (!isnull(e, ie, 4)) {
				printf(": ");
				pr(col(e, ie, 4));
			}
			putchar('\n');
			ie++;
		}
	}
}

/* section - a titled list: each row's columns joined by two spaces */
static void section(const char *title, const struct hd_table *t, int time_col)
{
	char w[32];

	printf("\n%s:\n", title);
	for (size_t r = 0; r < t->nrows; r++) {
		printf(" ");
		for (size_t c = 0; c < t->ncols; c++) {
			printf(" ");
			if ((int)c == time_col || (time_col >= 0 && strcmp(t->names[c], "sent_at") == 0))
				printf("%s", when(t, r, c, w));
			else
				pr(col(t, r, c));
		}
		putchar('\n');
	}
	if (t->nrows == 0)
		printf("  none\n");
}

int cmd_show(struct cli *c, int argc, char **argv)
{
	struct incident_page p;
	long long id = 0;
	int json = 0, rc;
	struct db d;

	if (argc < 2 || hd_id(argv[1], &id) < 0)
		return cli_usage("show");
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		    (strcmp(argv[i + 1], "json") == 0 || strcmp(argv[i + 1], "text") == 0))
			json = strcmp(argv[++i], "json") == 0;
		else
			return cli_usage("show");
	}
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	if ((rc = app_incident_page(&d, id, &p)) != 0) {
		if (json) {
			show_json(&p);
		} else {
			head(&p, id);
			section("Injectors (ip, reports)", &p.injectors, -1);
			timeline(&p);
			section("Evidence hops of the latest report (idx, from, rdns, helo, by, with, id, auth, date)",
				&p.hops, -1);
			section("Notifications (created, kind, channel, to, state, attempts, sent, subject, error)",
				&p.notifications, 0);
			section("Probes (at, target, kind, result, detail)", &p.probes, 0);
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

/*
 * cmd_notify - send queued notifications, or show the queue.
 *
 *   abusedesk notify              finish pending spool messages, then send what is due
 *   abusedesk notify --once       only send what is due (one pass over the outbox)
 *   abusedesk notify --now        also retry at once what waits for its backoff
 *   abusedesk notify --status [--all] [--format table|json|csv]
 *                                 rows not yet sent (with --all: every row),
 *                                 failed-for-good ones with the server's reason,
 *                                 cancelled ones with why
 *
 * Runs may overlap (timers, cron, `digest --send`): every row is claimed by
 * one runner before it is sent (see notify/run.c). After a run, what still
 * waits for a retry is printed with the time of its next try.
 *
 * Exit status: 0 when nothing failed in this run, 75 (EX_TEMPFAIL) when
 * some row is deferred, 69 (EX_UNAVAILABLE) when some row failed for good.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "../app/notify.h"
#include "../db/outbox.h"
#include "../util/msg.h"
#include "cli.h"
#include "../app/probe_run.h"
#include "../app/whois.h"
#include "../app/forward.h"
#include "commands.h"
#include "helpdesk.h"

static enum out_format fmt_of_status;   /* the times of the status table: short in a table */

/* add_row - one outbox row into the status table */
static void add_row(void *ctx, const struct outbox_row *r)
{
	struct table *t = ctx;
	char when[32];

	table_row(t);
	table_setf(t, 0, "%lld", r->id);
	if (r->incident_id > 0)
		table_setf(t, 1, "%lld", r->incident_id);
	table_set(t, 2, r->kind);
	table_set(t, 3, r->channel);
	table_set(t, 4, r->recipient);
	table_set(t, 5, strcmp(r->state, "pending") == 0 && *r->claim_owner &&
		  r->claim_until > db_now() ? "sending" : r->state);
	table_setf(t, 6, "%ld", r->attempts);
	hd_when(strcmp(r->state, "sent") == 0 ? r->sent_at : r->next_attempt_at, fmt_of_status, when);
	table_set(t, 7, when);
	table_set(t, 8, r->last_error);
	table_set(t, 9, r->subject);
}

/* show_status - the queue as a table */
static int show_status(struct db *d, int all, enum out_format fmt)
{
	static const char *cols[] = { "id", "incident", "kind", "channel", "recipient", "state",
				      "attempts", "next_or_sent", "last_error", "subject" };
	struct table t;
	int rc;

	fmt_of_status = fmt;
	table_init(&t, 10, cols);
	table_numeric(&t, 0);
	table_numeric(&t, 1);
	table_numeric(&t, 6);
	/* on a narrow terminal: channel, kind, attempts go; error, subject, recipient get shorter */
	table_fit(&t, 3, 0, 4);
	table_fit(&t, 2, 0, 3);
	table_fit(&t, 6, 0, 2);
	table_fit(&t, 9, 12, 1);
	table_fit(&t, 8, 16, 0);
	table_fit(&t, 4, 16, 0);
	rc = outbox_each(d, all, add_row, &t);
	table_print(&t, fmt, stdout);
	table_free(&t);
	if (fmt == OUT_TABLE)
		printf("outbox: %ld pending, %ld failed, %ld cancelled, %ld sent\n",
		       outbox_count(d, "pending"), outbox_count(d, "failed"), outbox_count(d, "cancelled"),
		       outbox_count(d, "sent"));
	return rc == DB_OK ? EX_OK : EX_SOFTWARE;
}

/* say_waiting - what waits for a retry, and when the next try is */
static void say_waiting(struct db *d)
{
	long long now = db_now(), next;
	long n;
	char when[32];

	if (outbox_waiting(d, now, &n, &next) != DB_OK || n == 0)
		return;
	time_rfc3339((time_t)next, when);
	printf("notify: %ld waiting to be retried, the next at %s (in %llds);"
	       " 'abusedesk notify --now' retries now\n", n, when, next - now);
}

/* send_due - one pass over the outbox */
static int send_due(struct cli *c, struct db *d, int now_all)
{
	struct notify_result res;
	int probed = 0, rc;

	/* probes of newly opened relay/proxy incidents happen here, never in ingest */
	if (c->cfg.probe_on_open && probe_due_run(d, &c->cfg, 64, &probed) == DB_OK && probed)
		printf("probe: %d incidents probed\n", probed);
	/* abuse contacts of not_ours reports (RDAP) likewise: here, bounded, never in ingest */
	if ((c->cfg.lookup_not_ours || strcmp(c->cfg.forward_not_ours, "never") != 0) &&
	    app_contacts_run(d, &c->cfg, (int)c->cfg.rdap_max_lookups, &probed) == DB_OK && probed)
		printf("whois: %d not_ours reports given their abuse contact\n", probed);
	if (app_forward_run(d, &c->cfg, (int)c->cfg.rdap_max_lookups, &probed) == DB_OK && probed)
		printf("forward: %d not_ours reports %s\n", probed,
		       strcmp(c->cfg.forward_not_ours, "auto") == 0 ? "forwarded" : "wait for 'abusedesk forward'");
	rc = notify_run_opts(d, &c->cfg, now_all, &res);
	printf("notify: %d sent, %d deferred, %d failed", res.sent, res.deferred, res.failed);
	if (res.cancelled)
		printf(", %d cancelled (incident resolved or false positive)", res.cancelled);
	putchar('\n');
	if (rc != DB_OK) {
		msg_error("%s: cannot update the outbox (%s)", d->path, rc == DB_BUSY ? "locked" : "error");
		return EX_TEMPFAIL;
	}
	say_waiting(d);
	return res.failed ? EX_UNAVAILABLE : res.deferred ? EX_TEMPFAIL : EX_OK;
}

int cmd_notify(struct cli *c, int argc, char **argv)
{
	enum out_format fmt = OUT_TABLE;
	int status = 0, once = 0, all = 0, now_all = 0, rc;
	struct db d;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0) {
			status = 1;
		} else if (strcmp(argv[i], "--once") == 0) {
			once = 1;
		} else if (strcmp(argv[i], "--now") == 0) {
			now_all = 1;
		} else if (strcmp(argv[i], "--all") == 0) {
			all = 1;
		} else if (strcmp(argv[i], "--wide") == 0) {
			out_set_wide();
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			if (out_format_parse(argv[++i], &fmt) < 0) {
				msg_error("--format: expected table, json or csv");
				return EX_USAGE;
			}
		} else {
			return cli_usage("notify");
		}
	}
	if (cli_config(c) < 0)
		return EX_CONFIG;
	if (!status && !once) {
		char *rp[] = { "reprocess", "--pending", NULL };

		cmd_reprocess(c, 2, rp);
	}
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	rc = status ? show_status(&d, all, fmt) : send_due(c, &d, now_all);
	db_close(&d);
	return rc;
}

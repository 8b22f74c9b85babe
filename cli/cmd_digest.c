/*
 * cmd_digest - `abusedesk digest`: print the digest of a period, or send it.
 *
 *   abusedesk digest [--since 24h | --from DATE --to DATE] [--owner O]
 *                    [--format text|html] [--send]
 *
 * Without --send the digest goes to stdout. With --send it is queued in the
 * outbox for the team (digest_address, else team_address) and for every
 * owner who opted in (owners.digest = 1), then the outbox is run at once.
 * A digest for one recipient and period is queued once, and the outbox rows
 * are claimed, so this may overlap `abusedesk notify` and other digests. A
 * relative period (--since, or the default 24h) ends now; it is keyed by the
 * UTC day (the --since length) it ends in, so timer runs within one day
 * queue one digest.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "../app/digest.h"
#include "../app/helpdesk.h"
#include "../app/notify.h"
#include "../notify/digest.h"
#include "../util/msg.h"
#include "cli.h"

struct digest_args {
	long long from, to;
	long long align;           /* a relative period: its dedupe key is aligned to its length */
	const char *owner;
	int html, send;
};

/* parse_date - --from/--to value: a date, RFC 3339 or "YYYY-MM-DD HH:MM:SS" (UTC) */
static int parse_date(const char *opt, const char *s, long long *out)
{
	time_t t;

	if (time_parse_any(s, &t) < 0) {
		msg_error("%s: expected a date like 2024-05-01 or 2024-05-01T06:00:00Z", opt);
		return -1;
	}
	*out = (long long)t;
	return 0;
}

/* parse_args - the options; 0 or an exit status */
static int parse_args(int argc, char **argv, struct digest_args *a)
{
	long since = 86400;
	int have_from = 0, have_to = 0, have_since = 0;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--send") == 0)
			a->send = 1;
		else if (i + 1 >= argc)
			return cli_usage("digest");
		else if (strcmp(o, "--since") == 0) {
			have_since = 1;
			if (time_parse_span(argv[++i], &since) < 0 || since <= 0) {
				msg_error("--since: expected a duration like 24h or 7d");
				return EX_USAGE;
			}
		} else if (strcmp(o, "--from") == 0) {
			have_from = 1;
			if (parse_date(o, argv[++i], &a->from) < 0)
				return EX_USAGE;
		} else if (strcmp(o, "--to") == 0) {
			have_to = 1;
			if (parse_date(o, argv[++i], &a->to) < 0)
				return EX_USAGE;
		} else if (strcmp(o, "--owner") == 0) {
			a->owner = argv[++i];
		} else if (strcmp(o, "--format") == 0) {
			i++;
			if (strcmp(argv[i], "html") != 0 && strcmp(argv[i], "text") != 0) {
				msg_error("--format: expected text or html");
				return EX_USAGE;
			}
			a->html = strcmp(argv[i], "html") == 0;
		} else {
			return cli_usage("digest");
		}
	}
	if (have_since && (have_from || have_to)) {
		msg_error("--since and --from/--to exclude each other");
		return EX_USAGE;
	}
	if (!have_from && !have_to)
		a->align = since;
	if (!have_to)
		a->to = db_now();
	if (!have_from)
		a->from = have_to && !have_since ? a->to - 86400 : a->to - since;
	if (a->from >= a->to) {
		msg_error("--from must be before --to");
		return EX_USAGE;
	}
	return 0;
}

/* print_digest - render to stdout */
static int print_digest(struct cli *c, struct db *d, const struct digest_args *a)
{
	struct digest dg;
	struct buf out;
	int rc;

	if ((rc = digest_collect(d, a->from, a->to, a->owner, db_now(), &dg)) != 0) {
		msg_error("digest: cannot read the database: %s", db_errmsg(d));
		return rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	buf_init(&out, 0);
	if (a->html)
		digest_html(&dg, c->cfg.organization, &out);
	else
		digest_text(&dg, c->cfg.organization, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	digest_free(&dg);
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

/* send_digest - queue the digests and run the outbox */
static int send_digest(struct cli *c, struct db *d, const struct digest_args *a)
{
	struct notify_result res;
	int queued = 0, rc;

	rc = digest_enqueue(d, &c->cfg, a->from, a->to, a->align, a->owner, db_now(), &queued);
	if (rc != 0) {
		msg_error("digest: cannot queue the digest: %s", db_errmsg(d));
		return rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	if (notify_run_opts(d, &c->cfg, 0, &res) != 0) {
		msg_error("digest: queued %d, but the outbox could not be run: try 'abusedesk notify'",
			  queued);
		return EX_TEMPFAIL;
	}
	printf("digest: %d queued; outbox: %d sent, %d failed, %d deferred\n", queued, res.sent,
	       res.failed, res.deferred);
	return res.failed ? EX_UNAVAILABLE : res.deferred ? EX_TEMPFAIL : EX_OK;
}

/* check_owner - --owner names an owner of the inventory; 0, or an exit
 * status after saying which owners there are */
static int check_owner(struct db *d, const char *key)
{
	struct owner_row o;
	struct hd_table t;
	struct buf list;
	int rc = app_owner(d, key, &o);

	if (rc == 1) {
		owner_row_free(&o);
		return 0;
	}
	if (rc != 0) {
		msg_error("digest: cannot read the database: %s", db_errmsg(d));
		return EX_SOFTWARE;
	}
	buf_init(&list, 0);
	if (app_inventory_export(d, "owners", &t) == DB_OK) {
		for (size_t r = 0; r < t.nrows && r < 10; r++) {
			const struct hd_cell *x = hd_cell_at(&t, r, 0);

			buf_printf(&list, "%s%s", r ? ", " : "", x->type == HD_NULL ? "" : x->s);
		}
		if (t.nrows > 10)
			buf_printf(&list, ", ... (%zu in all)", t.nrows);
	}
	hd_table_free(&t);
	msg_error("digest: no owner '%s' in the inventory; owners: %s ('abusedesk inventory export owners' lists them)",
		  key, list.len ? list.data : "none yet");
	buf_free(&list);
	return EX_DATAERR;
}

int cmd_digest(struct cli *c, int argc, char **argv)
{
	struct digest_args a = { 0 };
	struct db d;
	int rc;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc;
	if (cli_config(c) < 0)
		return EX_CONFIG;
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	if (a.owner && (rc = check_owner(&d, a.owner)) != 0) {
		db_close(&d);
		return rc;
	}
	rc = a.send ? send_digest(c, &d, &a) : print_digest(c, &d, &a);
	db_close(&d);
	return rc;
}

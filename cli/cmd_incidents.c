/*
 * cmd_incidents - the helpdesk's list and state changes:
 *   incidents [filters]                 list, newest activity first
 *   ack|resolve|reopen|false-positive ID [--note TEXT]
 *
 * Every filter is a bound value on an indexed column (status, owner,
 * key_host, abused_ip, verdict, last_seen), so a list answers quickly with
 * 100,000 incidents. Who changed a state is $SUDO_USER, else $USER, else the
 * numeric uid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../db/db_int.h"
#include "../correlate/trace/trace.h"
#include "../db/incidents.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "helpdesk.h"
#include "probe_run.h"

/* hd_when - a time for a table (short) or for JSON/CSV (RFC 3339) */
void hd_when(long long t, enum out_format f, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		out[0] = '\0';
		return;
	}
	if (f != OUT_TABLE) {
		time_rfc3339(tt, out);
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* hd_actor - who is at the keyboard */
void hd_actor(char *out, size_t len)
{
	const char *u = getenv("SUDO_USER");

	if (u == NULL || *u == '\0')
		u = getenv("USER");
	if (u && *u && !str_has_ctl(u, strlen(u)))
		str_copy(out, len, u);
	else
		snprintf(out, len, "uid %u", (unsigned)getuid());
}

struct filters {
	const char *status, *owner, *host, *verdict;
	char ip[46], host_lc[256];
	long since, limit;
	enum out_format fmt;
};

/* parse_filters - the options of `incidents`; 0 or a usage exit status */
static int parse_filters(int argc, char **argv, struct filters *f)
{
	memset(f, 0, sizeof(*f));
	f->limit = 50;
	f->fmt = OUT_TABLE;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			return cli_usage("incidents");
		i++;
		if (strcmp(o, "--status") == 0 && (strcmp(v, "active") == 0 || incident_status_valid(v)))
			f->status = v;
		else if (strcmp(o, "--owner") == 0)
			f->owner = v;
		else if (strcmp(o, "--host") == 0) {
			str_copy(f->host_lc, sizeof(f->host_lc), v);
			f->host = str_lower(f->host_lc);
		} else if (strcmp(o, "--ip") == 0 && ip_normalize(v, f->ip) == 0)
			;
		else if (strcmp(o, "--verdict") == 0 && verdict_from_name(v) >= 0)
			f->verdict = v;
		else if (strcmp(o, "--since") == 0 && time_parse_span(v, &f->since) == 0)
			;
		else if (strcmp(o, "--limit") == 0 && str_to_long(v, 1, 1000000, &f->limit) == 0)
			;
		else if (strcmp(o, "--format") == 0 && out_format_parse(v, &f->fmt) == 0)
			;
		else {
			msg_error("%s: bad option or value '%s'", o, v);
			return cli_usage("incidents");
		}
	}
	return 0;
}

/* list_sql - the query for the filters; values bound in bind_filters */
static void list_sql(const struct filters *f, struct buf *q)
{
	buf_puts(q, "SELECT id, status, verdict, coalesce(abused_host, key_host), abused_ip, owner, reports,"
		    " reporters, first_seen, last_seen FROM incidents WHERE 1");
	if (f->status && strcmp(f->status, "active") == 0)
		buf_puts(q, " AND status IN ('open','notified','acknowledged')");
	else if (f->status)
		buf_puts(q, " AND status = :status");
	if (f->owner)
		buf_puts(q, " AND owner = :owner");
	if (f->host)
		buf_puts(q, " AND key_host = :host");
	if (f->ip[0])
		buf_puts(q, " AND abused_ip = :ip");
	if (f->verdict)
		buf_puts(q, " AND verdict = :verdict");
	if (f->since)
		buf_puts(q, " AND last_seen >= :since");
	buf_puts(q, " ORDER BY last_seen DESC, id DESC LIMIT :limit");
}

/* bind_name - bind a text by parameter name when the query has it */
static void bind_name(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		db_bind_text(st, i, v);
}

int cmd_incidents(struct cli *c, int argc, char **argv)
{
	static const char *cols[] = { "id", "status", "verdict", "host", "ip", "owner", "reports", "reporters",
				      "first_seen", "last_seen" };
	struct filters f;
	struct table t;
	struct buf q;
	struct db d;
	sqlite3_stmt *st;
	char when[32];
	int rc;

	if ((rc = parse_filters(argc, argv, &f)) != 0)
		return rc;
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	buf_init(&q, 0);
	list_sql(&f, &q);
	st = db_prepare(&d, q.data);
	buf_free(&q);
	if (st == NULL) {
		db_close(&d);
		return EX_SOFTWARE;
	}
	bind_name(st, ":status", f.status);
	bind_name(st, ":owner", f.owner);
	bind_name(st, ":host", f.host);
	bind_name(st, ":ip", f.ip);
	bind_name(st, ":verdict", f.verdict);
	if (f.since)
		db_bind_int(st, sqlite3_bind_parameter_index(st, ":since"), db_now() - f.since);
	db_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"), f.limit);
	table_init(&t, 10, cols);
	table_numeric(&t, 0);
	table_numeric(&t, 6);
	table_numeric(&t, 7);
	while (db_step(&d, st) == SQLITE_ROW) {
		table_row(&t);
		for (int i = 0; i < 8; i++)
			if (sqlite3_column_type(st, i) != SQLITE_NULL)
				table_set(&t, (size_t)i, db_col_text(st, i));
		hd_when(sqlite3_column_int64(st, 8), f.fmt, when);
		table_set(&t, 8, when);
		hd_when(sqlite3_column_int64(st, 9), f.fmt, when);
		table_set(&t, 9, when);
	}
	sqlite3_finalize(st);
	table_print(&t, f.fmt, stdout);
	table_free(&t);
	db_close(&d);
	return EX_OK;
}

/* hd_id - parse an incident id */
int hd_id(const char *s, long long *id)
{
	long v;

	if (s == NULL || str_to_long(s[0] == '#' ? s + 1 : s, 1, 0x7fffffffL, &v) < 0)
		return -1;
	*id = v;
	return 0;
}

/* report_probe - say what the probe after a resolve found */
static void report_probe(int rc, long long id)
{
	switch (rc) {
	case PROBE_INC_CLOSED:
		printf("incident %lld: probe finds the host closed now\n", id);
		break;
	case PROBE_INC_REOPENED:
	case PROBE_INC_OPEN:
		printf("incident %lld: probe finds the host STILL OPEN: incident reopened, owner told "
		       "(abusedesk show %lld)\n", id, id);
		break;
	case PROBE_INC_SKIPPED:
		break;
	case PROBE_INC_REFUSED:
		printf("incident %lld: not probed: the address is not ours or not in the inventory\n", id);
		break;
	default:
		printf("incident %lld: the probe failed (abusedesk show %lld has its transcript)\n", id, id);
	}
}

/* set_status - the body of ack, resolve, reopen and false-positive */
static int set_status(struct cli *c, int argc, char **argv, const char *status)
{
	char actor[128], *note = NULL;
	long long id = 0;
	struct db d;
	int rc;

	if (argc < 2 || hd_id(argv[1], &id) < 0)
		return cli_usage(argv[0]);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--note") == 0 && i + 1 < argc && !note)
			note = str_sanitize(argv[++i], 1000);
		else {
			free(note);
			return cli_usage(argv[0]);
		}
	}
	hd_actor(actor, sizeof(actor));
	if (cli_db(c, &d) < 0) {
		free(note);
		return EX_UNAVAILABLE;
	}
	if ((rc = db_begin(&d)) == DB_OK && (rc = incident_set_status(&d, id, status, actor, note)) == 0)
		rc = db_commit(&d);
	else
		db_rollback(&d);
	free(note);
	if (rc == 1) {
		msg_error("no incident %lld", id);
		db_close(&d);
		return EX_DATAERR;
	}
	if (rc != 0) {
		msg_error("incident %lld: database %s", id, rc == DB_BUSY ? "busy, try again" : "error");
		db_close(&d);
		return rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	printf("incident %lld: %s by %s\n", id, status, actor);
	if (strcmp(status, "resolved") == 0 && c->cfg.probe_on_resolve)
		report_probe(probe_incident(&d, &c->cfg, id, 1), id);
	db_close(&d);
	return EX_OK;
}

int cmd_ack(struct cli *c, int argc, char **argv)
{
	return set_status(c, argc, argv, "acknowledged");
}

int cmd_resolve(struct cli *c, int argc, char **argv)
{
	return set_status(c, argc, argv, "resolved");
}

int cmd_reopen(struct cli *c, int argc, char **argv)
{
	return set_status(c, argc, argv, "open");
}

int cmd_false_positive(struct cli *c, int argc, char **argv)
{
	return set_status(c, argc, argv, "false_positive");
}

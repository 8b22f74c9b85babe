/*
 * cmd_incidents - the helpdesk's list and state changes:
 *   incidents [filters]                 list, newest activity first
 *   ack|resolve|reopen|false-positive ID [--note TEXT]
 *
 * The list and the state changes are app/helpdesk.c's; this file parses
 * the options and prints. Who changed a state is $SUDO_USER, else $USER,
 * else the numeric uid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <pwd.h>
#include <unistd.h>

#include "../app/helpdesk.h"
#include "../correlate/trace/trace.h"
#include "../db/incidents.h"
#include "../util/json.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "helpdesk.h"
#include "../app/probe_run.h"

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

/* actor_ok - a name to record as an actor: 1..64 bytes, no control or space */
static int actor_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;

	if (n == 0 || n > 64 || str_has_ctl(u, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (u[i] == ' ')
			return 0;
	return 1;
}

/* hd_actor - the person at the keyboard: by (--by NAME), else $SUDO_USER
 * (who ran sudo), else the login name (getlogin, as logname(1)), else
 * $LOGNAME or $USER, else the name of the uid in the passwd file; never
 * "uid N". 0, or -1 when no name was found or by is not a name */
int hd_actor(const char *by, char *out, size_t len)
{
	const char *u = NULL;
	struct passwd *pw;

	if (by)
		u = by;
	else if (actor_ok(getenv("SUDO_USER")))
		u = getenv("SUDO_USER");
	else if (actor_ok(getlogin()))
		u = getlogin();
	else if (actor_ok(getenv("LOGNAME")))
		u = getenv("LOGNAME");
	else if (actor_ok(getenv("USER")))
		u = getenv("USER");
	else if ((pw = getpwuid(getuid())) != NULL && actor_ok(pw->pw_name))
		u = pw->pw_name;
	if (!actor_ok(u)) {
		out[0] = '\0';
		return -1;
	}
	str_copy(out, len, u);
	return 0;
}

struct filters {
	const char *status, *owner, *host, *verdict;
	char ip[46], host_lc[256];
	long since, limit;
	int all;
	enum out_format fmt;
};

/* hd_valid_statuses - the values --status takes, for messages and help */
const char *hd_valid_statuses(void)
{
	return "active (the default: " ACTIVE_STATES "), open, notified, acknowledged, resolved, false_positive";
}

/* hd_valid_verdicts - every verdict name, comma-separated */
void hd_valid_verdicts(char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < 64 && verdict_from_name(verdict_name((enum verdict_class)i)) == i; i++)
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", i ? ", " : "",
				      verdict_name((enum verdict_class)i));
}

/* parse_filters - the options of `incidents`; 0 or a usage exit status */
static int parse_filters(int argc, char **argv, struct filters *f)
{
	char verdicts[512];

	memset(f, 0, sizeof(*f));
	f->limit = 50;
	f->fmt = OUT_TABLE;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--all") == 0) {
			f->all = 1;
			continue;
		}
		if (strcmp(o, "--wide") == 0) {
			out_set_wide();
			continue;
		}
		if (v == NULL)
			return cli_usage("incidents");
		i++;
		if (strcmp(o, "--status") == 0) {
			if (strcmp(v, "active") != 0 && !incident_status_valid(v)) {
				msg_error("--status: no status '%.60s'; valid: %s", v, hd_valid_statuses());
				return EX_USAGE;
			}
			f->status = v;
		} else if (strcmp(o, "--owner") == 0)
			f->owner = v;
		else if (strcmp(o, "--host") == 0) {
			str_copy(f->host_lc, sizeof(f->host_lc), v[0] == '.' ? v + 1 : v);
			f->host = str_lower(f->host_lc);
		} else if (strcmp(o, "--ip") == 0 && ip_normalize(v, f->ip) == 0)
			;
		else if (strcmp(o, "--verdict") == 0) {
			if (verdict_from_name(v) < 0) {
				hd_valid_verdicts(verdicts, sizeof(verdicts));
				msg_error("--verdict: no verdict '%.60s'; valid: %s", v, verdicts);
				return EX_USAGE;
			}
			f->verdict = v;
		} else if (strcmp(o, "--since") == 0 && time_parse_span(v, &f->since) == 0)
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
	if (f->all && f->status) {
		msg_error("--all and --status exclude each other");
		return EX_USAGE;
	}
	if (!f->all && !f->status)
		f->status = "active";
	return 0;
}

/* set_when - a time column of the table */
static void set_when(struct table *t, size_t col, long long v, enum out_format f)
{
	char when[32];

	hd_when(v, f, when);
	table_set(t, col, when);
}

/* print_json - the list as a JSON array of incident objects (app/helpdesk_json.c) */
static void print_json(const struct incident_rows *rows)
{
	struct buf b;

	buf_init(&b, 0);
	app_incidents_json(rows, &b);
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

int cmd_incidents(struct cli *c, int argc, char **argv)
{
	static const char *cols[] = { "id", "status", "verdict", "host", "ip", "owner", "reports", "reporters",
				      "first_seen", "last_seen" };
	struct incident_rows rows;
	struct hd_filter hf;
	struct filters f;
	struct table t;
	struct db d;
	int rc;

	if ((rc = parse_filters(argc, argv, &f)) != 0)
		return rc;
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	memset(&hf, 0, sizeof(hf));
	hf.status = f.status;
	hf.owner = f.owner;
	hf.host = f.host;
	hf.ip = f.ip;
	hf.verdict = f.verdict;
	hf.since = f.since ? db_now() - f.since : 0;
	hf.limit = f.limit;
	if (app_incidents(&d, &hf, &rows) != DB_OK && rows.n == 0) {
		db_close(&d);
		return EX_SOFTWARE;
	}
	if (f.fmt == OUT_JSON) {
		print_json(&rows);
		incident_rows_free(&rows);
		db_close(&d);
		return EX_OK;
	}
	table_init(&t, 10, cols);
	table_numeric(&t, 0);
	table_numeric(&t, 6);
	table_numeric(&t, 7);
	/* on a narrow terminal: first_seen, reporters, ip go first; host and owner get shorter */
	table_fit(&t, 8, 0, 5);
	table_fit(&t, 7, 0, 4);
	table_fit(&t, 4, 0, 3);
	table_fit(&t, 5, 8, 2);
	table_fit(&t, 3, 12, 0);
	table_fit(&t, 2, 0, 1);
	for (size_t i = 0; i < rows.n; i++) {
		const struct incident_row *r = &rows.v[i];

		table_row(&t);
		table_setf(&t, 0, "%lld", r->id);
		table_set(&t, 1, r->status);
		table_set(&t, 2, r->verdict);
		table_set(&t, 3, r->host);
		table_set(&t, 4, r->ip);
		table_set(&t, 5, r->owner);
		table_setf(&t, 6, "%lld", r->reports);
		table_setf(&t, 7, "%lld", r->reporters);
		set_when(&t, 8, r->first_seen, f.fmt);
		set_when(&t, 9, r->last_seen, f.fmt);
	}
	incident_rows_free(&rows);
	table_print(&t, f.fmt, stdout);
	if (t.nrows == 0 && f.fmt == OUT_TABLE && !f.all && strcmp(f.status, "active") == 0)
		printf("(only active incidents: %s; --all lists every one)\n", ACTIVE_STATES);
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
	const char *by = NULL;
	long long id = 0;
	struct db d;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--note") == 0 && i + 1 < argc && !note)
			note = str_sanitize(argv[++i], 1000);
		else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc && !by)
			by = argv[++i];
		else if (id == 0 && hd_id(argv[i], &id) == 0)
			;
		else {
			if (argv[i][0] != '-' || hd_id(argv[i], &id) == 0)
				msg_error("%s: '%.40s' is not an incident id", argv[0], argv[i]);
			free(note);
			return cli_usage(argv[0]);
		}
	}
	if (id == 0) {
		free(note);
		return cli_usage(argv[0]);
	}
	if (hd_actor(by, actor, sizeof(actor)) < 0) {
		if (by)
			msg_error("--by: a name of 1-64 bytes without spaces or control characters");
		else
			msg_error("cannot tell who you are (no SUDO_USER, login name or user name): use --by NAME");
		free(note);
		return EX_USAGE;
	}
	if (cli_db(c, &d) < 0) {
		free(note);
		return EX_UNAVAILABLE;
	}
	rc = app_set_status(&d, id, status, actor, note);
	free(note);
	if (rc == 2) {
		printf("incident %lld is already %s: nothing changed\n", id, status);
		db_close(&d);
		return EX_OK;
	}
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

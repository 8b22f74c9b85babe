/*
 * cmd_show - `abusedesk show ID [--format text|json]`: one incident on one
 * page: host, owner, verdict with its explanation, counters, injectors,
 * a timeline of reports and state changes, the evidence hops of the latest
 * report, notifications sent (outbox) and probes.
 *
 * Text from reports is hostile: in text form control bytes print as '?';
 * JSON is escaped by util/json. Every list is capped.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../db/db_int.h"
#include "../util/json.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "helpdesk.h"

#define SHOW_REPORTS 20
#define SHOW_EVENTS  100

static const char *q_incident =
	"SELECT i.id, i.status, i.verdict, i.key_host, i.abused_host, i.abused_ip, i.owner, i.role,"
	" i.confidence, i.explanation, i.auth_user, i.first_seen, i.last_seen, i.reports, i.messages,"
	" i.reporters, i.injectors, i.created_at, i.resolved_at, i.notified_at,"
	" o.name AS owner_name, o.email AS owner_email, o.policy AS owner_policy"
	" FROM incidents i LEFT JOIN owners o ON o.key = i.owner WHERE i.id = ?1";
static const char *q_injectors =
	"SELECT value AS ip, count FROM incident_keys WHERE incident_id = ?1 AND kind = 'injector'"
	" ORDER BY count DESC, value LIMIT 20";
static const char *q_reports =
	"SELECT id, received_at, format, feedback_type, reporter, source_ip, injector_ip, orig_message_id,"
	" orig_subject FROM reports WHERE incident_id = ?1 ORDER BY received_at DESC, id DESC LIMIT 20";
static const char *q_events =
	"SELECT at, actor, old_status, new_status, note FROM incident_events WHERE incident_id = ?1"
	" ORDER BY at, id LIMIT 100";
static const char *q_hops =
	"SELECT idx, from_ip, from_rdns, helo, by_host, with_proto, queue_id, auth, date FROM report_hops"
	" WHERE report_id = (SELECT id FROM reports WHERE incident_id = ?1 ORDER BY received_at DESC, id DESC"
	" LIMIT 1) ORDER BY idx LIMIT 15";
static const char *q_outbox =
	"SELECT created_at, kind, channel, recipient, state, attempts, sent_at, subject, last_error FROM outbox"
	" WHERE incident_id = ?1 ORDER BY id DESC LIMIT 20";
static const char *q_probes =
	"SELECT at, target, kind, result, detail FROM probes WHERE incident_id = ?1 ORDER BY at DESC LIMIT 20";

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

/* open_q - prepare and bind the incident id */
static sqlite3_stmt *open_q(struct db *d, const char *sql, long long id)
{
	sqlite3_stmt *st = db_prepare(d, sql);

	if (st)
		db_bind_int(st, 1, id);
	return st;
}

/* json_rows - every row of sql as an array of objects under key */
static void json_rows(struct db *d, const char *sql, long long id, const char *key, struct buf *b, int *first)
{
	sqlite3_stmt *st = open_q(d, sql, id);
	int n = 0;

	json_key(b, first, key);
	buf_putc(b, '[');
	while (st && db_step(d, st) == SQLITE_ROW) {
		int f = 1;

		buf_puts(b, n++ ? ",{" : "{");
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			if (sqlite3_column_type(st, c) == SQLITE_INTEGER)
				json_kv_int(b, &f, sqlite3_column_name(st, c), sqlite3_column_int64(st, c));
			else if (sqlite3_column_type(st, c) == SQLITE_NULL)
				json_kv_null(b, &f, sqlite3_column_name(st, c));
			else
				json_kv_str(b, &f, sqlite3_column_name(st, c), db_col_text(st, c));
		}
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
	sqlite3_finalize(st);
}

/* show_json - the whole page as one JSON object */
static int show_json(struct db *d, long long id)
{
	struct buf b;
	int first = 1;

	buf_init(&b, 0);
	buf_putc(&b, '{');
	json_rows(d, q_incident, id, "incident", &b, &first);
	json_rows(d, q_injectors, id, "injectors", &b, &first);
	json_rows(d, q_reports, id, "reports", &b, &first);
	json_rows(d, q_events, id, "events", &b, &first);
	json_rows(d, q_hops, id, "hops", &b, &first);
	json_rows(d, q_outbox, id, "notifications", &b, &first);
	json_rows(d, q_probes, id, "probes", &b, &first);
	buf_puts(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	return EX_OK;
}

/* col - text of a column or "-" */
static const char *col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? "-" : db_col_text(st, i);
}

/* when - short time of an integer column */
static const char *when(sqlite3_stmt *st, int i, char buf[32])
{
	hd_when(sqlite3_column_int64(st, i), OUT_TABLE, buf);
	return buf[0] ? buf : "-";
}

/* notified_line - "Notified:" once a notice was accepted by the server (a queued
 * notice is not a notification) */
static void notified_line(struct db *d, long long id)
{
	sqlite3_stmt *st = open_q(d, "SELECT max(sent_at) FROM outbox WHERE incident_id = ?1"
				  " AND kind = 'notify' AND state = 'sent'", id);
	char t[32];

	if (st && db_step(d, st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		printf("Notified:   %s\n", when(st, 0, t));
	sqlite3_finalize(st);
}

/* head - the incident itself; 0 when there is none */
static int head(struct db *d, long long id)
{
	sqlite3_stmt *st = open_q(d, q_incident, id);
	char t1[32], t2[32];
	int found = st && db_step(d, st) == SQLITE_ROW;

	if (found) {
		printf("Incident %lld  [%s]  %s\n", id, col(st, 1), col(st, 2));
		printf("Host:       "); pr(col(st, 4)); printf(" ("); pr(col(st, 5)); printf("), role %s\n", col(st, 7));
		printf("Owner:      "); pr(col(st, 6));
		if (sqlite3_column_type(st, 20) != SQLITE_NULL) {
			printf(" - "); pr(col(st, 20)); printf(" <"); pr(col(st, 21)); printf(">, policy %s", col(st, 22));
		}
		printf("\nVerdict:    %s, confidence %s\n            ", col(st, 2), col(st, 8));
		pr(col(st, 9));
		putchar('\n');
		if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
			printf("Account:    "); pr(col(st, 10)); putchar('\n');
		}
		printf("Seen:       %s .. %s: %s reports of %s messages from %s reporters, %s injectors\n",
		       when(st, 11, t1), when(st, 12, t2), col(st, 13), col(st, 14), col(st, 15), col(st, 16));
		notified_line(d, id);
		if (sqlite3_column_type(st, 18) != SQLITE_NULL)
			printf("Resolved:   %s\n", when(st, 18, t1));
	}
	sqlite3_finalize(st);
	return found;
}

/* timeline - reports (newest SHOW_REPORTS) and state changes, oldest first */
static void timeline(struct db *d, long long id)
{
	sqlite3_stmt *r = open_q(d, "SELECT * FROM (SELECT received_at, id, format, feedback_type, reporter,"
				 " source_ip, orig_subject FROM reports WHERE incident_id = ?1 ORDER BY received_at DESC,"
				 " id DESC LIMIT 20) ORDER BY received_at, id", id);
	sqlite3_stmt *e = open_q(d, q_events, id);
	int hr = r && db_step(d, r) == SQLITE_ROW, he = e && db_step(d, e) == SQLITE_ROW;
	char t[32];

	printf("\nTimeline (latest %d reports, state changes):\n", SHOW_REPORTS);
	while (hr || he) {
		if (hr && (!he || sqlite3_column_int64(r, 0) <= sqlite3_column_int64(e, 0))) {
			printf("  %s  report %s  %s/%s from ", when(r, 0, t), col(r, 1), col(r, 2), col(r, 3));
			pr(col(r, 4));
			printf("  source %s  \"", col(r, 5));
			pr(col(r, 6));
			printf("\"\n");
			hr = db_step(d, r) == SQLITE_ROW;
		} else {
			printf("  %s  %s -> %s by ", when(e, 0, t), col(e, 2), col(e, 3));
			pr(col(e, 1));
			if (sqlite3_column_type(e, 4) != SQLITE_NULL) {
				printf(": ");
				pr(col(e, 4));
			}
			putchar('\n');
			he = db_step(d, e) == SQLITE_ROW;
		}
	}
	sqlite3_finalize(r);
	sqlite3_finalize(e);
}

/* section - a titled list: each row's columns joined by two spaces */
static void section(struct db *d, const char *title, const char *sql, long long id, int time_col)
{
	sqlite3_stmt *st = open_q(d, sql, id);
	char t[32];
	int n = 0;

	printf("\n%s:\n", title);
	while (st && db_step(d, st) == SQLITE_ROW) {
		printf(" ");
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			printf(" ");
			if (c == time_col || (time_col >= 0 && strcmp(sqlite3_column_name(st, c), "sent_at") == 0))
				printf("%s", when(st, c, t));
			else
				pr(col(st, c));
		}
		putchar('\n');
		n++;
	}
	if (n == 0)
		printf("  none\n");
	sqlite3_finalize(st);
}

int cmd_show(struct cli *c, int argc, char **argv)
{
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
	if (json) {
		sqlite3_stmt *st = open_q(&d, "SELECT 1 FROM incidents WHERE id = ?1", id);

		rc = st && db_step(&d, st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (rc)
			show_json(&d, id);
	} else if ((rc = head(&d, id)) != 0) {
		section(&d, "Injectors (ip, reports)", q_injectors, id, -1);
		timeline(&d, id);
		section(&d, "Evidence hops of the latest report (idx, from, rdns, helo, by, with, id, auth, date)",
			q_hops, id, -1);
		section(&d, "Notifications (created, kind, channel, to, state, attempts, sent, subject, error)",
			q_outbox, id, 0);
		section(&d, "Probes (at, target, kind, result, detail)", q_probes, id, 0);
	}
	db_close(&d);
	if (!rc) {
		msg_error("no incident %lld", id);
		return EX_DATAERR;
	}
	return EX_OK;
}

/*
 * natlog - store NAT records and find the inside host behind ip:port at t.
 *
 * Addresses are kept as canonical text (util/ipaddr ip_format), so the
 * UNIQUE(outside_ip, outside_port, at, ...) index serves the lookup.
 */
#include <string.h>

#include "db_int.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "natlog.h"

int natlog_insert(struct db *d, long long at, const struct ipaddr *inside, int inside_port,
		  const struct ipaddr *outside, int outside_port)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO natlog(at, inside_ip, inside_port, outside_ip,"
				      " outside_port) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING");
	char in[46], out[46];
	int rc;

	if (st == NULL)
		return DB_ERROR;
	ip_format(inside, in);
	ip_format(outside, out);
	db_bind_int(st, 1, at);
	db_bind_text(st, 2, in);
	db_bind_pos(st, 3, inside_port);
	db_bind_text(st, 4, out);
	db_bind_int(st, 5, outside_port);
	rc = db_step(d, st);
	db_finalize(st);
	if (rc == DB_DONE)
		return db_changes(d) > 0 ? 1 : 0;
	if (rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

int natlog_find(struct db *d, const struct ipaddr *outside, int port, long long t, char inside_ip[46],
		int *inside_port)
{
	struct db_stmt *st;
	char out[46];
	int found = -1, rc;

	if (port <= 0 || t <= 0)
		return -1;
	st = db_prepare(d, "SELECT inside_ip, inside_port FROM natlog WHERE outside_ip = ? AND outside_port = ?"
			   " AND at BETWEEN ? AND ? ORDER BY at > ?5, abs(at - ?5) LIMIT 1");
	if (st == NULL)
		return -2;
	ip_format(outside, out);
	db_bind_text(st, 1, out);
	db_bind_int(st, 2, port);
	db_bind_int(st, 3, t - NATLOG_WINDOW);
	db_bind_int(st, 4, t + NATLOG_SKEW);
	db_bind_int(st, 5, t);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		str_copy(inside_ip, 46, db_col_text(st, 0));
		if (inside_port)
			*inside_port = (int)db_col_int(st, 1);
		found = 0;
	} else if (rc != DB_DONE) {
		found = -2;
	}
	db_finalize(st);
	return found;
}

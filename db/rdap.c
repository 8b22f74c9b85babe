/*
 * rdap - the abuse contact cache and the contact on reports (see rdap.h).
 */
#include <string.h>

#include "db_int.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "rdap.h"

/* done - the last step to DB_OK / DB_BUSY / DB_ERROR, finalized */
static int done(struct db *d, struct db_stmt *st, int rc)
{
	db_finalize(st);
	if (rc == DB_DONE || rc == DB_ROW)
		return DB_OK;
	if (rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

int rdap_cache_get(struct db *d, const char *ip, struct db_rdap *out)
{
	struct db_stmt *st = db_prepare(d, "SELECT status, email, network, registry, detail, fetched_at,"
				      " expires_at FROM rdap_cache WHERE ip = ?");
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, ip);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		found = 1;
		str_copy(out->status, sizeof(out->status), db_col_text(st, 0));
		str_copy(out->email, sizeof(out->email), db_col_text(st, 1));
		str_copy(out->network, sizeof(out->network), db_col_text(st, 2));
		str_copy(out->registry, sizeof(out->registry), db_col_text(st, 3));
		str_copy(out->detail, sizeof(out->detail), db_col_text(st, 4));
		out->fetched_at = db_col_int(st, 5);
		out->expires_at = db_col_int(st, 6);
	}
	if (done(d, st, rc) != DB_OK)
		return DB_ERROR;
	return found;
}

/* nz - "" as NULL */
static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

int rdap_cache_put(struct db *d, const char *ip, const struct db_rdap *r)
{
	/* an upsert both backends speak (SQLite's INSERT OR REPLACE is its own) */
	struct db_stmt *st = db_prepare(d, "INSERT INTO rdap_cache(ip, status, email, network,"
				      " registry, detail, fetched_at, expires_at) VALUES (?,?,?,?,?,?,?,?)"
				      " ON CONFLICT(ip) DO UPDATE SET status = excluded.status, email = excluded.email,"
				      " network = excluded.network, registry = excluded.registry,"
				      " detail = excluded.detail, fetched_at = excluded.fetched_at,"
				      " expires_at = excluded.expires_at");

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, ip);
	db_bind_text(st, 2, r->status);
	db_bind_text(st, 3, nz(r->email));
	db_bind_text(st, 4, nz(r->network));
	db_bind_text(st, 5, nz(r->registry));
	db_bind_text(st, 6, nz(r->detail));
	db_bind_int(st, 7, r->fetched_at);
	db_bind_int(st, 8, r->expires_at);
	return done(d, st, db_step(d, st));
}

int rdap_reports_due(struct db *d, long long now, int max,
		     void (*fn)(void *ctx, long long id, const char *ip), void *ctx)
{
	struct db_stmt *st = db_prepare(d, "SELECT r.id, coalesce(r.injector_ip, r.source_ip) AS ip FROM reports r"
				      " WHERE r.verdict = 'not_ours' AND r.contact_at IS NULL"
				      " AND coalesce(r.injector_ip, r.source_ip) IS NOT NULL"
				      " AND NOT EXISTS (SELECT 1 FROM rdap_cache c WHERE"
				      "  c.ip = coalesce(r.injector_ip, r.source_ip)"
				      "  AND c.status = 'error' AND c.expires_at > ?)"
				      " ORDER BY r.id DESC LIMIT ?");
	struct { long long id; char ip[46]; } rows[256];
	int n = 0, rc;

	if (st == NULL)
		return DB_ERROR;
	if (max > (int)(sizeof(rows) / sizeof(rows[0])))
		max = (int)(sizeof(rows) / sizeof(rows[0]));
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, max);
	while ((rc = db_step(d, st)) == DB_ROW && n < max) {
		rows[n].id = db_col_int(st, 0);
		str_copy(rows[n].ip, sizeof(rows[n].ip), db_col_text(st, 1));
		n++;
	}
	if (done(d, st, rc) != DB_OK)
		return DB_ERROR;
	/* the statement is finished before the callbacks write */
	for (int i = 0; i < n; i++)
		fn(ctx, rows[i].id, rows[i].ip);
	return DB_OK;
}

int rdap_report_set(struct db *d, long long report_id, const char *email, long long at)
{
	struct db_stmt *st = db_prepare(d, "UPDATE reports SET contact_email = ?, contact_at = ? WHERE id = ?");

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, nz(email));
	db_bind_int(st, 2, at);
	db_bind_int(st, 3, report_id);
	return done(d, st, db_step(d, st));
}

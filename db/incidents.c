/*
 * incidents - attach reports to incidents, count evidence, change state.
 *
 * The counters on an incident row (reports, messages, reporters, injectors)
 * are kept in step with incident_keys, which holds one row per distinct
 * message key, reporter and injector IP with how often it was seen; a key
 * seen for the first time bumps the matching counter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "incidents.h"
#include "outbox.h"

static const char *const states[] = { "open", "notified", "acknowledged", "resolved", "false_positive" };

/* incident_status_valid - one of the known states */
int incident_status_valid(const char *s)
{
	for (size_t i = 0; s && i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(s, states[i]) == 0)
			return 1;
	return 0;
}

/* rc_of - a finished step as DB_OK / DB_BUSY / DB_ERROR */
static int rc_of(struct db *d, int rc)
{
	if (rc == DB_DONE || rc == DB_ROW)
		return DB_OK;
	if (rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

/* step_rc - run st to its end: DB_OK / DB_BUSY / DB_ERROR */
static int step_rc(struct db *d, struct db_stmt *st)
{
	return rc_of(d, db_step(d, st));
}

/* later_rc - step_rc for a statement whose answer is not read (db_step_later) */
static int later_rc(struct db *d, struct db_stmt *st)
{
	return rc_of(d, db_step_later(d, st));
}

/* add_event - one row of the incident's history */
static int add_event(struct db *d, long long id, long long at, const char *actor, const char *old,
		     const char *new, const char *note)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO incident_events(incident_id, at, actor, old_status,"
				      " new_status, note) VALUES (?,?,?,?,?,?)");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, at);
	db_bind_text(st, 3, actor && *actor ? actor : "unknown");
	db_bind_text(st, 4, old);
	db_bind_text(st, 5, new);
	db_bind_text(st, 6, note && *note ? note : NULL);
	rc = later_rc(d, st);
	db_finalize(st);
	return rc;
}

/* add_key - count value under kind; *isnew = 1 when first seen (SQLite). Two
 * plain statements rather than one upsert with RETURNING: SQLite runs
 * RETURNING as a trigger, and a statement with a trigger keeps a statement
 * journal (a copy of every page it touches). PostgreSQL: add_keys_pg. */
static int add_key(struct db *d, long long id, const char *kind, const char *value, int *isnew)
{
	struct db_stmt *st;
	char v[INCIDENT_MAX_KEY];
	int rc;

	*isnew = 0;
	if (value == NULL || *value == '\0')
		return DB_OK;
	str_copy(v, sizeof(v), value);
	st = db_prepare(d, "INSERT INTO incident_keys(incident_id, kind, value) VALUES (?,?,?)"
			   " ON CONFLICT DO NOTHING");
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, v);
	rc = step_rc(d, st);
	db_finalize(st);
	if (rc != DB_OK)
		return rc;
	if (db_changes(d) > 0) {
		*isnew = 1;
		return DB_OK;
	}
	st = db_prepare(d, "UPDATE incident_keys SET count = count + 1 WHERE incident_id = ? AND kind = ? AND value = ?");
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, v);
	rc = step_rc(d, st);
	db_finalize(st);
	return rc;
}

/* report_time - when the report reached us (its row), else now */
static long long report_time(struct db *d, long long report_id)
{
	struct db_stmt *st = db_prepare(d, "SELECT received_at FROM reports WHERE id = ?");
	long long t = 0;

	if (st) {
		db_bind_int(st, 1, report_id);
		if (db_step(d, st) == DB_ROW)
			t = db_col_int(st, 0);
		db_finalize(st);
	}
	return t > 0 ? t : db_now();
}

/* unchanged - coalesce(nv, col) leaves col as it is */
static int unchanged(const char *nv, const char *col)
{
	return nv == NULL || *nv == '\0' || (col && strcmp(nv, col) == 0);
}

/* same_text - nv = col, NULL equal to NULL */
static int same_text(const char *nv, const char *col)
{
	return nv == NULL ? col == NULL : col && strcmp(nv, col) == 0;
}

/* What a report changes in its incident's row besides the counters (update_row). */
#define UPD_SPAN   1    /* first_seen, last_seen (indexed; the day counters' trigger) */
#define UPD_IP     2    /* abused_ip (indexed) */
#define UPD_OWNER  4    /* owner (indexed; the trigger) */
#define UPD_DETAIL 8    /* abused_host, role, confidence, explanation, auth_user */
#define UPD_ALL    15

/* read_latest - find_latest's columns (INCIDENT_LOOK_COLS) from column c of
 * st's row: 0 when they are NULL (no incident), else 1 */
static int read_latest(struct db_stmt *st, int c, const struct db_verdict *v, long long t, long long *id,
		       char *status, size_t slen, long long *resolved_at, long *reports, int *changes)
{
	*changes = UPD_ALL;
	if (db_col_type(st, c) == DB_T_NULL)
		return 0;
	*id = db_col_int(st, c);
	str_copy(status, slen, db_col_text(st, c + 1));
	*resolved_at = db_col_int(st, c + 2);
	*reports = (long)db_col_int(st, c + 3);
	*changes = 0;
	if (!(db_col_int(st, c + 4) <= t && t <= db_col_int(st, c + 5)))
		*changes |= UPD_SPAN;
	if (!unchanged(v->abused_ip, db_col_text(st, c + 6)))
		*changes |= UPD_IP;
	if (!unchanged(v->owner, db_col_text(st, c + 7)))
		*changes |= UPD_OWNER;
	if (!unchanged(v->abused_host, db_col_text(st, c + 8)) || !unchanged(v->role, db_col_text(st, c + 9)) ||
	    !same_text(v->confidence, db_col_text(st, c + 10)) ||
	    !unchanged(v->explanation, db_col_text(st, c + 11)) || !unchanged(v->auth_user, db_col_text(st, c + 12)))
		*changes |= UPD_DETAIL;
	return 1;
}

/* find_latest - the newest incident with this key: id, status, resolved_at,
 * reports; in *changes the UPD_ bits of what a report at t with verdict v
 * would change in it. 0 none, 1 found. (max(id) in a subquery: ORDER BY id
 * DESC LIMIT 1 sorts the key's incidents in a temporary b-tree each time.) */
static int find_latest(struct db *d, const char *key, const struct db_verdict *v, long long t, long long *id,
		       char *status, size_t slen, long long *resolved_at, long *reports, int *changes)
{
	struct db_stmt *st = db_prepare(d, "SELECT " INCIDENT_LOOK_COLS " FROM incidents WHERE "
				      INCIDENT_LOOK_WHERE);
	int rc;

	*changes = UPD_ALL;
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, v->cls);
	rc = db_step(d, st);
	if (rc == DB_ROW)
		rc = read_latest(st, 0, v, t, id, status, slen, resolved_at, reports, changes);
	else
		rc = db_result(rc);
	db_finalize(st);
	return rc;
}

/*
 * create - a new open incident for key; its id in *id. 1 when another
 * transaction opened one for the key first: on PostgreSQL the unique index
 * incidents_live (one incident per key and verdict that is not resolved)
 * makes the second of two hosts wait for the first and insert nothing.
 */
static int create(struct db *d, const char *key, const char *verdict, long long t, long long *id)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO incidents(key_host, verdict, status, first_seen,"
				      " last_seen, created_at, updated_at) VALUES (?,?,'open',?,?,?,?)"
				      " ON CONFLICT DO NOTHING");
	long long now = db_now();
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, verdict);
	db_bind_int(st, 3, t);
	db_bind_int(st, 4, t);
	db_bind_int(st, 5, now);
	db_bind_int(st, 6, now);
	rc = step_rc(d, st);
	db_finalize(st);
	if (rc == DB_OK && db_changes(d) == 0)
		return 1;
	if (rc == DB_OK)
		*id = db_last_id(d);
	return rc;
}

/* reopen - resolved -> open, with an event; 1 when it was no longer resolved
 * (another host reopened it first: the report joins it) */
static int reopen(struct db *d, long long id, long long report_id)
{
	struct db_stmt *st = db_prepare(d, "UPDATE incidents SET status = 'open', resolved_at = NULL"
				      " WHERE id = ? AND status = 'resolved'");
	char note[64];
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	rc = step_rc(d, st);
	db_finalize(st);
	if (rc == DB_OK && db_changes(d) == 0)
		return 1;
	snprintf(note, sizeof(note), "reopened by report %lld", report_id);
	return rc == DB_OK ? add_event(d, id, db_now(), "abusedesk", "resolved", "open", note) : rc;
}

/* crossed - the count went from before to after past one of the thresholds */
static int crossed(const struct config *cfg, long before, long after)
{
	for (size_t i = 0; i < cfg->notify_thresholds.n; i++) {
		long t;

		if (str_to_long(cfg->notify_thresholds.v[i], 1, 0x7fffffffL, &t) == 0 && before < t && t <= after)
			return 1;
	}
	return 0;
}

/* nonempty - v, or NULL when it is empty */
static const char *nonempty(const char *v)
{
	return v && *v ? v : NULL;
}

/*
 * update_row - counters and the latest verdict details; the report count
 * after it in *reports (counted under the row's lock, so two hosts adding a
 * report at once see 1 and 2, never 1 twice). Only the columns find_latest
 * says would change (its UPD_ bits) are written: a column that is set is an
 * index entry rewritten and the day counters' trigger run, even when its
 * value stays the same. A skipped column keeps its value under
 * first_seen = min(...), last_seen = max(...) and coalesce(new, old) alike.
 *
 * The three counters grow by the keys (message, reporter, injector) the
 * incident had not seen. SQLite: count_keys counted them (n[]), and the
 * count after is before + 1 (before as find_latest read it in this write
 * transaction, which no other writer can enter), not RETURNING, which
 * SQLite runs as a trigger: a statement journal copying every page the
 * statement touches. PostgreSQL: one statement, one round trip, upserts the
 * key values (key[], NULL or "" for none) in a WITH clause, whose rows
 * answer the count each key has now (1 when new), and adds the new ones.
 */
static int update_row(struct db *d, long long id, long long t, const int n[3], const char *const key[3],
		      const struct db_verdict *v, int changes, long before, long *reports,
		      struct incident_change *out)
{
	static const char *const kinds[3] = { "message", "reporter", "injector" };
	int pg = db_dialect(d) == DB_PGSQL;
	char kv[3][INCIDENT_MAX_KEY], cte[400] = "", cnt[3][80];
	struct db_stmt *st;
	char sql[1600];
	size_t len = 0;
	int rc, i = 1, k, rows = 0;

	for (k = 0; k < 3; k++) {
		kv[k][0] = '\0';
		snprintf(cnt[k], sizeof(cnt[k]), "?");
		if (!pg)
			continue;
		snprintf(cnt[k], sizeof(cnt[k]), "0");
		if (key[k] == NULL || *key[k] == '\0')
			continue;
		str_copy(kv[k], sizeof(kv[k]), key[k]);
		len += (size_t)snprintf(cte + len, sizeof(cte) - len, "%s(?,'%s',?)",
					rows++ ? "," : "WITH k AS (INSERT INTO incident_keys(incident_id, kind, value) VALUES ",
					kinds[k]);
		snprintf(cnt[k], sizeof(cnt[k]), "(SELECT count(*) FROM k WHERE kind = '%s' AND n = 1)", kinds[k]);
	}
	if (rows)
		snprintf(cte + len, sizeof(cte) - len, " ON CONFLICT(incident_id, kind, value)"
			 " DO UPDATE SET count = incident_keys.count + 1 RETURNING kind, count AS n) ");
	snprintf(sql, sizeof(sql), "%sUPDATE incidents SET reports = reports + 1, messages = messages + %s,"
		 " reporters = reporters + %s, injectors = injectors + %s, updated_at = ?%s%s%s%s"
		 " WHERE id = ?%s", cte, cnt[0], cnt[1], cnt[2],
		 !(changes & UPD_SPAN) ? "" : pg ? ", first_seen = least(first_seen, ?), last_seen = greatest(last_seen, ?)" :
		 ", first_seen = min(first_seen, ?), last_seen = max(last_seen, ?)",
		 changes & UPD_IP ? ", abused_ip = coalesce(?, abused_ip)" : "",
		 changes & UPD_OWNER ? ", owner = coalesce(?, owner)" : "",
		 changes & UPD_DETAIL ? ", abused_host = coalesce(?, abused_host), role = coalesce(?, role),"
		 " confidence = ?, explanation = coalesce(?, explanation), auth_user = coalesce(?, auth_user)" : "",
		 pg ? " RETURNING " OUTBOX_INCIDENT_COLS : "");
	if ((st = db_prepare(d, sql)) == NULL)
		return DB_ERROR;
	for (k = 0; k < 3; k++) {
		if (!pg) {
			db_bind_int(st, i++, n[k]);
		} else if (kv[k][0]) {
			db_bind_int(st, i++, id);
			db_bind_text(st, i++, kv[k]);
		}
	}
	db_bind_int(st, i++, db_now());
	if (changes & UPD_SPAN) {
		db_bind_int(st, i++, t);
		db_bind_int(st, i++, t);
	}
	if (changes & UPD_IP)
		db_bind_text(st, i++, nonempty(v->abused_ip));
	if (changes & UPD_OWNER)
		db_bind_text(st, i++, nonempty(v->owner));
	if (changes & UPD_DETAIL) {
		db_bind_text(st, i++, nonempty(v->abused_host));
		db_bind_text(st, i++, nonempty(v->role));
		db_bind_text(st, i++, v->confidence);
		db_bind_text(st, i++, nonempty(v->explanation));
		db_bind_text(st, i++, nonempty(v->auth_user));
	}
	db_bind_int(st, i++, id);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		/* the row as it is now, which the notice's decision reads next */
		incident_change_free(out);
		outbox_incident_cols(st, 0, &out->row);
		out->have_row = 1;
		*reports = out->row.reports;
		rc = db_step(d, st);    /* RETURNING: run the statement to its end */
	} else if (rc == DB_DONE && !pg) {
		*reports = before + 1;
	}
	db_finalize(st);
	if (rc == DB_DONE)
		return DB_OK;
	if (rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

/* incident_key - the grouping key into key (lowercased host, else IP, else source IP) */
static int incident_key(const struct config *cfg, const struct db_report *r, const struct db_verdict *v,
			char *key, size_t klen)
{
	const char *k = NULL;

	if (v->abused_host && *v->abused_host)
		k = v->abused_host;
	else if (v->abused_ip && *v->abused_ip)
		k = v->abused_ip;
	if (strcmp(v->cls, "not_ours") == 0 || (strcmp(v->cls, "unknown") == 0 && k == NULL)) {
		if (!cfg->incident_not_ours)
			return 0;
		if (k == NULL)
			k = r->source_ip && *r->source_ip ? r->source_ip :
			    v->injector_ip && *v->injector_ip ? v->injector_ip : "unknown";
	}
	str_copy(key, klen, k);
	str_lower(key);
	return 1;
}

/* key_values - the message, reporter and injector keys of a report (own: the
 * room for "report:ID" when the report has no original to name it by) */
static void key_values(long long report_id, const struct db_report *r, const struct db_verdict *v,
		       const char *orig_key, char own[48], const char *key[3])
{
	if (orig_key == NULL || *orig_key == '\0') {
		snprintf(own, 48, "report:%lld", report_id);
		orig_key = own;
	}
	key[0] = orig_key;
	key[1] = r->reporter;
	key[2] = v->injector_ip;
}

/* count_keys - record the keys (SQLite; PostgreSQL: update_row); the new ones in n */
static int count_keys(struct db *d, long long id, const char *const key[3], int n[3])
{
	int rc;

	if ((rc = add_key(d, id, "message", key[0], &n[0])) != DB_OK ||
	    (rc = add_key(d, id, "reporter", key[1], &n[1])) != DB_OK)
		return rc;
	return add_key(d, id, "injector", key[2], &n[2]);
}

/* link_report - reports.incident_id */
static int link_report(struct db *d, long long report_id, long long id)
{
	struct db_stmt *st = db_prepare(d, "UPDATE reports SET incident_id = ? WHERE id = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, report_id);
	rc = later_rc(d, st);
	db_finalize(st);
	return rc;
}

/* choose - join, reopen or create the incident for key; sets out->id, created, reopened */
static int choose(struct db *d, const struct config *cfg, const char *key, const struct db_verdict *v,
		  long long t, long long report_id, const struct incident_look *look, struct incident_change *out,
		  long *before, int *changes)
{
	const char *verdict = v->cls;
	char status[32] = "", note[64];
	long long id = 0, resolved_at = 0;
	int rc, tries = 0;

	/* a second look only when another host reopened or opened it meanwhile */
again:
	status[0] = '\0';
	if (look && tries == 0) {
		/* incident_look's, made in this transaction */
		rc = look->found;
		id = look->id;
		str_copy(status, sizeof(status), look->status);
		resolved_at = look->resolved_at;
		*before = look->reports;
		*changes = look->changes;
	} else if ((rc = find_latest(d, key, v, t, &id, status, sizeof(status), &resolved_at, before, changes)) < 0) {
		return rc;
	}
	if (rc == 1 && strcmp(status, "resolved") == 0) {
		if (t - resolved_at <= cfg->reopen_quiet_period) {
			if ((rc = reopen(d, id, report_id)) == 1 && tries++ == 0)
				goto again;
			out->reopened = rc == DB_OK;
			out->id = id;
			return rc == 1 ? DB_OK : rc;
		}
		rc = 0;   /* resolved long ago: a new incident */
	}
	if (rc == 1) {
		out->id = id;
		return DB_OK;
	}
	*before = 0;
	*changes = UPD_ALL;
	if ((rc = create(d, key, verdict, t, &id)) == 1 && tries++ == 0)
		goto again;
	if (rc != DB_OK)
		return rc < 0 ? rc : DB_ERROR;
	out->id = id;
	out->created = 1;
	snprintf(note, sizeof(note), "opened by report %lld", report_id);
	return add_event(d, id, db_now(), "abusedesk", NULL, "open", note);
}

/*
 * The incident memo (PostgreSQL): the incidents this transaction has
 * updated. Its update holds the row's lock until the transaction ends, so
 * no other host can change the row meanwhile, and the row as the update
 * answered it is the truth for the rest of the transaction. A later report
 * of the same key and verdict (most of a batch, in a flood) then needs no
 * lookup and no update of its own: it is counted here, and the row is
 * written once, with every such report's counters and keys, before the
 * transaction commits (db_commit), before the row is read
 * (outbox_incident), or before a notice is queued from it
 * (incident_flush). Every update of an incident row makes a new version of
 * it and an entry in each of its twelve indexes; a thousand reports of one
 * host in a batch made a thousand, and the lookups of the next reports
 * walked them.
 */
#define MEMO_MAX      1024   /* incidents remembered in one transaction */
#define MEMO_KEYS_MAX 3000   /* keys held for one row before it is written */

struct memo_ent {
	struct outbox_incident row;   /* the row with the pending reports counted
	                               * (messages, reporters, injectors: as last written) */
	long pending;                 /* reports counted here, not yet in the row */
	int changes;                  /* UPD_ bits the pending reports need written */
	struct buf kinds, values;     /* their keys, as PostgreSQL array literals */
	size_t nkeys;
};

struct incident_memo {
	struct memo_ent *e;
	size_t n, cap;
};

static void memo_ent_free(struct memo_ent *e)
{
	outbox_incident_free(&e->row);
	buf_free(&e->kinds);
	buf_free(&e->values);
}

/* incident_memo_clear - see db_int.h */
void incident_memo_clear(struct db *d)
{
	struct incident_memo *m = d->memo;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		memo_ent_free(&m->e[i]);
	free(m->e);
	free(m);
	d->memo = NULL;
}

/* memo_find - the entry for key and verdict, or NULL */
static struct memo_ent *memo_find(struct db *d, const char *key, const char *verdict)
{
	struct incident_memo *m = d->memo;

	for (size_t i = 0; m && i < m->n; i++)
		if (strcmp(m->e[i].row.key_host ? m->e[i].row.key_host : "", key) == 0 &&
		    strcmp(m->e[i].row.verdict ? m->e[i].row.verdict : "", verdict) == 0)
			return &m->e[i];
	return NULL;
}

/* memo_drop - forget e (written already, or about to change otherwise) */
static void memo_drop(struct db *d, struct memo_ent *e)
{
	struct incident_memo *m = d->memo;
	size_t i = (size_t)(e - m->e);

	memo_ent_free(e);
	memmove(&m->e[i], &m->e[i + 1], (m->n - i - 1) * sizeof(m->e[0]));
	m->n--;
}

/* memo_set - remember row, which this transaction's update just answered */
static void memo_set(struct db *d, const struct outbox_incident *row)
{
	struct incident_memo *m = d->memo;
	struct memo_ent *e;

	if (row->key_host == NULL || row->verdict == NULL || strcmp(row->status ? row->status : "", "resolved") == 0)
		return;
	if ((e = memo_find(d, row->key_host, row->verdict)) != NULL)
		memo_drop(d, e);
	if (m == NULL)
		m = d->memo = xcalloc(1, sizeof(*m));
	if (m->n == MEMO_MAX)
		return;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->e = xrealloc(m->e, m->cap * sizeof(m->e[0]));
	}
	e = &m->e[m->n++];
	memset(e, 0, sizeof(*e));
	outbox_incident_copy(&e->row, row);
	buf_init(&e->kinds, 0);
	buf_init(&e->values, 0);
}

/* array_add - one element of a PostgreSQL array literal: quoted, " and \ escaped */
static void array_add(struct buf *b, const char *v)
{
	buf_putc(b, b->len ? ',' : '{');
	buf_putc(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *v);
	}
	buf_putc(b, '"');
}

/* memo_write - write e's pending reports into its row: the counters, the
 * new keys (counted in incident_keys, and in the row when the incident had
 * not seen them), the span and details; e->row from the update's answer */
static int memo_write(struct db *d, struct memo_ent *e)
{
	int ch = e->changes, i = 1, rc;
	struct db_stmt *st;
	char sql[2600];

	if (e->pending == 0)
		return DB_OK;
	snprintf(sql, sizeof(sql), "WITH v AS (SELECT kind, value, count(*) AS n FROM unnest(?::text[], ?::text[])"
		 " AS u(kind, value) GROUP BY kind, value),"
		 " old AS (SELECT kind, value FROM incident_keys WHERE incident_id = ?"
		 " AND (kind, value) IN (SELECT kind, value FROM v)),"
		 " k AS (INSERT INTO incident_keys(incident_id, kind, value, count) SELECT ?, kind, value, n FROM v"
		 " ON CONFLICT(incident_id, kind, value) DO UPDATE SET count = incident_keys.count + excluded.count),"
		 " nw AS (SELECT kind FROM v WHERE NOT EXISTS (SELECT 1 FROM old WHERE old.kind = v.kind"
		 " AND old.value = v.value))"
		 " UPDATE incidents SET reports = reports + ?,"
		 " messages = messages + (SELECT count(*) FROM nw WHERE kind = 'message'),"
		 " reporters = reporters + (SELECT count(*) FROM nw WHERE kind = 'reporter'),"
		 " injectors = injectors + (SELECT count(*) FROM nw WHERE kind = 'injector'), updated_at = ?%s%s%s%s"
		 " WHERE id = ? RETURNING " OUTBOX_INCIDENT_COLS,
		 ch & UPD_SPAN ? ", first_seen = ?, last_seen = ?" : "",
		 ch & UPD_IP ? ", abused_ip = ?" : "",
		 ch & UPD_OWNER ? ", owner = ?" : "",
		 ch & UPD_DETAIL ? ", abused_host = ?, role = ?, confidence = ?, explanation = ?, auth_user = ?" : "");
	if ((st = db_prepare(d, sql)) == NULL)
		return DB_ERROR;
	if (e->nkeys) {
		buf_putc(&e->kinds, '}');
		buf_putc(&e->values, '}');
	}
	db_bind_text(st, i++, e->nkeys ? e->kinds.data : "{}");
	db_bind_text(st, i++, e->nkeys ? e->values.data : "{}");
	db_bind_int(st, i++, e->row.id);
	db_bind_int(st, i++, e->row.id);
	db_bind_int(st, i++, e->pending);
	db_bind_int(st, i++, db_now());
	if (ch & UPD_SPAN) {
		db_bind_int(st, i++, e->row.first_seen);
		db_bind_int(st, i++, e->row.last_seen);
	}
	/* the row's text as read has "" for NULL */
	if (ch & UPD_IP)
		db_bind_text(st, i++, nonempty(e->row.abused_ip));
	if (ch & UPD_OWNER)
		db_bind_text(st, i++, nonempty(e->row.owner));
	if (ch & UPD_DETAIL) {
		db_bind_text(st, i++, nonempty(e->row.abused_host));
		db_bind_text(st, i++, nonempty(e->row.role));
		db_bind_text(st, i++, nonempty(e->row.confidence));
		db_bind_text(st, i++, nonempty(e->row.explanation));
		db_bind_text(st, i++, nonempty(e->row.auth_user));
	}
	db_bind_int(st, i++, e->row.id);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		outbox_incident_free(&e->row);
		outbox_incident_cols(st, 0, &e->row);
		rc = db_step(d, st);
	}
	db_finalize(st);
	buf_reset(&e->kinds);
	buf_reset(&e->values);
	e->nkeys = 0;
	e->pending = 0;
	e->changes = 0;
	if (rc == DB_DONE)
		return DB_OK;
	if (rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

/* incident_memo_flush - see db_int.h */
int incident_memo_flush(struct db *d)
{
	struct incident_memo *m = d->memo;
	int rc = DB_OK;

	for (size_t i = 0; m && i < m->n && rc == DB_OK; i++)
		rc = memo_write(d, &m->e[i]);
	return rc;
}

/* incident_flush - see incidents.h */
int incident_flush(struct db *d, long long id, struct outbox_incident *row)
{
	struct incident_memo *m = d->memo;
	int rc = DB_OK;

	if (row)
		memset(row, 0, sizeof(*row));
	for (size_t i = 0; m && i < m->n; i++) {
		if (m->e[i].row.id != id)
			continue;
		if ((rc = memo_write(d, &m->e[i])) == DB_OK && row)
			outbox_incident_copy(row, &m->e[i].row);
		memo_drop(d, &m->e[i]);
		return rc == DB_OK && row ? 1 : rc;
	}
	return DB_OK;
}

/* set_text - *dst = v when v says something (coalesce(v, dst)); 1 when that changed it */
static int set_text(char **dst, const char *v)
{
	if (v == NULL || *v == '\0' || (*dst && strcmp(*dst, v) == 0))
		return 0;
	free(*dst);
	*dst = xstrdup(v);
	return 1;
}

/* memo_attach - a report of e's key and verdict counted in e: the change
 * as the row's update would have answered it (deferred: the row is written
 * later) */
static int memo_attach(struct db *d, const struct config *cfg, struct memo_ent *e, long long report_id,
		       const struct db_verdict *v, const char *const keys[3], long long t,
		       const struct incident_look *look, struct incident_change *out)
{
	static const char *const kinds[3] = { "message", "reporter", "injector" };
	struct outbox_incident *row = &e->row;
	char kv[INCIDENT_MAX_KEY];
	long before = row->reports;
	int rc;

	if (!(look && look->join == row->id) && (rc = link_report(d, report_id, row->id)) != DB_OK)
		return rc;
	for (int k = 0; k < 3; k++) {
		if (keys[k] == NULL || *keys[k] == '\0')
			continue;
		str_copy(kv, sizeof(kv), keys[k]);
		array_add(&e->kinds, kinds[k]);
		array_add(&e->values, kv);
		e->nkeys++;
	}
	if (t < row->first_seen || t > row->last_seen) {
		e->changes |= UPD_SPAN;
		row->first_seen = t < row->first_seen ? t : row->first_seen;
		row->last_seen = t > row->last_seen ? t : row->last_seen;
	}
	if (set_text(&row->abused_ip, v->abused_ip))
		e->changes |= UPD_IP;
	if (set_text(&row->owner, v->owner))
		e->changes |= UPD_OWNER;
	if (set_text(&row->abused_host, v->abused_host) | set_text(&row->role, v->role) |
	    set_text(&row->explanation, v->explanation) | set_text(&row->auth_user, v->auth_user) |
	    !same_text(v->confidence, row->confidence)) {
		e->changes |= UPD_DETAIL;
		free(row->confidence);
		row->confidence = xstrdup(v->confidence);
	}
	row->reports++;
	e->pending++;
	memset(out, 0, sizeof(*out));
	out->verdict = v->cls;
	out->id = row->id;
	out->reports = row->reports;
	out->grew = crossed(cfg, before, row->reports);
	out->deferred = 1;
	outbox_incident_copy(&out->row, row);
	out->have_row = 1;
	/* a flood of one host: its keys written a few thousand at a time */
	return e->nkeys >= MEMO_KEYS_MAX ? memo_write(d, e) : DB_OK;
}

/* incident_look_memo - see db_int.h */
int incident_look_memo(struct db *d, const struct db_verdict *v, struct incident_look *look)
{
	struct memo_ent *e;

	if (!look->keyed || d->memo == NULL || (e = memo_find(d, look->key, v->cls)) == NULL)
		return 0;
	look->found = 1;
	look->id = look->join = e->row.id;
	str_copy(look->status, sizeof(look->status), e->row.status ? e->row.status : "");
	look->resolved_at = 0;
	look->reports = e->row.reports;
	look->changes = 0;
	return 1;
}

/* attach - incident_attach, from look when given; link: the report row does not name it yet */
static int attach(struct db *d, const struct config *cfg, long long report_id, const struct db_report *r,
		  const struct db_verdict *v, const char *orig_key, const struct incident_look *look,
		  struct incident_change *out)
{
	char key[256], own[48];
	const char *keys[3];
	long long t;
	long before = 0, after = 0;
	int n[3] = { 0, 0, 0 }, rc, changes = UPD_ALL;

	memset(out, 0, sizeof(*out));
	out->verdict = v->cls;
	if (look) {
		if (!look->keyed)
			return DB_OK;
		str_copy(key, sizeof(key), look->key);
		t = look->t;
	} else {
		if (!incident_key(cfg, r, v, key, sizeof(key)))
			return DB_OK;
		t = report_time(d, report_id);
	}
	key_values(report_id, r, v, orig_key, own, keys);
	if (d->memo) {   /* only PostgreSQL fills it */
		struct memo_ent *e = memo_find(d, key, v->cls);

		if (e)
			return memo_attach(d, cfg, e, report_id, v, keys, t, look, out);
	}
	if ((rc = choose(d, cfg, key, v, t, report_id, look, out, &before, &changes)) != DB_OK ||
	    (db_dialect(d) != DB_PGSQL && (rc = count_keys(d, out->id, keys, n)) != DB_OK) ||
	    (rc = update_row(d, out->id, t, n, keys, v, changes, before, &after, out)) != DB_OK ||
	    (!(look && look->join == out->id) && (rc = link_report(d, report_id, out->id)) != DB_OK)) {
		incident_change_free(out);
		out->id = 0;
		return rc;
	}
	before = after - 1;
	out->reports = after;
	out->grew = crossed(cfg, before, after);
	if (out->have_row)
		memo_set(d, &out->row);
	return DB_OK;
}

void incident_change_free(struct incident_change *ch)
{
	if (ch->have_row)
		outbox_incident_free(&ch->row);
	ch->have_row = 0;
}

/* incident_attach - see incidents.h */
int incident_attach(struct db *d, const struct config *cfg, long long report_id, const struct db_report *r,
		    const struct db_verdict *v, const char *orig_key, struct incident_change *out)
{
	return attach(d, cfg, report_id, r, v, orig_key, NULL, out);
}

/* incident_look_key - see incidents.h */
int incident_look_key(const struct config *cfg, const struct db_report *r, const struct db_verdict *v,
		      long long t, struct incident_look *look)
{
	memset(look, 0, sizeof(*look));
	look->t = t > 0 ? t : db_now();   /* as report_time would read it from the row */
	look->keyed = incident_key(cfg, r, v, look->key, sizeof(look->key));
	return look->keyed;
}

/* incident_look_cols - see incidents.h */
void incident_look_cols(struct db_stmt *st, int c, const struct db_verdict *v, struct incident_look *look)
{
	look->found = read_latest(st, c, v, look->t, &look->id, look->status, sizeof(look->status),
				  &look->resolved_at, &look->reports, &look->changes);
	look->join = look->found && strcmp(look->status, "resolved") != 0 ? look->id : 0;
}

/* incident_look_find - see db_int.h */
int incident_look_find(struct db *d, const struct db_verdict *v, struct incident_look *look)
{
	int rc;

	if (!look->keyed)
		return DB_OK;
	rc = find_latest(d, look->key, v, look->t, &look->id, look->status, sizeof(look->status),
			 &look->resolved_at, &look->reports, &look->changes);
	if (rc < 0)
		return rc;
	look->found = rc;
	look->join = rc == 1 && strcmp(look->status, "resolved") != 0 ? look->id : 0;
	return DB_OK;
}

/* incident_look - see incidents.h */
int incident_look(struct db *d, const struct config *cfg, const struct db_report *r, const struct db_verdict *v,
		  long long t, struct incident_look *look)
{
	if (!incident_look_key(cfg, r, v, t, look))
		return DB_OK;
	return incident_look_find(d, v, look);
}

/* incident_attach_looked - see incidents.h */
int incident_attach_looked(struct db *d, const struct config *cfg, long long report_id, const struct db_report *r,
			   const struct db_verdict *v, const char *orig_key, const struct incident_look *look,
			   struct incident_change *out)
{
	return attach(d, cfg, report_id, r, v, orig_key, look, out);
}

/* current_status - 1 and the status of id, 0 when none */
static int current_status(struct db *d, long long id, char *status, size_t len)
{
	struct db_stmt *st = db_prepare(d, "SELECT status FROM incidents WHERE id = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		str_copy(status, len, db_col_text(st, 0));
		rc = 1;
	} else {
		rc = db_result(rc);
	}
	db_finalize(st);
	return rc;
}

/* incident_set_status - see incidents.h */
int incident_note(struct db *d, long long id, const char *actor, const char *note)
{
	char old[32];
	int rc;

	if ((rc = current_status(d, id, old, sizeof(old))) != 1)
		return rc == 0 ? 1 : rc;
	return add_event(d, id, db_now(), actor, old, old, note);
}

int incident_assign(struct db *d, long long id, const char *user, const char *actor)
{
	char old[32], note[128];
	struct db_stmt *st;
	int rc;

	if ((rc = current_status(d, id, old, sizeof(old))) != 1)
		return rc == 0 ? 1 : rc;
	st = db_prepare(d, "UPDATE incidents SET assignee = ?, updated_at = ? WHERE id = ?");
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, user && *user ? user : NULL);
	db_bind_int(st, 2, db_now());
	db_bind_int(st, 3, id);
	rc = step_rc(d, st);
	db_finalize(st);
	if (rc != DB_OK)
		return rc;
	if (user && *user)
		snprintf(note, sizeof(note), "assigned to %s", user);
	else
		snprintf(note, sizeof(note), "unassigned");
	return add_event(d, id, db_now(), actor, old, old, note);
}

int incident_set_status(struct db *d, long long id, const char *status, const char *actor, const char *note)
{
	char old[32];
	const char *new = status;
	struct db_stmt *st;
	long long now = db_now();
	int rc;

	if (!incident_status_valid(status))
		return -3;
	if ((rc = current_status(d, id, old, sizeof(old))) != 1)
		return rc == 0 ? 1 : rc;
	if (strcmp(status, "notified") == 0 && strcmp(old, "open") != 0)
		new = old;
	st = db_prepare(d, "UPDATE incidents SET status = ?, updated_at = ?,"
			   " resolved_at = CASE WHEN ? = 'resolved' THEN ? WHEN ? IN ('open','notified','acknowledged')"
			   "  THEN NULL ELSE resolved_at END,"
			   " notified_at = CASE WHEN ? = 'notified' THEN ? ELSE notified_at END,"
			   " notified_reports = CASE WHEN ? = 'notified' THEN reports ELSE notified_reports END"
			   " WHERE id = ?");
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, new);
	db_bind_int(st, 2, now);
	db_bind_text(st, 3, new);
	db_bind_int(st, 4, now);
	db_bind_text(st, 5, new);
	db_bind_text(st, 6, status);
	db_bind_int(st, 7, now);
	db_bind_text(st, 8, status);
	db_bind_int(st, 9, id);
	rc = step_rc(d, st);
	db_finalize(st);
	if (rc != DB_OK)
		return rc;
	/* a resolved or false-positive incident drops the notices still waiting to go out */
	if (strcmp(new, "resolved") == 0 || strcmp(new, "false_positive") == 0) {
		char why[64];
		int n;

		snprintf(why, sizeof(why), "cancelled: incident %s before sending",
			 strcmp(new, "resolved") == 0 ? "resolved" : "marked false_positive");
		if ((n = outbox_cancel_incident(d, id, why, now)) < 0)
			return n;
		if (n > 0)
			msg_info("incident %lld: %d pending notification%s cancelled (%s)", id, n,
				 n == 1 ? "" : "s", new);
	}
	if (strcmp(new, old) == 0 && strcmp(status, "notified") == 0 && (note == NULL || *note == '\0'))
		note = "notification sent";
	return add_event(d, id, now, actor, old, new, note);
}

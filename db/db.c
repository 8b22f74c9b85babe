/*
 * db - the store's one API over its drivers (db_int.h): open picks the
 * driver from the 'database' setting, every other call goes to it.
 * Transactions, the clock and the placeholder rewriting are shared here.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../util/json.h"
#include "../util/mem.h"
#include "../util/str.h"
#include "db_int.h"

/*
 * The statement cache: db_finalize keeps a statement (cleared) and the next
 * db_prepare of the same text on the connection takes it back, so the same
 * statements run for every message of an import are parsed once. A statement
 * in use is not shared: preparing its text again meanwhile makes another.
 * When every slot is taken, an idle one is replaced, in turn.
 */
#define DB_CACHE_SLOTS 64
#define DB_CACHE_SQL_MAX 8192     /* longer texts (built per call) are not kept */

struct db_cache_ent {
	unsigned long hash;
	const char *src;          /* the text's address at the last db_prepare (a hint only) */
	char *sql;
	struct db_stmt *st;
	int busy;                 /* handed out, not finalized yet */
};

struct db_cache {
	struct db_cache_ent e[DB_CACHE_SLOTS];
	unsigned next;            /* the next slot to replace */
};

/* sql_hash - FNV-1a of the text and its length */
static unsigned long sql_hash(const char *s, size_t *len)
{
	unsigned long h = 2166136261UL;
	const char *p = s;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619UL;
	*len = (size_t)(p - s);
	return h;
}

/* cache_drop - finalize every kept statement of d */
static void cache_drop(struct db *d)
{
	struct db_cache *c = d->cache;

	if (c == NULL)
		return;
	d->cache = NULL;          /* closing: the drivers need not free server-side copies */
	for (int i = 0; i < DB_CACHE_SLOTS; i++) {
		if (c->e[i].st) {
			c->e[i].st->slot = 0;
			c->e[i].st->drv->finalize(c->e[i].st);
		}
		free(c->e[i].sql);
	}
	free(c);
}

/* db_now - wall clock, or ABUSEDESK_NOW for reproducible tests */
long long db_now(void)
{
	const char *s = getenv("ABUSEDESK_NOW");
	long v;

	if (s && str_to_long(s, 0, 0x7fffffffL * 2, &v) == 0)
		return v;
	return (long long)time(NULL);
}

/* is_pg_uri - does the setting name a PostgreSQL database? */
static int is_pg_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/* db_is_file - see db.h */
int db_is_file(const char *setting)
{
	return !is_pg_uri(setting);
}

/* db_open - see db.h */
int db_open(struct db *d, const char *path, long busy_seconds, int create, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->drv = is_pg_uri(path) ? &db_driver_pgsql : &db_driver_sqlite;
	str_copy(d->path, sizeof(d->path), path);
	d->busy_ms = busy_seconds * 1000;
	d->answer_ms = d->busy_ms * 10 > 10000 ? d->busy_ms * 10 : 10000;
	return d->drv->open(d, path, create, err, errlen);
}

void db_answer_unbounded(struct db *d)
{
	d->answer_ms = 0;
}

void db_close(struct db *d)
{
	incident_memo_clear(d);
	if (d->drv && d->h)
		cache_drop(d);
	if (d->drv && d->h)
		d->drv->close(d);
	d->h = NULL;
}

int db_dialect(const struct db *d)
{
	return d->drv->dialect;
}

struct db_stmt *db_prepare(struct db *d, const char *sql)
{
	struct db_cache *c = d->cache;
	struct db_cache_ent *e = NULL;
	struct db_stmt *st;
	unsigned long h;
	size_t len;
	int i;

	if (c == NULL)
		c = d->cache = xcalloc(1, sizeof(*c));
	/* most texts are literals: the same address as last time, and the same
	 * text (compared, since a buffer may hold another text now), without hashing */
	for (i = 0; i < DB_CACHE_SLOTS; i++) {
		e = &c->e[i];
		if (e->src == sql && e->st && !e->busy && strcmp(e->sql, sql) == 0) {
			e->busy = 1;
			return e->st;
		}
	}
	h = sql_hash(sql, &len);
	for (i = 0; i < DB_CACHE_SLOTS; i++) {
		e = &c->e[i];
		if (e->st && !e->busy && e->hash == h && strcmp(e->sql, sql) == 0) {
			e->busy = 1;
			e->src = sql;
			return e->st;
		}
	}
	if ((st = d->drv->prepare(d, sql)) == NULL)
		return NULL;
	st->slot = 0;
	if (len > DB_CACHE_SQL_MAX)
		return st;
	/* a free slot, else the next idle one in turn */
	for (e = NULL, i = 0; i < DB_CACHE_SLOTS && e == NULL; i++)
		if (c->e[i].st == NULL)
			e = &c->e[i];
	for (i = 0; i < DB_CACHE_SLOTS && e == NULL; i++, c->next = (c->next + 1) % DB_CACHE_SLOTS)
		if (!c->e[c->next].busy)
			e = &c->e[c->next];
	if (e == NULL)
		return st;
	if (e->st) {
		e->st->slot = 0;
		e->st->drv->finalize(e->st);
		free(e->sql);
	}
	e->hash = h;
	e->src = sql;
	e->sql = xstrdup(sql);
	e->st = st;
	e->busy = 1;
	st->slot = (int)(e - c->e) + 1;
	return st;
}

int db_step(struct db *d, struct db_stmt *st)
{
	return d->drv->step(d, st);
}

/* db_step_later - see db_int.h */
int db_step_later(struct db *d, struct db_stmt *st)
{
	return d->drv->step_later ? d->drv->step_later(d, st) : d->drv->step(d, st);
}

/* db_step_send - see db_int.h */
int db_step_send(struct db *d, struct db_stmt *st)
{
	return d->drv->send ? d->drv->send(d, st) : DB_OK;
}

void db_reset(struct db_stmt *st)
{
	st->drv->reset(st);
}

void db_finalize(struct db_stmt *st)
{
	struct db_cache *c;

	if (st == NULL)
		return;
	c = st->d->cache;
	if (st->slot && c && c->e[st->slot - 1].st == st) {
		st->drv->clear(st);
		c->e[st->slot - 1].busy = 0;
		return;
	}
	st->drv->finalize(st);
}

/* db_errmsg - see db.h */
const char *db_errmsg(struct db *d)
{
	if (d->err[0])
		return d->err;
	return d->h ? d->drv->errmsg(d) : "not open";
}

/* db_result - see db_int.h */
int db_result(int rc)
{
	if (rc == DB_OK || rc == DB_DONE || rc == DB_ROW)
		return DB_OK;
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

int db_exec(struct db *d, const char *sql)
{
	return d->drv->exec(d, sql);
}

int db_begin(struct db *d)
{
	d->err[0] = '\0';
	incident_memo_clear(d);
	return d->drv->begin(d);
}

int db_commit(struct db *d)
{
	/* the incident rows the memo counted reports for, written first */
	int rc = incident_memo_flush(d);

	incident_memo_clear(d);
	if (rc == DB_OK)
		rc = db_exec(d, "COMMIT");
	if (rc != DB_OK)
		db_rollback(d);
	return rc;
}

/* db_rollback - end a transaction; d->err keeps why it failed */
void db_rollback(struct db *d)
{
	char keep[sizeof(d->err)];

	incident_memo_clear(d);
	if (!d->h || !d->drv->in_txn(d))
		return;
	str_copy(keep, sizeof(keep), d->err);
	d->drv->exec(d, "ROLLBACK");
	str_copy(d->err, sizeof(d->err), keep);
}

/* utf8_repair - s with every byte that starts no valid UTF-8 sequence
 * replaced by U+FFFD (owned), or NULL when s is valid as it is */
static char *utf8_repair(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k, bad = 0;
	char *out, *o;

	/* plain ASCII, eight bytes at a time, is the rule */
	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
	}
	while (i < n && p[i] < 0x80)
		i++;
	if (i == n)
		return NULL;
	for (; i < n; i += k)
		if ((k = utf8_seq_len(p + i, n - i)) == 0)
			bad++, k = 1;
	if (bad == 0)
		return NULL;
	o = out = xmalloc(n + 2 * bad + 1);
	for (i = 0; i < n; i += k) {
		if ((k = utf8_seq_len(p + i, n - i)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		} else {
			memcpy(o, s + i, k);
			o += k;
		}
	}
	*o = '\0';
	return out;
}

/* db_bind_text - text is stored as valid UTF-8 on both backends (PostgreSQL
 * refuses anything else; a complaint's bytes may be anything) */
void db_bind_text(struct db_stmt *st, int i, const char *s)
{
	char *fixed;

	if (s == NULL) {
		st->drv->bind_null(st, i);
		return;
	}
	fixed = utf8_repair(s);
	st->drv->bind_text(st, i, fixed ? fixed : s);
	free(fixed);
}

void db_bind_int(struct db_stmt *st, int i, long long v)
{
	st->drv->bind_int(st, i, v);
}

void db_bind_pos(struct db_stmt *st, int i, long long v)
{
	if (v > 0)
		st->drv->bind_int(st, i, v);
	else
		st->drv->bind_null(st, i);
}

void db_bind_null(struct db_stmt *st, int i)
{
	st->drv->bind_null(st, i);
}

void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	st->drv->bind_blob(st, i, p, n);
}

int db_bind_index(struct db_stmt *st, const char *name)
{
	return st->drv->bind_index(st, name);
}

int db_bind_count(struct db_stmt *st)
{
	return st->drv->bind_count(st);
}

const char *db_col_text(struct db_stmt *st, int i)
{
	return st->drv->col_text(st, i);
}

long long db_col_int(struct db_stmt *st, int i)
{
	return st->drv->col_int(st, i);
}

const void *db_col_blob(struct db_stmt *st, int i, size_t *n)
{
	return st->drv->col_blob(st, i, n);
}

int db_col_type(struct db_stmt *st, int i)
{
	return st->drv->col_type(st, i);
}

int db_col_count(struct db_stmt *st)
{
	return st->drv->col_count(st);
}

const char *db_col_name(struct db_stmt *st, int i)
{
	return st->drv->col_name(st, i);
}

long long db_changes(struct db *d)
{
	return d->drv->changes(d);
}

long long db_last_id(struct db *d)
{
	return d->drv->last_id(d);
}

/* db_set_durable - every commit is on the disk when it returns */
int db_set_durable(struct db *d)
{
	return d->drv->set_durable(d);
}

/* db_set_bulk - see db.h (PostgreSQL: the server's own buffers; nothing to set) */
int db_set_bulk(struct db *d)
{
	if (db_dialect(d) != DB_SQLITE)
		return DB_OK;
	db_sqlite_bulk(d, 1);
	return db_exec(d, "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY");
}

/* db_end_bulk - see db.h */
int db_end_bulk(struct db *d)
{
	return db_dialect(d) == DB_SQLITE ? db_sqlite_bulk(d, 0) : DB_OK;
}

/* db_reconnect - see db.h */
int db_reconnect(struct db *d)
{
	return d->drv->reconnect(d);
}

/* db_flush - every committed transaction into the database itself */
int db_flush(struct db *d)
{
	return d->drv->flush(d);
}

/* skip_quoted - past a '...' or "..." (doubled quote inside) starting at s */
static const char *skip_quoted(const char *s)
{
	char q = *s++;

	while (*s) {
		if (*s == q && s[1] == q)
			s += 2;
		else if (*s == q)
			return s + 1;
		else
			s++;
	}
	return s;
}

/* emit - append n bytes; -1 when out is full */
static int emit(char *out, size_t outlen, size_t *o, const char *p, size_t n)
{
	if (*o + n + 1 > outlen)
		return -1;
	memcpy(out + *o, p, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

/* db_sql_numbered - see db_int.h (the numbering is SQLite's: '?' takes
 * the largest index so far plus one, ':name' the same at its first use) */
int db_sql_numbered(const char *sql, char *out, size_t outlen, char names[][32], int maxnames)
{
	const char *s = sql, *t;
	size_t o = 0;
	int top = 0, n, k;
	char num[16];

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	for (k = 0; k < maxnames; k++)
		names[k][0] = '\0';
	while (*s) {
		if (*s == '\'' || *s == '"') {
			t = skip_quoted(s);
		} else if (s[0] == '-' && s[1] == '-') {
			t = s + strcspn(s, "\n");
		} else if (*s == '?' || (*s == ':' && (isalpha((unsigned char)s[1]) || s[1] == '_') &&
					(s == sql || s[-1] != ':'))) {
			t = s + 1;
			if (*s == '?' && isdigit((unsigned char)*t)) {
				for (n = 0; isdigit((unsigned char)*t) && n <= DB_MAX_PARAMS; t++)
					n = n * 10 + (*t - '0');
			} else if (*s == '?') {
				n = top + 1;
			} else {
				size_t len;

				while (isalnum((unsigned char)*t) || *t == '_')
					t++;
				len = (size_t)(t - s);
				if (len >= 32)
					return -1;
				for (n = 0, k = 0; k < top && k < maxnames; k++)
					if (strlen(names[k]) == len && memcmp(names[k], s, len) == 0)
						n = k + 1;
				if (n == 0) {
					n = top + 1;
					if (n <= maxnames) {
						memcpy(names[n - 1], s, len);
						names[n - 1][len] = '\0';
					}
				}
			}
			if (n < 1 || n > DB_MAX_PARAMS)
				return -1;
			if (n > top)
				top = n;
			snprintf(num, sizeof(num), "$%d", n);
			if (emit(out, outlen, &o, num, strlen(num)) < 0)
				return -1;
			s = t;
			continue;
		} else {
			t = s + 1;
		}
		if (emit(out, outlen, &o, s, (size_t)(t - s)) < 0)
			return -1;
		s = t;
	}
	return top;
}

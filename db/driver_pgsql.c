/*
 * driver_pgsql - the PostgreSQL backend of db_int.h over libpq.
 *
 * libpq is loaded on first use (dlopen of libpq.so.5, as notify/ loads
 * libcurl), so an SQLite desk and every ingest start-up pay nothing for it.
 * The 'database' setting is a libpq URI (postgresql://USER@HOST:PORT/DB
 * with sslmode, passfile, ... as libpq knows them); db_busy_timeout is the
 * connect_timeout and the lock_timeout, so no call waits longer.
 *
 * Statements: '?', '?N' and ':name' are rewritten to $1..$n once at
 * prepare; values go as text (integers typed int8, blobs as binary bytea)
 * through PQsendQueryParams at the first db_step, whose result the following
 * steps walk row by row. A statement db.c keeps for reuse (its cache) is
 * prepared on the server at its second run (PQsendPrepare, with the parameter
 * types of that run; a first run goes unprepared, since a statement a
 * short-lived process runs once would pay a round trip for nothing) and
 * later runs with fitting types use it
 * (PQsendQueryPrepared): the server parses and plans it once per connection.
 * A run with other types goes through PQsendQueryParams as before. A lock or
 * serialization failure, a lost connection and a server shutting down are
 * DB_BUSY; db_reconnect opens a dropped connection again (PQreset, with the
 * same settings), and the statements prepared on the server are prepared
 * again on their next run.
 *
 * A server that stops answering in the middle of a statement (hung, stopped,
 * cut off behind a firewall that drops packets) would hold a blocking libpq
 * call for ever: the kernel of a stopped server still acknowledges what is
 * sent. So every statement is sent without blocking on its answer
 * (PQsendQuery*) and its answer awaited with poll() for at most d->answer_ms
 * (db.c: ten times db_busy_timeout, at least 10 s; db_answer_unbounded lifts
 * it for init and db copy, whose statements may rightly run long); past it the connection is
 * shut down, the call fails as DB_BUSY, and db_reconnect opens it again.
 *
 * A statement whose answer the caller does not read (db_step_later: a
 * report's hops, items and recipients) is not waited for inside a
 * transaction: the connection enters libpq's pipeline mode, the statement is
 * sent, and its answer is read after the next statement that needs one
 * (which goes out with a Sync behind it), or before the COMMIT. A failure of
 * a statement sent that way is the failure of the statement or COMMIT that
 * reads it, so the transaction fails as it would have; a COMMIT never runs
 * after one. A batch of messages is then about three round trips a message
 * rather than six. Without libpq 14's pipeline functions every statement is
 * waited for.
 *
 * A statement whose answer the caller reads later (db_step_send: a
 * batch's report row, its insert or its re-parse) goes out the same way
 * and is pushed to the server at once (PQflush), so the server runs it
 * while the caller parses the next message. Its answer is read when
 * another statement waits for one, or by its own step, and kept for that
 * step (pg_state.held, in the order sent); its failure fails its step, and
 * is the failure of what waits next when that reads it first. One reset or
 * freed before its step is read as a step_later statement.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "db_int.h"

/* the part of libpq-fe.h used here (ABI of libpq.so.5) */
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
typedef unsigned int Oid;
enum { CONNECTION_OK = 0 };
enum { PGRES_EMPTY_QUERY = 0, PGRES_COMMAND_OK, PGRES_TUPLES_OK };
enum { PQTRANS_IDLE = 0, PQTRANS_ACTIVE, PQTRANS_INTRANS };
enum { PGRES_FATAL_ERROR = 7, PGRES_PIPELINE_SYNC = 10, PGRES_PIPELINE_ABORTED = 11 };
#define PG_DIAG_SQLSTATE 'C'
#define PG_DIAG_MESSAGE_PRIMARY 'M'
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_NUMERIC 1700

static struct {
	PGconn *(*connectdbParams)(const char *const *, const char *const *, int);
	int (*status)(const PGconn *);
	char *(*errorMessage)(const PGconn *);
	void (*finish)(PGconn *);
	int (*resultStatus)(const PGresult *);
	char *(*resultErrorField)(const PGresult *, int);
	char *(*resultErrorMessage)(const PGresult *);
	void (*clear)(PGresult *);
	int (*ntuples)(const PGresult *);
	int (*nfields)(const PGresult *);
	char *(*fname)(const PGresult *, int);
	Oid (*ftype)(const PGresult *, int);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getlength)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
	char *(*cmdTuples)(PGresult *);
	int (*transactionStatus)(const PGconn *);
	unsigned char *(*unescapeBytea)(const unsigned char *, size_t *);
	void (*freemem)(void *);
	void *(*setNoticeProcessor)(PGconn *, void (*)(void *, const char *), void *);
	void (*reset)(PGconn *);
	int (*sendQuery)(PGconn *, const char *);
	int (*sendQueryParams)(PGconn *, const char *, int, const Oid *, const char *const *,
			       const int *, const int *, int);
	int (*sendPrepare)(PGconn *, const char *, const char *, int, const Oid *);
	int (*sendQueryPrepared)(PGconn *, const char *, int, const char *const *, const int *,
				 const int *, int);
	PGresult *(*getResult)(PGconn *);
	int (*consumeInput)(PGconn *);
	int (*isBusy)(PGconn *);
	int (*socket)(const PGconn *);
	int (*flush)(PGconn *);
	/* libpq 14 on: pipeline mode (NULL before) */
	int (*enterPipelineMode)(PGconn *);
	int (*exitPipelineMode)(PGconn *);
	int (*pipelineSync)(PGconn *);
} pq;

/* pq_load - libpq on first use; 0 or -1 with err */
static int pq_load(char *err, size_t errlen)
{
	static int loaded;
	void *h;

	if (loaded)
		return 0;
	if ((h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load libpq (install libpq5): %s", dlerror());
		return -1;
	}
#define PQ(f, n) *(void **)&pq.f = dlsym(h, n); if (!pq.f) goto missing
	PQ(connectdbParams, "PQconnectdbParams"); PQ(status, "PQstatus");
	PQ(errorMessage, "PQerrorMessage"); PQ(finish, "PQfinish"); PQ(resultStatus, "PQresultStatus");
	PQ(resultErrorField, "PQresultErrorField"); PQ(resultErrorMessage, "PQresultErrorMessage");
	PQ(clear, "PQclear"); PQ(ntuples, "PQntuples"); PQ(nfields, "PQnfields");
	PQ(fname, "PQfname"); PQ(ftype, "PQftype"); PQ(getvalue, "PQgetvalue");
	PQ(getlength, "PQgetlength"); PQ(getisnull, "PQgetisnull"); PQ(cmdTuples, "PQcmdTuples");
	PQ(transactionStatus, "PQtransactionStatus"); PQ(unescapeBytea, "PQunescapeBytea");
	PQ(freemem, "PQfreemem"); PQ(setNoticeProcessor, "PQsetNoticeProcessor");
	PQ(reset, "PQreset"); PQ(sendQuery, "PQsendQuery"); PQ(sendQueryParams, "PQsendQueryParams");
	PQ(sendPrepare, "PQsendPrepare"); PQ(sendQueryPrepared, "PQsendQueryPrepared");
	PQ(getResult, "PQgetResult"); PQ(consumeInput, "PQconsumeInput"); PQ(isBusy, "PQisBusy");
	PQ(socket, "PQsocket"); PQ(flush, "PQflush");
#undef PQ
	*(void **)&pq.enterPipelineMode = dlsym(h, "PQenterPipelineMode");
	*(void **)&pq.exitPipelineMode = dlsym(h, "PQexitPipelineMode");
	*(void **)&pq.pipelineSync = dlsym(h, "PQpipelineSync");
	if (!pq.enterPipelineMode || !pq.exitPipelineMode || !pq.pipelineSync)
		pq.enterPipelineMode = NULL;
	loaded = 1;
	return 0;
missing:
	snprintf(err, errlen, "libpq.so.5 lacks a function abusedesk needs");
	memset(&pq, 0, sizeof(pq));
	dlclose(h);
	return -1;
}

/* statements sent by pg_send whose answers are unread, at most */
#define PG_HELD 16

struct pg_stmt;

/* the connection's state besides the PGconn (d->x) */
struct pg_state {
	long long changes;
	unsigned long names;            /* server-side statements prepared so far */
	int durable;                    /* synchronous_commit was set: again after a reconnect */
	unsigned long gen;              /* connections opened again: names before it are gone */
	int timed_out;                  /* the last await gave up waiting (its message in d->err) */
	int pipe;                       /* in pipeline mode (only inside a transaction) */
	int pending;                    /* statements sent by step_later whose answers are unread */
	PGresult *perr;                 /* the first of those answers that was a failure */
	long long deferred;             /* statements sent by step_later, for the tests */
	/* statements sent by pg_send, oldest first: the answer numbered seq is
	 * kept for s (s NULL: the statement was dropped, its answer is not) */
	struct { unsigned long long seq; struct pg_stmt *s; } held[PG_HELD];
	int nheld;
	unsigned long long sent, read; /* answers asked for and read in the pipeline */
};

struct pg_stmt {
	struct db_stmt base;
	char *sql;                      /* with $1..$n */
	int nparams;
	char *val[DB_MAX_PARAMS];
	int len[DB_MAX_PARAMS];
	int fmt[DB_MAX_PARAMS];
	Oid type[DB_MAX_PARAMS];
	Oid type0[DB_MAX_PARAMS];       /* the types prepare gave, restored by pg_clear */
	char pname[24];                 /* prepared on the server under this name ("" not) */
	Oid ptype[DB_MAX_PARAMS];       /* ... with these parameter types */
	unsigned long pgen;             /* ... on the connection of this generation */
	unsigned long runs;             /* times run: prepared on the server at the second */
	char names[DB_MAX_PARAMS][32];
	PGresult *res;
	int row, nrows;
	unsigned char *blob;            /* the last db_col_blob, freed at the next */
	/* pg_send: 1 while the answer is owed to the next pg_step, which reads
	 * it (res, or failed when it failed or was lost) */
	int held, failed;
};

#define CONN(d) ((PGconn *)(d)->h)
#define PS(s) ((struct pg_stmt *)(s))

/* quiet - NOTICEs (CREATE ... IF NOT EXISTS) are not diagnostics */
static void quiet(void *arg, const char *m)
{
	(void)arg;
	(void)m;
}

/* trim_copy - the first line of a libpq message into d->err */
static void trim_copy(struct db *d, const char *m)
{
	size_t n;

	str_copy(d->err, sizeof(d->err), m && *m ? m : "unknown PostgreSQL error");
	d->err[strcspn(d->err, "\n")] = '\0';
	n = strlen(d->err);
	while (n > 0 && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
}

/* redact - the URI as it may appear in messages: no password */
static void redact(char *out, size_t outlen, const char *uri)
{
	const char *p = strstr(uri, "://"), *at, *colon;
	char *q;
	size_t n;

	str_copy(out, outlen, uri);
	if (p == NULL)
		return;
	p += 3;
	n = strcspn(p, "/?");
	at = memchr(p, '@', n);
	if (at && (colon = memchr(p, ':', (size_t)(at - p))) != NULL)
		snprintf(out, outlen, "%.*s%s", (int)(colon - uri), uri, at);
	if ((q = strstr(out, "password=")) != NULL)
		q[0] = '\0';
}

/* fail_rc - DB_BUSY for a lock, serialization, deadlock or connection failure,
 * a cancelled statement and a server shutting down or starting (57P01-57P03) */
static int fail_rc(struct db *d, PGresult *r)
{
	const char *state = r ? pq.resultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *m = r ? pq.resultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (r == NULL && d->x && ((struct pg_state *)d->x)->timed_out)
		return DB_BUSY;    /* await's deadline: its message stays */
	trim_copy(d, m ? m : r ? pq.resultErrorMessage(r) : pq.errorMessage(CONN(d)));
	if (state == NULL || strncmp(state, "08", 2) == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 ||
	    strncmp(state, "57P0", 4) == 0)
		return DB_BUSY;
	return DB_ERROR;
}

/* mono_ms - monotonic milliseconds */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pipe_lost - the connection went with what the pipeline held: nothing
 * more is read from it; a statement whose answer pg_send owed fails */
static void pipe_lost(struct pg_state *ps)
{
	ps->pipe = 0;
	ps->pending = 0;
	if (ps->perr)
		pq.clear(ps->perr);
	ps->perr = NULL;
	for (int i = 0; i < ps->nheld; i++)
		if (ps->held[i].s)
			ps->held[i].s->failed = 2;
	ps->nheld = 0;
	ps->read = ps->sent;
}

/* keep - the answer of a statement pg_send sent: kept for its pg_step, or,
 * a failure, the pipeline's first (ps->perr) and the statement's */
static void keep(struct pg_state *ps, struct pg_stmt *h, PGresult *r)
{
	int st = pq.resultStatus(r);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		h->res = r;
		return;
	}
	h->failed = 1;
	if (ps->perr == NULL && st != PGRES_PIPELINE_ABORTED)
		ps->perr = r;
	else
		pq.clear(r);
}

/*
 * ready - wait until the next result can be read without blocking, for at
 * most until (0: no deadline). 0, or -1 when no answer came in time: the
 * connection is then shut down (libpq marks it bad, db_reconnect opens it
 * again) and d->err says why
 */
static int ready(struct db *d, long long until)
{
	PGconn *c = CONN(d);
	struct pg_state *ps = d->x;

	if (!pq.isBusy(c))
		return 0;               /* read already (a pipeline's answers come together) */
	for (;;) {
		struct pollfd pfd = { pq.socket(c), POLLIN, 0 };
		long long left = until ? until - mono_ms() : -1;
		int n;

		if (!pq.consumeInput(c) || !pq.isBusy(c))
			return 0;       /* a result, or the failure PQgetResult reports */
		if (until && left <= 0) {
			snprintf(d->err, sizeof(d->err), "no answer from the server within %ld s;"
				 " the connection was dropped", d->answer_ms / 1000);
			ps->timed_out = 1;
			shutdown(pfd.fd, SHUT_RDWR);
			pq.consumeInput(c);
			if (ps->pipe) {
				/* what was sent is lost with the connection */
				pipe_lost(ps);
			} else {
				PGresult *r;

				while ((r = pq.getResult(c)) != NULL)
					pq.clear(r);
			}
			return -1;
		}
		n = poll(&pfd, 1, left < 0 || left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno != EINTR)
			return 0;
	}
}

/* one_answer - the results of one statement up to its end: the last, or
 * NULL (none, or no answer in time: *late set) */
static PGresult *one_answer(struct db *d, long long until, int *late)
{
	PGresult *last = NULL, *r;

	for (;;) {
		if (ready(d, until) < 0) {
			*late = 1;
			if (last)
				pq.clear(last);
			return NULL;
		}
		if ((r = pq.getResult(CONN(d))) == NULL)
			return last;
		if (last)
			pq.clear(last);
		last = r;
		if (pq.resultStatus(r) == PGRES_PIPELINE_SYNC)
			return last;    /* a Sync's answer has no end of its own */
	}
}

/*
 * pipe_read - after a Sync went out: the answers of the statements sent by
 * step_later (the first failure kept in ps->perr), then, when query, the
 * answer of the statement sent last (returned), then the Sync's own. -1 when
 * no answer came in time
 */
static int pipe_read(struct db *d, long long until, int query, PGresult **out)
{
	struct pg_state *ps = d->x;
	PGresult *r;
	int late = 0;

	*out = NULL;
	for (; ps->pending > 0; ps->pending--) {
		struct pg_stmt *h = NULL;

		if (ps->nheld > 0 && ps->held[0].seq == ps->read + 1) {
			h = ps->held[0].s;
			ps->nheld--;
			memmove(&ps->held[0], &ps->held[1], (size_t)ps->nheld * sizeof(ps->held[0]));
		}
		ps->read++;
		if ((r = one_answer(d, until, &late)) == NULL) {
			if (late)
				return -1;
			if (h)
				h->failed = 1;
			continue;
		}
		if (h) {
			keep(ps, h, r);
			continue;
		}
		if (ps->perr == NULL && pq.resultStatus(r) != PGRES_COMMAND_OK &&
		    pq.resultStatus(r) != PGRES_TUPLES_OK && pq.resultStatus(r) != PGRES_PIPELINE_ABORTED)
			ps->perr = r;
		else
			pq.clear(r);
	}
	if (query) {
		*out = one_answer(d, until, &late);
		if (late)
			return -1;
	}
	/* the Sync: PGRES_PIPELINE_SYNC (the others were aborted ones, when a statement failed) */
	while ((r = one_answer(d, until, &late)) != NULL) {
		int st = pq.resultStatus(r);

		pq.clear(r);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	return late ? -1 : 0;
}

/*
 * await - the answer to what was just sent (sent: what PQsend* returned):
 * the last result, as PQexec gives it, or NULL with d->err set when sending
 * failed or no answer came within answer_ms. In pipeline mode a Sync follows
 * it, and the answers of the statements step_later sent before are read
 * first: the first of them that failed is the answer (this statement was
 * then not run).
 */
static PGresult *await(struct db *d, int sent)
{
	struct pg_state *ps = d->x;
	long long until = d->answer_ms > 0 ? mono_ms() + d->answer_ms : 0;
	PGresult *last = NULL;
	int late = 0;

	ps->timed_out = 0;
	if (!sent)
		return NULL;
	if (ps->pipe) {
		if (!pq.pipelineSync(CONN(d)) || pipe_read(d, until, 1, &last) < 0)
			return NULL;
		if (ps->perr) {
			if (last)
				pq.clear(last);
			last = ps->perr;
			ps->perr = NULL;
		}
		return last;
	}
	return one_answer(d, until, &late);
}

/*
 * pipe_end - out of pipeline mode: the answers still unread are read. The
 * first failure among them is returned (the caller's to clear), else NULL
 */
static PGresult *pipe_end(struct db *d)
{
	struct pg_state *ps = d->x;
	long long until = d->answer_ms > 0 ? mono_ms() + d->answer_ms : 0;
	PGresult *e, *none;

	if (!ps->pipe)
		return NULL;
	if (ps->pending > 0 && (!pq.pipelineSync(CONN(d)) || pipe_read(d, until, 0, &none) < 0)) {
		pipe_lost(ps);
		return NULL;    /* the connection is gone: the next statement says so */
	}
	pq.exitPipelineMode(CONN(d));
	ps->pipe = 0;
	e = ps->perr;
	ps->perr = NULL;
	return e;
}

/* the blocking calls of libpq, each with await's deadline */
static PGresult *q_exec(struct db *d, const char *sql)
{
	/* a command string is not allowed in pipeline mode: leave it first; a
	 * statement sent before that failed fails this one (a COMMIT above
	 * all), except a ROLLBACK */
	PGresult *e = pipe_end(d);

	if (e && strcmp(sql, "ROLLBACK") != 0)
		return e;
	if (e)
		pq.clear(e);
	return await(d, pq.sendQuery(CONN(d), sql));
}

static PGresult *q_prepare(struct db *d, const char *name, const char *sql, int n, const Oid *types)
{
	return await(d, pq.sendPrepare(CONN(d), name, sql, n, types));
}

static int pg_exec(struct db *d, const char *sql);

/* session - the settings of a new connection: lock_timeout = the busy deadline */
static int session(struct db *d)
{
	char set[64];

	snprintf(set, sizeof(set), "SET lock_timeout = %ld", d->busy_ms > 0 ? d->busy_ms : 1);
	return pg_exec(d, set);
}

/* pg_open - connect with connect_timeout = the busy deadline */
static int pg_open(struct db *d, const char *uri, int create, char *err, size_t errlen)
{
	const char *kw[] = { "dbname", "connect_timeout", "application_name", NULL };
	const char *val[4];
	char tmo[32], set[128];
	PGresult *r;
	PGconn *c;
	int rc = DB_OK;

	redact(d->path, sizeof(d->path), uri);
	if (pq_load(err, errlen) < 0)
		return DB_ERROR;
	snprintf(tmo, sizeof(tmo), "%ld", d->busy_ms / 1000 > 0 ? d->busy_ms / 1000 : 2);
	val[0] = uri;
	val[1] = tmo;
	val[2] = "abusedesk";
	val[3] = NULL;
	c = pq.connectdbParams(kw, val, 1);
	if (c == NULL || pq.status(c) != CONNECTION_OK) {
		snprintf(err, errlen, "%s: cannot connect: %s", d->path,
			 c ? pq.errorMessage(c) : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		if (c)
			pq.finish(c);
		return DB_BUSY;
	}
	pq.setNoticeProcessor(c, quiet, NULL);
	d->h = c;
	d->x = xcalloc(1, sizeof(struct pg_state));
	/* the lock deadline, and whether `init` made the schema here (one round trip) */
	snprintf(set, sizeof(set), "SELECT set_config('lock_timeout', '%ld', false),"
		 " to_regclass('schema_version') IS NOT NULL", d->busy_ms > 0 ? d->busy_ms : 1);
	r = q_exec(d, set);
	if (r == NULL || pq.resultStatus(r) != PGRES_TUPLES_OK || pq.ntuples(r) != 1) {
		rc = fail_rc(d, r);
		snprintf(err, errlen, "%s: %s", d->path, d->err);
	} else if (!create && strcmp(pq.getvalue(r, 0, 1), "t") != 0) {
		rc = DB_ERROR;
		snprintf(err, errlen, "%s: no database here (run 'abusedesk init' first)", d->path);
	}
	if (r)
		pq.clear(r);
	if (rc != DB_OK) {
		pq.finish(c);
		free(d->x);
		d->h = d->x = NULL;
	}
	return rc;
}

static void pg_close(struct db *d)
{
	struct pg_state *ps = d->x;

	if (ps->perr)
		pq.clear(ps->perr);
	pq.finish(CONN(d));
	free(d->x);
	d->x = NULL;
}

static struct db_stmt *pg_prepare(struct db *d, const char *sql)
{
	struct pg_stmt *s = xcalloc(1, sizeof(*s));
	size_t cap = strlen(sql) * 2 + 16;
	int i;

	s->base.drv = &db_driver_pgsql;
	s->base.d = d;
	s->sql = xmalloc(cap);
	s->nparams = db_sql_numbered(sql, s->sql, cap, s->names, DB_MAX_PARAMS);
	if (s->nparams < 0) {
		str_copy(d->err, sizeof(d->err), "statement has too many parameters");
		msg_error("database %s: %s (in: %.80s)", d->path, d->err, sql);
		free(s->sql);
		free(s);
		return NULL;
	}
	/* a parameter the text never uses (a shared binding list) is typed text */
	for (i = 0; i < s->nparams; i++) {
		char tag[16];

		snprintf(tag, sizeof(tag), "$%d", i + 1);
		s->type[i] = 0;
		{
			const char *p = s->sql;
			int used = 0;

			while ((p = strstr(p, tag)) != NULL) {
				p += strlen(tag);
				if (*p < '0' || *p > '9') {
					used = 1;
					break;
				}
			}
			if (!used)
				s->type[i] = OID_TEXT;
		}
		/* "$n IS NULL" gives PostgreSQL no type to infer: such a parameter
		 * (an optional filter, "?2 IS NULL OR status = ?2") is text unless
		 * an integer is bound to it */
		{
			char isnull[32];

			snprintf(isnull, sizeof(isnull), "$%d IS ", i + 1);
			if (strstr(s->sql, isnull))
				s->type[i] = OID_TEXT;
		}
	}
	memcpy(s->type0, s->type, sizeof(s->type));
	s->row = -1;
	return &s->base;
}

/* clear_result - drop the result of the last run */
static void clear_result(struct pg_stmt *s)
{
	if (s->res)
		pq.clear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
	if (s->blob)
		pq.freemem(s->blob);
	s->blob = NULL;
}

/* same_types - whether this run's values fit the statement prepared on the
 * server: each value of the type it was prepared with. A NULL fits any type,
 * and a value in text form fits a parameter prepared untyped (the server
 * gave it the type of its place, and reads the text as that type, as it
 * would for an unprepared run): an INSERT whose optional columns are NULL in
 * one run and set in the next keeps its prepared plan. */
static int same_types(const struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++)
		if (s->val[i] != NULL && s->ptype[i] != s->type[i] && !(s->ptype[i] == 0 && s->fmt[i] == 0))
			return 0;
	return 1;
}

/*
 * prepared - a statement db.c keeps for reuse, run again: prepare it on the
 * server once (a statement run once, as most are in a short-lived ingest,
 * is not worth the extra round trip). DB_OK, or why it could not be asked
 */
static int prepared(struct db *d, struct pg_stmt *s)
{
	struct pg_state *ps = d->x;
	char name[24];
	PGresult *r;
	int rs;

	if (s->pname[0] && s->pgen != ps->gen)
		s->pname[0] = '\0';    /* the connection it was prepared on is gone */
	if (!s->base.slot || s->pname[0] || s->runs++ == 0)
		return DB_OK;
	snprintf(name, sizeof(name), "ad%lu", ++ps->names);
	r = q_prepare(d, name, s->sql, s->nparams, s->type);
	if (r == NULL || pq.status(CONN(d)) != CONNECTION_OK) {
		/* no answer, or the connection failed: say why, as a run would */
		rs = fail_rc(d, r);
		if (r)
			pq.clear(r);
		return rs;
	}
	/* a failure is the statement's (the server would refuse its run alike), or
	 * that of a statement step_later sent before, which fails the transaction */
	rs = DB_OK;
	if (pq.resultStatus(r) == PGRES_COMMAND_OK) {
		str_copy(s->pname, sizeof(s->pname), name);
		s->pgen = ps->gen;
		memcpy(s->ptype, s->type, sizeof(s->ptype));
	} else if ((rs = fail_rc(d, r)) == DB_ERROR) {
		msg_debug("database %s: %s", d->path, d->err);
	}
	pq.clear(r);
	return rs;
}

/* send_run - the statement with its values, unanswered yet: what PQsend* returned */
static int send_run(struct db *d, struct pg_stmt *s)
{
	if (s->pname[0] && same_types(s))
		return pq.sendQueryPrepared(CONN(d), s->pname, s->nparams, (const char *const *)s->val, s->len,
					    s->fmt, 0);
	return pq.sendQueryParams(CONN(d), s->sql, s->nparams, s->type, (const char *const *)s->val, s->len,
				  s->fmt, 0);
}

/* answer - a statement's first step over its answer in s->res (NULL: none came) */
static int answer(struct db *d, struct pg_stmt *s)
{
	struct pg_state *ps = d->x;
	int rs = s->res ? pq.resultStatus(s->res) : -1;

	if (rs == PGRES_TUPLES_OK) {
		s->nrows = pq.ntuples(s->res);
		s->row = 0;
		ps->changes = s->nrows;
		return s->nrows > 0 ? DB_ROW : DB_DONE;
	}
	if (rs == PGRES_COMMAND_OK || rs == PGRES_EMPTY_QUERY) {
		const char *n = pq.cmdTuples(s->res);

		ps->changes = n && *n ? strtoll(n, NULL, 10) : 0;
		return DB_DONE;
	}
	rs = fail_rc(d, s->res);
	if (rs == DB_ERROR)
		msg_debug("database %s: %s", d->path, d->err);
	return rs;
}

/*
 * collect - the first step of a statement pg_send sent: its answer, read
 * now (with every answer before it) when it was not read yet
 */
static int collect(struct db *d, struct pg_stmt *s)
{
	struct pg_state *ps = d->x;
	PGresult *none;
	int rs;

	s->held = 0;
	if (s->res == NULL && !s->failed) {
		long long until = d->answer_ms > 0 ? mono_ms() + d->answer_ms : 0;

		ps->timed_out = 0;
		if (!ps->pipe || !pq.pipelineSync(CONN(d)) || pipe_read(d, until, 0, &none) < 0) {
			if (!ps->timed_out)
				trim_copy(d, pq.errorMessage(CONN(d)));
			if (ps->pipe)
				pipe_lost(ps);
			s->failed = 0;
			return DB_BUSY;
		}
	}
	if (s->failed) {
		/* its failure, or that of one before it (its own was then
		 * aborted), unless another statement's answer said it first; or
		 * lost with the connection (d->err says how). A failure after it
		 * is the answer of the next statement that waits, or the COMMIT's */
		rs = s->failed == 2 ? DB_BUSY : DB_ERROR;
		if (s->failed == 1 && ps->perr) {
			PGresult *e = ps->perr;

			ps->perr = NULL;
			rs = fail_rc(d, e);
			pq.clear(e);
		} else if (rs == DB_ERROR) {
			str_copy(d->err, sizeof(d->err), "a statement before it in the transaction failed");
		}
		s->failed = 0;
		clear_result(s);
		return rs;
	}
	return answer(d, s);
}

/* pg_step - run at the first step, then walk the rows */
static int pg_step(struct db *d, struct db_stmt *st)
{
	struct pg_stmt *s = PS(st);
	int rs;

	if (s->held)
		return collect(d, s);
	if (s->res) {
		if (++s->row < s->nrows)
			return DB_ROW;
		return DB_DONE;
	}
	if ((rs = prepared(d, s)) != DB_OK)
		return rs;
	s->res = await(d, send_run(d, s));
	return answer(d, s);
}

/*
 * pg_step_later - run a statement whose answer the caller does not read:
 * inside a transaction, sent in pipeline mode and answered with the next
 * statement that needs an answer (see the top); DB_DONE when sent (no rows,
 * db_changes unknown), else as pg_step
 */
static int pg_step_later(struct db *d, struct db_stmt *st)
{
	struct pg_stmt *s = PS(st);
	struct pg_state *ps = d->x;
	int rs;

	if (!ps->pipe) {
		if (pq.enterPipelineMode == NULL || s->res || pq.transactionStatus(CONN(d)) != PQTRANS_INTRANS ||
		    !pq.enterPipelineMode(CONN(d)))
			return pg_step(d, st);
		ps->pipe = 1;
	}
	if ((rs = prepared(d, s)) != DB_OK)
		return rs;
	if (!send_run(d, s)) {
		trim_copy(d, pq.errorMessage(CONN(d)));
		return DB_BUSY;     /* the connection failed: reconnect, then again */
	}
	ps->pending++;
	ps->sent++;
	ps->deferred++;
	ps->changes = 0;
	return DB_DONE;
}

/*
 * pg_send - run a statement whose answer the caller reads later, with its
 * next pg_step: inside a transaction it is sent in pipeline mode and pushed
 * to the server at once, which runs it while the caller goes on; its answer
 * is read with the next statement that waits for one, or by that step.
 * Outside a transaction (or with PG_HELD answers owed) it runs now and the
 * step gives the answer it had. DB_OK, or DB_BUSY/DB_ERROR as pg_step
 */
static int pg_send(struct db *d, struct db_stmt *st)
{
	struct pg_stmt *s = PS(st);
	struct pg_state *ps = d->x;
	int rs;

	if (s->held || s->res)
		return DB_ERROR;        /* a caller's bug: its answer is unread */
	if (!ps->pipe && pq.enterPipelineMode != NULL && pq.transactionStatus(CONN(d)) == PQTRANS_INTRANS &&
	    pq.enterPipelineMode(CONN(d)))
		ps->pipe = 1;
	if (!ps->pipe || ps->nheld == PG_HELD) {
		if ((rs = pg_step(d, st)) != DB_ROW && rs != DB_DONE)
			return rs;
		s->held = 1;            /* answered: the step reads it again */
		return DB_OK;
	}
	if ((rs = prepared(d, s)) != DB_OK)
		return rs;
	if (!send_run(d, s) || pq.flush(CONN(d)) != 0) {
		trim_copy(d, pq.errorMessage(CONN(d)));
		return DB_BUSY;         /* the connection failed: reconnect, then again */
	}
	ps->pending++;
	ps->held[ps->nheld].seq = ++ps->sent;
	ps->held[ps->nheld++].s = s;
	s->held = 1;
	s->failed = 0;
	return DB_OK;
}

/* unhold - a statement pg_send sent is reset or freed before its step: its
 * answer, when it comes, is read as that of a statement sent by step_later */
static void unhold(struct pg_stmt *s)
{
	struct pg_state *ps = s->base.d ? s->base.d->x : NULL;

	if (s->held && ps)
		for (int i = 0; i < ps->nheld; i++)
			if (ps->held[i].s == s)
				ps->held[i].s = NULL;
	s->held = 0;
	s->failed = 0;
}

static void pg_reset(struct db_stmt *st)
{
	unhold(PS(st));
	clear_result(PS(st));
}

/* pg_clear - no result, no values, the types of prepare: as pg_prepare left it */
static void pg_clear(struct db_stmt *st)
{
	struct pg_stmt *s = PS(st);
	int i;

	unhold(s);
	clear_result(s);
	for (i = 0; i < DB_MAX_PARAMS; i++) {
		free(s->val[i]);
		s->val[i] = NULL;
		s->len[i] = 0;
		s->fmt[i] = 0;
	}
	memcpy(s->type, s->type0, sizeof(s->type));
}

static void pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = PS(st);
	int i;

	unhold(s);
	clear_result(s);
	/* replaced in db.c's cache: free the server's copy (at close the
	 * connection's end frees them all, and db.c has dropped its cache) */
	if (s->pname[0] && s->base.d->cache != NULL) {
		char sql[48];
		PGresult *r;

		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->pname);
		if ((r = q_exec(s->base.d, sql)) != NULL)
			pq.clear(r);
	}
	for (i = 0; i < DB_MAX_PARAMS; i++)
		free(s->val[i]);
	free(s->sql);
	free(s);
}

static int pg_exec(struct db *d, const char *sql)
{
	PGresult *r = q_exec(d, sql);
	int rs = r ? pq.resultStatus(r) : -1, rc = DB_OK;

	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK && rs != PGRES_EMPTY_QUERY) {
		rc = fail_rc(d, r);
		if (rc == DB_ERROR)
			msg_debug("database %s: %s", d->path, d->err);
	}
	if (r)
		pq.clear(r);
	return rc;
}

static int pg_begin(struct db *d)
{
	return pg_exec(d, "BEGIN");
}

static int pg_in_txn(struct db *d)
{
	if (((struct pg_state *)d->x)->pipe)
		return 1;   /* entered inside a transaction only */
	return pq.transactionStatus(CONN(d)) != PQTRANS_IDLE;
}

/* set_param - keep a copy of one value (index i, 1-based) */
static void set_param(struct db_stmt *st, int i, const void *p, size_t n, int fmt, Oid type)
{
	struct pg_stmt *s = PS(st);

	if (i < 1 || i > s->nparams)
		return;         /* not in this statement: harmless, as with SQLite */
	free(s->val[i - 1]);
	s->val[i - 1] = NULL;
	if (p) {
		s->val[i - 1] = xmalloc(n + 1);
		memcpy(s->val[i - 1], p, n);
		s->val[i - 1][n] = '\0';
	}
	s->len[i - 1] = (int)n;
	s->fmt[i - 1] = fmt;
	if (s->type[i - 1] != OID_TEXT || type != 0)
		s->type[i - 1] = type;
}

static void pg_bind_text(struct db_stmt *st, int i, const char *v)
{
	set_param(st, i, v, strlen(v), 0, 0);
}

static void pg_bind_int(struct db_stmt *st, int i, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	set_param(st, i, buf, strlen(buf), 0, OID_INT8);
}

static void pg_bind_null(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PS(st);

	/* keep a type an earlier binding gave, so 'x = $n' still resolves */
	set_param(st, i, NULL, 0, 0, i >= 1 && i <= s->nparams ? s->type[i - 1] : 0);
}

static void pg_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	set_param(st, i, p ? p : "", n, 1, OID_BYTEA);
}

static int pg_bind_index(struct db_stmt *st, const char *name)
{
	struct pg_stmt *s = PS(st);
	int i;

	for (i = 0; i < s->nparams; i++)
		if (strcmp(s->names[i], name) == 0)
			return i + 1;
	return 0;
}

static int pg_bind_count(struct db_stmt *st)
{
	return PS(st)->nparams;
}

/* have - is column i of the current row there? */
static int have(struct pg_stmt *s, int i)
{
	return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 && i < pq.nfields(s->res);
}

static const char *pg_col_text(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PS(st);

	if (!have(s, i) || pq.getisnull(s->res, s->row, i))
		return "";
	if (pq.ftype(s->res, i) == OID_BOOL)
		return *pq.getvalue(s->res, s->row, i) == 't' ? "1" : "0";
	return pq.getvalue(s->res, s->row, i);
}

static long long pg_col_int(struct db_stmt *st, int i)
{
	const char *v = pg_col_text(st, i);

	return strtoll(v, NULL, 10);
}

static const void *pg_col_blob(struct db_stmt *st, int i, size_t *n)
{
	struct pg_stmt *s = PS(st);

	*n = 0;
	if (!have(s, i) || pq.getisnull(s->res, s->row, i))
		return NULL;
	if (pq.ftype(s->res, i) != OID_BYTEA) {
		*n = (size_t)pq.getlength(s->res, s->row, i);
		return pq.getvalue(s->res, s->row, i);
	}
	if (s->blob)
		pq.freemem(s->blob);
	s->blob = pq.unescapeBytea((const unsigned char *)pq.getvalue(s->res, s->row, i), n);
	return s->blob;
}

static int pg_col_type(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PS(st);

	if (!have(s, i) || pq.getisnull(s->res, s->row, i))
		return DB_T_NULL;
	switch (pq.ftype(s->res, i)) {
	case OID_INT8: case OID_INT4: case OID_INT2: case OID_BOOL: return DB_T_INT;
	case OID_BYTEA: return DB_T_BLOB;
	case OID_NUMERIC:       /* sum() of a BIGINT: an integer unless it has a point */
		return strchr(pq.getvalue(s->res, s->row, i), '.') ? DB_T_TEXT : DB_T_INT;
	default: return DB_T_TEXT;
	}
}

static int pg_col_count(struct db_stmt *st)
{
	struct pg_stmt *s = PS(st);

	return s->res ? pq.nfields(s->res) : 0;
}

static const char *pg_col_name(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PS(st);
	const char *n = s->res && i >= 0 && i < pq.nfields(s->res) ? pq.fname(s->res, i) : NULL;

	return n ? n : "";
}

static long long pg_changes(struct db *d)
{
	return ((struct pg_state *)d->x)->changes;
}

/* pg_last_id - lastval(): the sequence the last INSERT with an id column advanced */
static long long pg_last_id(struct db *d)
{
	PGresult *r = q_exec(d, "SELECT lastval()");
	long long id = 0;

	if (r && pq.resultStatus(r) == PGRES_TUPLES_OK && pq.ntuples(r) == 1)
		id = strtoll(pq.getvalue(r, 0, 0), NULL, 10);
	if (r)
		pq.clear(r);
	return id;
}

static const char *pg_errmsg(struct db *d)
{
	return pq.errorMessage(CONN(d));
}

/* pg_set_durable - a commit returns once it is on the server's disk */
static int pg_set_durable(struct db *d)
{
	((struct pg_state *)d->x)->durable = 1;
	return pg_exec(d, "SET synchronous_commit = on");
}

/* pg_reconnect - a connection the server dropped, opened again with the same
 * parameters (connect_timeout: the busy deadline) and the same settings */
static int pg_reconnect(struct db *d)
{
	if (pq.status(CONN(d)) == CONNECTION_OK)
		return DB_OK;
	pq.reset(CONN(d));
	((struct pg_state *)d->x)->gen++;
	pipe_lost(d->x);
	if (pq.status(CONN(d)) != CONNECTION_OK) {
		trim_copy(d, pq.errorMessage(CONN(d)));
		return DB_BUSY;
	}
	if (session(d) != DB_OK || (((struct pg_state *)d->x)->durable && pg_set_durable(d) != DB_OK))
		return DB_BUSY;
	return DB_OK;
}

/* pg_flush - the server keeps its own files: nothing to do */
static int pg_flush(struct db *d)
{
	(void)d;
	return DB_OK;
}

const struct db_driver db_driver_pgsql = {
	"pgsql", DB_PGSQL, pg_open, pg_close, pg_prepare, pg_step, pg_reset, pg_finalize,
	pg_exec, pg_begin, pg_in_txn, pg_bind_text, pg_bind_int, pg_bind_null, pg_bind_blob,
	pg_bind_index, pg_bind_count, pg_col_text, pg_col_int, pg_col_blob, pg_col_type,
	pg_col_count, pg_col_name, pg_changes, pg_last_id, pg_errmsg, pg_set_durable, pg_flush,
	pg_clear,
	pg_reconnect,
	pg_step_later,
	pg_send,
};

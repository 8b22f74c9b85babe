/*
 * process - parse, trace, store, incident and notification queue for one
 * spooled message, in one database transaction.
 *
 * Parsing and tracing happen before the write transaction so that the lock is
 * held only for the writes. A feed (many events in one mail, report.events)
 * is stored as one report per event: the first is the message's own row, each
 * further event a row of its own (digest "SHA:eN", the same spool file),
 * traced, attached to its incident and notified in the same transaction;
 * reporters get one acknowledgement. Whatever goes wrong with the database, the message
 * stays in the spool's new/ folder and `abusedesk reprocess --pending` finishes
 * it later: the caller's exit status to the MTA no longer depends on us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../correlate/inventory/inventory_csv.h"
#include "../db/incidents.h"
#include "../db/reports.h"
#include "../parse/contentkey.h"
#include "notify.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "process.h"
#include "records.h"

/* proc_open - database, trace configuration and inventory */
void proc_open(struct app_proc *p, const struct config *cfg)
{
	char err[512];

	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->db_wait_ms = PROC_DB_WAIT_MS;
	if (db_open(&p->db, cfg->database, cfg->db_busy_timeout, 0, p->dberr, sizeof(p->dberr)) == DB_OK)
		p->have_db = 1;
	p->tconf.our_networks = cfg->our_networks;
	p->tconf.our_domains = cfg->our_domains;
	if (cfg->inventory_csv && *cfg->inventory_csv) {
		if (inventory_csv_load(cfg->inventory_csv, (struct inventory_csv **)&p->aenv.csv,
				       err, sizeof(err)) < 0)
			msg_warn("%s", err);
	}
	p->aenv.db = p->have_db ? &p->db : NULL;
	app_trace_env(&p->aenv, &p->env);
}

/* proc_close - the database and the CSV inventory */
void proc_close(struct app_proc *p)
{
	if (p->have_db)
		db_close(&p->db);
	if (p->aenv.csv)
		inventory_csv_free(p->aenv.csv);
	app_env_cache_free(&p->aenv);
	p->aenv.csv = NULL;
	p->aenv.db = NULL;
	p->have_db = 0;
}

/* orig_key - what makes two reports "the same reported message" */
static char *orig_key(const struct report *r)
{
	struct buf b;

	if (r->orig.message_id && *r->orig.message_id) {
		buf_init(&b, 1024);
		buf_printf(&b, "mid:%.900s", r->orig.message_id);
		return buf_steal(&b);
	}
	if (r->orig.body_sha256) {
		buf_init(&b, 128);
		buf_printf(&b, "sha:%s", r->orig.body_sha256);
		return buf_steal(&b);
	}
	if (r->orig.headers && *r->orig.headers) {
		char hex[65];

		spool_sha256(r->orig.headers, strlen(r->orig.headers), hex);
		buf_init(&b, 128);
		buf_printf(&b, "hdr:%s", hex);
		return buf_steal(&b);
	}
	return NULL;
}

/* One feed event after the first, traced and ready to store. */
struct proc_child {
	char sha[96];               /* the message's digest and ":eN" */
	char ckey[96];              /* its content key and ":eN", or "" */
	char field[64];             /* "feed event N of M" */
	struct app_report_rec rr;
	struct verdict v;
	struct db_verdict vr;
	struct buf pj, tj;
};

/* children - trace every feed event after the first as a report of its own (r is put back) */
static struct proc_child *children(struct app_proc *p, const struct spool_msg *m, const char *ckey,
				   struct report *r, size_t *n)
{
	char *ip = r->source_ip, *date = r->arrival_date, *field = r->source_field;
	int port = r->source_port;
	time_t arr = r->arrival;
	struct proc_child *ch;

	*n = r->nevents > 1 ? r->nevents - 1 : 0;
	if (*n == 0)
		return NULL;
	ch = xcalloc(*n, sizeof(*ch));
	for (size_t k = 0; k < *n; k++) {
		struct event *e = &r->events[k + 1];
		struct proc_child *c = &ch[k];

		snprintf(c->sha, sizeof(c->sha), "%s:e%zu", m->sha256, k + 1);
		if (*ckey)
			snprintf(c->ckey, sizeof(c->ckey), "%s:e%zu", ckey, k + 1);
		snprintf(c->field, sizeof(c->field), "feed event %zu of %zu", k + 2, r->nevents);
		r->source_ip = e->ip;
		r->source_port = e->port;
		r->arrival = e->when;
		r->arrival_date = e->date[0] ? e->date : NULL;
		r->source_field = c->field;
		verdict_init(&c->v);
		trace_report(r, &p->tconf, &p->env, &c->v);
		buf_init(&c->pj, 0);
		buf_init(&c->tj, 0);
		report_to_json(r, NULL, &c->pj);
		verdict_to_json(&c->v, NULL, &c->tj);
		app_report_rec(r, &c->rr);   /* borrows e->ip and r's shared strings */
		app_verdict_rec(&c->v, &c->vr);
	}
	r->source_ip = ip;
	r->arrival_date = date;
	r->source_field = field;
	r->source_port = port;
	r->arrival = arr;
	return ch;
}

/* children_free - what children() made */
static void children_free(struct proc_child *ch, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		app_report_rec_free(&ch[k].rr);
		verdict_free(&ch[k].v);
		buf_free(&ch[k].pj);
		buf_free(&ch[k].tj);
	}
	free(ch);
}

/* store_children - the feed's further events, inside store()'s transaction */
static int store_children(struct app_proc *p, const struct spool_msg *m, long long received_at,
			  const struct report *r, struct proc_child *ch, size_t n)
{
	int rc = DB_OK;

	for (size_t k = 0; k < n && rc == DB_OK; k++) {
		struct incident_change cc;
		long long id = 0;
		int existed = 0, done = 0;

		memset(&cc, 0, sizeof(cc));
		rc = reports_insert_done(&p->db, m->name, (long long)m->size, ch[k].sha, ch[k].ckey, received_at, NULL,
					 &ch[k].rr.rec, &ch[k].vr, NULL, ch[k].pj.data, ch[k].tj.data, &id, &existed,
					 &done);
		if (rc == DB_OK && existed)
			rc = reports_store(&p->db, id, &ch[k].rr.rec, &ch[k].vr, NULL, ch[k].pj.data, ch[k].tj.data);
		if (rc == DB_OK && existed == 1)
			rc = reports_set_content_key(&p->db, id, ch[k].ckey);
		if (rc != DB_OK || (existed && done))
			continue;
		/* incident_attach links the report to its incident */
		if ((rc = incident_attach(&p->db, p->cfg, id, &ch[k].rr.rec, &ch[k].vr, NULL, &cc)) != DB_OK)
			break;
		if (cc.id)
			rc = notify_enqueue(&p->db, p->cfg, &cc, id);
		incident_change_free(&cc);
	}
	return rc;
}

/* What parse and trace make of one message, ready to store. */
struct prep {
	struct report r;
	struct verdict v;
	struct app_report_rec rr;
	struct db_verdict vr;
	struct buf pj, tj;
	struct proc_child *chl;
	size_t nch;
	char *okey;
	char ckey[65];              /* the content key, "" for none */
	int unanswered;             /* a lookup of the store failed while tracing */
	struct incident_look look;  /* the incident a new row joins, looked up with its insert */
	struct reports_sent sent;   /* the row's first statement, when sending (store_send) */
	int sending;
};

/* a batch's message whose first statement the server runs while the next is parsed */
struct proc_fly {
	struct prep x;
	size_t k;                   /* its item */
};

/* prep_make - parse and trace m (outside any transaction of its own) */
static void prep_make(struct app_proc *p, const struct spool_msg *m, const char *data, size_t len,
		      struct prep *x)
{
	report_init(&x->r);
	verdict_init(&x->v);
	p->aenv.failed = 0;
	parse_message(data, len, &x->r);
	if (m->truncated) {
		x->r.flags |= REPORT_F_TRUNCATED;
		report_warn(&x->r, "message was larger than max_message_size and was stored truncated "
			    "(%lld bytes received, %zu kept)", m->received, m->size);
	}
	trace_report(&x->r, &p->tconf, &p->env, &x->v);
	buf_init(&x->pj, 0);
	buf_init(&x->tj, 0);
	report_to_json(&x->r, NULL, &x->pj);
	verdict_to_json(&x->v, NULL, &x->tj);
	x->okey = orig_key(&x->r);
	content_key(data, len, x->ckey);
	app_report_rec(&x->r, &x->rr);
	app_verdict_rec(&x->v, &x->vr);
	x->nch = 0;
	x->chl = children(p, m, x->ckey, &x->r, &x->nch);
	x->unanswered = p->aenv.failed;
	memset(&x->look, 0, sizeof(x->look));
	x->sending = 0;
}

/* prep_free - what prep_make made; the names for the log line go to res first */
static void prep_free(struct prep *x, struct proc_result *res)
{
	const struct verdict *v = &x->v;

	if (x->sending)
		reports_sent_drop(&x->sent);
	x->sending = 0;
	str_copy(res->format, sizeof(res->format), report_format_name(x->r.format));
	str_copy(res->verdict, sizeof(res->verdict), verdict_name(v->cls));
	str_copy(res->host, sizeof(res->host), v->abused_host ? v->abused_host : v->abused_ip ? v->abused_ip : "-");
	children_free(x->chl, x->nch);
	app_report_rec_free(&x->rr);
	free(x->okey);
	buf_free(&x->pj);
	buf_free(&x->tj);
	report_free(&x->r);
	verdict_free(&x->v);
}

/* store_send - the first statement of store_in, made ready and (later 1)
 * sent: the server runs it while the caller goes on; store_in reads its
 * answer (later 0: runs it then). DB_OK or why not */
static int store_send(struct app_proc *p, const struct spool_msg *m, long long received_at, int reparse,
		      struct prep *x, int later)
{
	const struct db_report *rr = &x->rr.rec;
	int rc;

	if (x->unanswered)
		return DB_ERROR;        /* as store_in */
	if (reparse) {
		rc = reports_reparse_send(&p->db, m->sha256, rr, &x->vr, x->okey, x->pj.data, x->tj.data, later,
					  &x->sent);
	} else {
		/* the incident it joins, looked up with the row's write, so that a new row names it */
		incident_look_key(p->cfg, rr, &x->vr, received_at, &x->look);
		rc = reports_insert_done_send(&p->db, m->name, (long long)m->size, m->sha256, x->ckey, received_at,
					      &x->look, rr, &x->vr, x->okey, x->pj.data, x->tj.data, later, &x->sent);
	}
	x->sending = rc == DB_OK;
	return rc;
}

/*
 * store_in - the writes of one message inside a transaction the caller
 * opened; DB_OK (res->outcome says stored, updated or duplicate; a
 * duplicate wrote nothing), DB_BUSY or DB_ERROR (the caller rolls back)
 */
static int store_in(struct app_proc *p, const struct spool_msg *m, long long received_at, int reparse,
		    struct prep *x, struct proc_result *res)
{
	const struct report *r = &x->r;
	const struct db_report *rr = &x->rr.rec;
	const struct db_verdict *v = &x->vr;
	struct incident_change ch;
	int existed = 0, done = 0, keyed = 0, stored = 0, insert = !reparse, rc;
	long long id = 0;

	memset(&ch, 0, sizeof(ch));
	/* a lookup the store did not answer made the verdict without our
	 * inventory (the host would read as unknown): not one to store; the
	 * message is traced again, or stays pending */
	if (x->unanswered)
		return DB_ERROR;
	/* a re-parse is of a stored message as a rule: its row is read and
	 * written by its digest (one statement on PostgreSQL), or found by its
	 * content key, rather than by an insert that conflicts after looking its
	 * incident up for nothing. A new message is one row write (with the
	 * lookup of the incident it joins); an existing row is left alone (a
	 * duplicate) or updated (pending from a crash, or a re-parse). The
	 * first statement may have been sent already (store_send) */
	if (!x->sending && (rc = store_send(p, m, received_at, reparse, x, 0)) != DB_OK)
		return rc;
	x->sending = 0;
	if (reparse) {
		if ((rc = reports_reparse_recv(&p->db, &x->sent, rr, &id, &done, &keyed)) < 0)
			return rc;
		if (rc > 0)
			existed = stored = 1;
		/* (no row has the digest: its content key, or a new row) */
		else if ((rc = reports_find(&p->db, NULL, x->ckey, &id, NULL, 0, &done, &keyed)) < 0)
			return rc;
		else if (rc > 0)
			existed = rc;
		else if ((rc = store_send(p, m, received_at, 0, x, 0)) != DB_OK)
			return rc;
		else
			insert = 1;
	}
	x->sending = 0;
	if (insert && (rc = reports_insert_done_recv(&p->db, &x->sent, m->sha256, x->ckey, &x->look, rr, v, &id,
						     &existed, &done)) != DB_OK)
		return rc;
	res->report_id = id;
	/* other bytes of a complaint stored already (its delivery to another MX
	 * host) are a duplicate even when re-parsing: the row is the first one's */
	if (existed && done && (!reparse || existed == 2)) {
		/* which file holds the stored copy: only a different file that exists makes this one spare */
		if (reports_find(&p->db, m->sha256, x->ckey, &id, res->dup_of, sizeof(res->dup_of), NULL, NULL) < 1)
			res->dup_of[0] = '\0';
		res->outcome = PROC_DUPLICATE;
		return DB_OK;
	}
	if (existed && !stored && (rc = reports_store(&p->db, id, rr, v, x->okey, x->pj.data, x->tj.data)) != DB_OK)
		return rc;
	/* a row recorded before there were content keys gets its own */
	if (existed == 1 && !keyed && (rc = reports_set_content_key(&p->db, id, x->ckey)) != DB_OK)
		return rc;
	if (!(existed && done)) {
		/* incident_attach links the report to its incident (a new row names it already) */
		if ((rc = existed ? incident_attach(&p->db, p->cfg, id, rr, v, x->okey, &ch) :
		     incident_attach_looked(&p->db, p->cfg, id, rr, v, x->okey, &x->look, &ch)) != DB_OK)
			return rc;
		rc = ch.id ? notify_enqueue(&p->db, p->cfg, &ch, id) : DB_OK;
		incident_change_free(&ch);
		if (rc != DB_OK)
			return rc;
		if ((rc = notify_enqueue_ack(&p->db, p->cfg, r, id, ch.id)) != DB_OK)
			return rc;
		res->incident_id = ch.id;
	}
	if (x->nch && (rc = store_children(p, m, received_at, r, x->chl, x->nch)) != DB_OK)
		return rc;
	res->outcome = existed && done ? PROC_UPDATED : PROC_STORED;
	return DB_OK;
}

/* store - one message in a write transaction of its own; DB_OK, DB_BUSY or DB_ERROR */
static int store(struct app_proc *p, const struct spool_msg *m, long long received_at, int reparse,
		 struct prep *x, struct proc_result *res)
{
	int rc;

	if ((rc = db_begin(&p->db)) != DB_OK)
		return rc;
	rc = store_in(p, m, received_at, reparse, x, res);
	if (rc != DB_OK || res->outcome == PROC_DUPLICATE) {
		db_rollback(&p->db);
		return rc;
	}
	return db_commit(&p->db);
}

/*
 * duplicate - m holds bytes a row already has. It is removed only when that
 * row names a different spool file that exists; when the row names m itself
 * (another process finished it) m is simply done, and when the row's file is
 * gone the row is pointed at m, which is then the only copy.
 */
static void duplicate(struct app_proc *p, const struct spool_msg *m, struct proc_result *res)
{
	const char *dir = p->cfg->spool_dir;
	char path[4096];

	if (res->dup_of[0] && strcmp(res->dup_of, m->name) != 0 &&
	    spool_find(dir, res->dup_of, path, sizeof(path)) == 0) {
		if (spool_remove(dir, "new", m->name) < 0 && spool_remove(dir, "cur", m->name) < 0)
			msg_debug("spool: duplicate %s not removed", m->name);
		return;
	}
	/* a database shared by several hosts: the file the row names is in another
	 * host's spool as often as not, so not finding it here says nothing; this
	 * host keeps its copy and the row keeps its name */
	if (res->dup_of[0] && strcmp(res->dup_of, m->name) != 0 && !db_is_file(p->cfg->database)) {
		msg_debug("spool: %s is report %lld, recorded from %s", m->name, res->report_id, res->dup_of);
		spool_done(dir, m->name);
		return;
	}
	if (res->dup_of[0] && strcmp(res->dup_of, m->name) != 0) {
		if (reports_set_spool_path(&p->db, res->report_id, m->name) != DB_OK) {
			msg_warn("spool: report %lld names %s, which is gone; %s holds its bytes",
				 res->report_id, res->dup_of, m->name);
			return;
		}
		msg_warn("spool: report %lld named %s, which is gone; it now names %s", res->report_id,
			 res->dup_of, m->name);
	}
	spool_done(dir, m->name);
}

/* finish - the spool after the outcome of m is known (committed, or left
 * pending); in_cur: the file is in cur/ already (reprocess --all) */
static void finish(struct app_proc *p, const struct spool_msg *m, int in_cur, int rc, struct proc_result *res)
{
	if (rc != DB_OK) {
		res->outcome = PROC_PENDING;
		if (p->aenv.failed)
			msg_error("database %s: an inventory, mail-log or NAT lookup failed (%s), so the verdict "
				  "would lack it; message %s stays pending (abusedesk reprocess --pending)",
				  p->db.path, p->aenv.why, m->name);
		else
			msg_error("database %s: %s; message %s stays pending (abusedesk reprocess --pending)",
				  p->db.path, rc == DB_BUSY ? "locked past db_busy_timeout" : db_errmsg(&p->db),
				  m->name);
	} else if (res->outcome == PROC_DUPLICATE) {
		duplicate(p, m, res);
	} else if (!in_cur && spool_done(p->cfg->spool_dir, m->name) < 0) {
		/* already in cur/ after all, or the move failed: the DB is right either way */
		msg_debug("spool: %s not moved to cur/", m->name);
	}
}

/* proc_message - one message, all the way */
void proc_message(struct app_proc *p, const struct spool_msg *m, const char *data, size_t len,
		  long long received_at, int reparse, struct proc_result *res)
{
	struct prep x;
	int rc;

	memset(res, 0, sizeof(*res));
	res->outcome = PROC_PENDING;
	if (!p->have_db) {
		msg_error("%s; message %s stays pending in the spool", p->dberr, m->name);
		spool_release();
		return;
	}
	prep_make(p, m, data, len, &x);
	rc = store(p, m, received_at, reparse, &x, res);
	prep_free(&x, res);
	finish(p, m, 0, rc, res);
	spool_release();
}

/* now_ms - monotonic milliseconds */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void proc_batch_init(struct proc_batch *b, struct app_proc *p, size_t max, long max_ms, proc_batch_fn done,
		     void *ctx)
{
	struct rlimit rl;

	memset(b, 0, sizeof(*b));
	b->p = p;
	b->max = max ? max : 1;
	if (!db_is_file(p->cfg->database) && b->max > PROC_BATCH_SERVER)
		b->max = PROC_BATCH_SERVER;
	/* each message of the batch keeps its spool file open (its lock) until the commit */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < b->max + 64)
		b->max = rl.rlim_cur > 80 ? (size_t)rl.rlim_cur - 64 : 16;
	b->max_ms = max_ms;
	if (p->have_db && db_set_bulk(&p->db) != DB_OK)
		msg_debug("database: cannot enlarge the page cache");
	b->done = done;
	b->ctx = ctx;
	b->it = xcalloc(b->max, sizeof(*b->it));
}

/* sleep_ms - a pause of ms milliseconds */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

/*
 * lost - after a failed statement or commit: 0 when the connection is good,
 * or good again (the failure was the statement's, or the server is back);
 * 1 when the database stayed unreachable for the batch's wait, and is from
 * now on down (messages pending without a try until it is back)
 */
static int lost(struct proc_batch *b)
{
	struct app_proc *p = b->p;
	long long t0 = now_ms(), waited;

	if (db_reconnect(&p->db) == DB_OK)
		return 0;
	if (p->db_wait_ms > 0)
		msg_warn("database %s: connection lost (%s); trying again every second for up to %ld s",
			 p->db.path, db_errmsg(&p->db), p->db_wait_ms / 1000);
	while ((waited = now_ms() - t0) < p->db_wait_ms) {
		sleep_ms(p->db_wait_ms - waited < 1000 ? p->db_wait_ms - waited : 1000);
		if (db_reconnect(&p->db) == DB_OK) {
			msg_info("database %s: connected again after %.1f s", p->db.path, (now_ms() - t0) / 1000.0);
			return 0;
		}
	}
	b->down = 1;
	b->down_at = t0;
	b->retry_at = now_ms() + PROC_DB_RETRY_MS;
	msg_warn("database %s: unreachable (%s); messages stay pending in the spool until it is back "
		 "(then abusedesk reprocess --pending)", p->db.path, db_errmsg(&p->db));
	return 1;
}

/* still_down - while the database is down: 1 when it still is (tried again every PROC_DB_RETRY_MS) */
static int still_down(struct proc_batch *b)
{
	struct app_proc *p = b->p;

	if (!b->down)
		return 0;
	if (now_ms() < b->retry_at)
		return 1;
	if (db_reconnect(&p->db) != DB_OK) {
		b->retry_at = now_ms() + PROC_DB_RETRY_MS;
		return 1;
	}
	b->down = 0;
	msg_info("database %s: connected again after %.0f s; %zu message%s left pending meanwhile", p->db.path,
		 (now_ms() - b->down_at) / 1000.0, b->left, b->left == 1 ? "" : "s");
	return 0;
}

/* item_done - the item's lock (its spool file) released and its outcome handed on */
static void item_done(struct proc_batch *b, struct proc_batch_item *it)
{
	if (it->fd >= 0)
		close(it->fd);
	it->fd = -1;
	if (b->done)
		b->done(b->ctx, it);
}

/* left_pending - an item the batch leaves pending, the database being down (lost() said so once) */
static void left_pending(struct proc_batch *b, struct proc_batch_item *it)
{
	memset(&it->res, 0, sizeof(it->res));
	it->res.outcome = PROC_PENDING;
	b->left++;
	item_done(b, it);
}

/* one_alone - an item in a transaction of its own, from its spool file (its lock in it->fd) */
static void one_alone(struct proc_batch *b, struct proc_batch_item *it)
{
	char path[4096];
	char *data = NULL;
	size_t len = 0;

	if (spool_path(b->p->cfg->spool_dir, it->sub, it->m.name, path, sizeof(path)) == 0)
		data = spool_read(path, &len);
	if (data == NULL) {
		memset(&it->res, 0, sizeof(it->res));
		it->res.outcome = PROC_PENDING;
		msg_error("cannot read back %s/%s; it stays pending", it->sub, it->m.name);
	} else {
		proc_message(b->p, &it->m, data, len, it->received_at, it->reparse, &it->res);
		free(data);
	}
	item_done(b, it);
}

/* land - the message in flight, if any: its answer read and the rest of its
 * writes made (store_in); DB_OK, or the failure that fails the batch */
static int land(struct proc_batch *b)
{
	struct proc_fly *f = b->fly;
	struct proc_batch_item *it;
	int rc;

	if (f == NULL)
		return DB_OK;
	b->fly = NULL;
	it = &b->it[f->k];
	rc = store_in(b->p, &it->m, it->received_at, it->reparse, &f->x, &it->res);
	prep_free(&f->x, &it->res);
	free(f);
	return rc;
}

/* redo - the transaction failed: each message so far again, one transaction each, or
 * all of them pending when the database went away and did not come back */
static void redo(struct proc_batch *b)
{
	int down = lost(b);

	if (!down)
		msg_debug("database: a batch of %zu messages rolled back; storing them one by one", b->n);
	for (size_t k = 0; k < b->n; k++) {
		if (down)
			left_pending(b, &b->it[k]);
		else
			one_alone(b, &b->it[k]);
	}
	b->n = 0;
}

/* abandon - the open transaction rolled back, and its messages stored again by redo */
static void abandon(struct proc_batch *b)
{
	db_rollback(&b->p->db);
	b->open = 0;
	app_env_cache_end(&b->p->aenv);
	redo(b);
}

void proc_batch_add(struct proc_batch *b, const struct spool_msg *m, const char *sub, const char *data,
		    size_t len, long long received_at, int reparse)
{
	struct app_proc *p = b->p;
	struct proc_batch_item *it = &b->it[b->n];
	struct proc_fly *f;
	int rc;

	memset(it, 0, sizeof(*it));
	it->m = *m;
	str_copy(it->sub, sizeof(it->sub), sub);
	it->received_at = received_at;
	it->reparse = reparse;
	it->fd = spool_detach();
	it->res.outcome = PROC_PENDING;
	if (p->have_db && !b->open && still_down(b)) {
		left_pending(b, it);
		return;
	}
	if (p->have_db && !b->open) {
		/* a connection the server dropped since the last batch is opened again first */
		if ((rc = db_begin(&p->db)) != DB_OK && !lost(b))
			rc = db_begin(&p->db);
		if (rc == DB_OK) {
			b->open = 1;
			b->t0 = now_ms();
			app_env_cache_begin(&p->aenv);
		} else if (b->down) {
			left_pending(b, it);
			return;
		}
	}
	if (!b->open) {
		/* no database, or no transaction: the one-message path says why and leaves it pending */
		proc_message(p, m, data, len, received_at, reparse, &it->res);
		item_done(b, it);
		return;
	}
	/* (on the heap: a message in flight stays there while the next is parsed) */
	f = xmalloc(sizeof(*f));
	prep_make(p, m, data, len, &f->x);
	/* the message before, whose statement the server ran meanwhile */
	rc = land(b);
	/* its first statement is sent, and answered while the next message is parsed */
	if (rc == DB_OK && (rc = store_send(p, m, received_at, reparse, &f->x, 1)) == DB_OK) {
		f->k = b->n++;
		b->fly = f;
		if (b->n >= b->max || now_ms() - b->t0 >= b->max_ms)
			proc_batch_flush(b);
		return;
	}
	if (rc == DB_OK)
		rc = store_in(p, m, received_at, reparse, &f->x, &it->res);
	prep_free(&f->x, &it->res);
	free(f);
	if (rc != DB_OK) {
		/* roll back and take every message of the batch on its own, this one last */
		abandon(b);
		if (b->down) {
			left_pending(b, it);
			return;
		}
		proc_message(p, m, data, len, received_at, reparse, &it->res);
		item_done(b, it);
		return;
	}
	b->n++;
	if (b->n >= b->max || now_ms() - b->t0 >= b->max_ms)
		proc_batch_flush(b);
}

int proc_batch_flush(struct proc_batch *b)
{
	struct app_proc *p = b->p;
	int rc;

	if (!b->open)
		return 0;
	if (land(b) != DB_OK) {
		msg_debug("database %s: %s; storing the batch's %zu messages one by one", p->db.path,
			  db_errmsg(&p->db), b->n);
		abandon(b);
		return -1;
	}
	b->open = 0;
	app_env_cache_end(&p->aenv);
	if ((rc = db_commit(&p->db)) != DB_OK) {
		msg_warn("database %s: a batch of %zu messages did not commit (%s); storing them one by one",
			 p->db.path, b->n, rc == DB_BUSY ? "locked past db_busy_timeout" : db_errmsg(&p->db));
		redo(b);
		return -1;
	}
	for (size_t k = 0; k < b->n; k++) {
		struct proc_batch_item *it = &b->it[k];

		finish(p, &it->m, strcmp(it->sub, "cur") == 0, DB_OK, &it->res);
		item_done(b, it);
	}
	b->n = 0;
	return 0;
}

void proc_batch_free(struct proc_batch *b)
{
	proc_batch_flush(b);
	if (b->left)
		msg_warn("database %s: %zu message%s left pending while it was unreachable: "
			 "abusedesk reprocess --pending records them", b->p->db.path, b->left, b->left == 1 ? "" : "s");
	if (b->p->have_db && db_end_bulk(&b->p->db) != DB_OK)
		msg_debug("database: the WAL was not copied back (the next writer does it)");
	free(b->it);
	b->it = NULL;
}

/* proc_spooled - read the spooled message back and process it; the spool lock is held */
void proc_spooled(const struct config *cfg, const struct spool_msg *m)
{
	struct app_proc p;
	struct proc_result res;
	char path[4096];
	char *data = NULL;
	size_t len = 0;

	if (spool_path(cfg->spool_dir, "new", m->name, path, sizeof(path)) == 0)
		data = spool_read(path, &len);
	if (data == NULL) {
		msg_error("ingest: cannot read back %s; it stays pending", m->name);
		return;
	}
	proc_open(&p, cfg);
	/* the row durable before the move to cur/: a power cut cannot leave a file in cur/ without it */
	if (p.have_db && db_set_durable(&p.db) != DB_OK)
		msg_debug("database: cannot set synchronous=FULL");
	proc_message(&p, m, data, len, (long long)time(NULL), 0, &res);
	proc_log(&res);
	proc_close(&p);
	free(data);
}

/* proc_log - "report=42 format=arf verdict=open_relay host=mx2 incident=7" */
void proc_log(const struct proc_result *res)
{
	static const char *what[] = { "stored", "duplicate", "updated", "pending" };
	char *host = str_sanitize(res->host, 255);

	msg_info("report=%lld format=%s verdict=%s host=%s incident=%lld status=%s", res->report_id,
		 res->format, res->verdict, host, res->incident_id, what[res->outcome]);
	free(host);
}

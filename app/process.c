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
#include <time.h>

#include "../correlate/inventory/inventory_csv.h"
#include "../db/incidents.h"
#include "../db/reports.h"
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
	char field[64];             /* "feed event N of M" */
	struct app_report_rec rr;
	struct verdict v;
	struct db_verdict vr;
	struct buf pj, tj;
};

/* children - trace every feed event after the first as a report of its own (r is put back) */
static struct proc_child *children(struct app_proc *p, const struct spool_msg *m, struct report *r,
				   size_t *n)
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
		rc = reports_insert_raw(&p->db, m->name, (long long)m->size, ch[k].sha, received_at, r->flags,
					&id, &existed, &done);
		if (rc == DB_OK)
			rc = reports_store(&p->db, id, &ch[k].rr.rec, &ch[k].vr, NULL, ch[k].pj.data, ch[k].tj.data);
		if (rc != DB_OK || (existed && done))
			continue;
		if ((rc = incident_attach(&p->db, p->cfg, id, &ch[k].rr.rec, &ch[k].vr, NULL, &cc)) != DB_OK)
			break;
		if (cc.id && (rc = reports_set_incident(&p->db, id, cc.id)) == DB_OK)
			rc = notify_enqueue(&p->db, p->cfg, &cc, id);
	}
	return rc;
}

/* store - the write transaction; returns DB_OK, DB_BUSY or DB_ERROR */
static int store(struct app_proc *p, const struct spool_msg *m, long long received_at, int reparse,
		 const struct report *r, const struct db_report *rr, const struct db_verdict *v, const char *okey,
		 const char *pjson, const char *tjson, struct proc_child *chl, size_t nch,
		 struct proc_result *res)
{
	struct incident_change ch;
	int existed = 0, done = 0, rc;
	long long id = 0;

	memset(&ch, 0, sizeof(ch));
	if ((rc = db_begin(&p->db)) != DB_OK)
		return rc;
	rc = reports_insert_raw(&p->db, m->name, (long long)m->size, m->sha256, received_at,
				r->flags, &id, &existed, &done);
	if (rc != DB_OK)
		goto fail;
	res->report_id = id;
	if (existed && done && !reparse) {
		/* which file holds the stored copy: only a different file that exists makes this one spare */
		if (reports_by_sha(&p->db, m->sha256, &id, res->dup_of, sizeof(res->dup_of), NULL) != 1)
			res->dup_of[0] = '\0';
		db_rollback(&p->db);
		res->outcome = PROC_DUPLICATE;
		return DB_OK;
	}
	if ((rc = reports_store(&p->db, id, rr, v, okey, pjson, tjson)) != DB_OK)
		goto fail;
	if (!(existed && done)) {
		if ((rc = incident_attach(&p->db, p->cfg, id, rr, v, okey, &ch)) != DB_OK)
			goto fail;
		if (ch.id && (rc = reports_set_incident(&p->db, id, ch.id)) != DB_OK)
			goto fail;
		if (ch.id && (rc = notify_enqueue(&p->db, p->cfg, &ch, id)) != DB_OK)
			goto fail;
		if ((rc = notify_enqueue_ack(&p->db, p->cfg, r, id, ch.id)) != DB_OK)
			goto fail;
		res->incident_id = ch.id;
	}
	if (nch && (rc = store_children(p, m, received_at, r, chl, nch)) != DB_OK)
		goto fail;
	if ((rc = db_commit(&p->db)) != DB_OK)
		return rc;
	res->outcome = existed && done ? PROC_UPDATED : PROC_STORED;
	return DB_OK;
fail:
	db_rollback(&p->db);
	return rc;
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

/* proc_message - one message, all the way */
void proc_message(struct app_proc *p, const struct spool_msg *m, const char *data, size_t len,
		  long long received_at, int reparse, struct proc_result *res)
{
	struct report r;
	struct verdict v;
	struct app_report_rec rr;
	struct db_verdict vr;
	struct buf pj, tj;
	struct proc_child *chl;
	size_t nch = 0;
	char *okey;
	int rc;

	memset(res, 0, sizeof(*res));
	res->outcome = PROC_PENDING;
	if (!p->have_db) {
		msg_error("%s; message %s stays pending in the spool", p->dberr, m->name);
		spool_release();
		return;
	}
	report_init(&r);
	verdict_init(&v);
	parse_message(data, len, &r);
	if (m->truncated) {
		r.flags |= REPORT_F_TRUNCATED;
		report_warn(&r, "message was larger than max_message_size and was stored truncated "
			    "(%lld bytes received, %zu kept)", m->received, m->size);
	}
	trace_report(&r, &p->tconf, &p->env, &v);
	buf_init(&pj, 0);
	buf_init(&tj, 0);
	report_to_json(&r, NULL, &pj);
	verdict_to_json(&v, NULL, &tj);
	okey = orig_key(&r);
	app_report_rec(&r, &rr);
	app_verdict_rec(&v, &vr);
	chl = children(p, m, &r, &nch);
	rc = store(p, m, received_at, reparse, &r, &rr.rec, &vr, okey, pj.data, tj.data, chl, nch, res);
	children_free(chl, nch);
	app_report_rec_free(&rr);
	str_copy(res->format, sizeof(res->format), report_format_name(r.format));
	str_copy(res->verdict, sizeof(res->verdict), verdict_name(v.cls));
	str_copy(res->host, sizeof(res->host), v.abused_host ? v.abused_host : v.abused_ip ? v.abused_ip : "-");
	if (rc != DB_OK) {
		res->outcome = PROC_PENDING;
		msg_error("database %s: %s; message %s stays pending (abusedesk reprocess --pending)",
			  p->db.path, rc == DB_BUSY ? "locked past db_busy_timeout" : db_errmsg(&p->db),
			  m->name);
	} else if (res->outcome == PROC_DUPLICATE) {
		duplicate(p, m, res);
	} else if (spool_done(p->cfg->spool_dir, m->name) < 0) {
		/* already in cur/ (reprocess --all), or the move failed: the DB is right either way */
		msg_debug("spool: %s not moved to cur/", m->name);
	}
	free(okey);
	buf_free(&pj);
	buf_free(&tj);
	report_free(&r);
	verdict_free(&v);
	spool_release();
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

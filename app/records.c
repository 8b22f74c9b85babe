/*
 * records - conversions between the parser's and trace's structures and
 * the store's records.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/str.h"
#include "records.h"

/* WARNINGS_MAX - the longest joined warnings column */
#define WARNINGS_MAX 65536

/* strs - a strlist as the store's list */
static struct db_strs strs(const struct strlist *l)
{
	struct db_strs s = { (const char *const *)l->v, l->n };

	return s;
}

/* join_warnings - "a; b; c", or NULL when there are none */
static char *join_warnings(const struct report *r)
{
	struct buf w;

	buf_init(&w, WARNINGS_MAX);
	for (size_t i = 0; i < r->warnings.n; i++)
		buf_printf(&w, "%s%s", i ? "; " : "", r->warnings.v[i]);
	if (w.len == 0) {
		buf_free(&w);
		return NULL;
	}
	return buf_steal(&w);
}

void app_report_rec(const struct report *r, struct app_report_rec *out)
{
	struct db_report *d = &out->rec;

	memset(out, 0, sizeof(*out));
	d->flags = r->flags;
	d->format = report_format_name(r->format);
	d->message_id = r->message_id;
	d->from = r->from;
	d->subject = r->subject;
	d->feedback_type = r->feedback_type;
	d->user_agent = r->user_agent;
	d->reporter = r->reporter;
	d->reporting_mta = r->reporting_mta;
	d->arrival = (long long)r->arrival;
	d->source_ip = r->source_ip;
	d->source_port = r->source_port;
	d->original_mail_from = r->original_mail_from;
	d->orig_message_id = r->orig.message_id;
	d->orig_from = r->orig.from;
	d->orig_subject = r->orig.subject;
	d->orig_date = r->orig.date;
	d->orig_headers = r->orig.headers;
	d->orig_headers_only = r->orig.headers_only;
	d->warnings = out->warnings = join_warnings(r);
	if (r->nhops) {
		out->hops = xcalloc(r->nhops, sizeof(*out->hops));
		for (size_t i = 0; i < r->nhops; i++) {
			const struct hop *h = &r->hops[i];
			struct db_hop *o = &out->hops[i];

			o->from_ip = h->from_ip;
			o->from_rdns = h->from_rdns;
			o->helo = h->helo;
			o->ident = h->ident;
			o->by = h->by;
			o->with = h->with;
			o->queue_id = h->id;
			o->for_addr = h->for_addr;
			o->envfrom = h->envfrom;
			o->auth = h->auth;
			o->date = h->date;
			o->port = h->port;
		}
	}
	if (r->nrcpts) {
		out->rcpts = xcalloc(r->nrcpts, sizeof(*out->rcpts));
		for (size_t i = 0; i < r->nrcpts; i++) {
			out->rcpts[i].address = r->rcpts[i].address;
			out->rcpts[i].action = r->rcpts[i].action;
			out->rcpts[i].status = r->rcpts[i].status;
			out->rcpts[i].diagnostic = r->rcpts[i].diagnostic;
			out->rcpts[i].remote_mta = r->rcpts[i].remote_mta;
		}
	}
	d->hops = out->hops;
	d->nhops = r->nhops;
	d->rcpts = out->rcpts;
	d->nrcpts = r->nrcpts;
	d->rcpt_to = strs(&r->original_rcpt_to);
	d->domains = strs(&r->reported_domains);
	d->uris = strs(&r->reported_uris);
}

void app_report_rec_free(struct app_report_rec *out)
{
	free(out->hops);
	free(out->rcpts);
	free(out->warnings);
	memset(out, 0, sizeof(*out));
}

void app_verdict_rec(const struct verdict *v, struct db_verdict *out)
{
	memset(out, 0, sizeof(*out));
	out->cls = verdict_name(v->cls);
	out->confidence = confidence_name(v->confidence);
	out->role = v->role != ROLE_NONE ? role_name(v->role) : NULL;
	out->rule = v->rule;
	out->abused_ip = v->abused_ip;
	out->abused_host = v->abused_host;
	out->owner = v->owner;
	out->egress_ip = v->egress_ip;
	out->injector_ip = v->injector_ip;
	out->auth_user = v->auth_user;
	out->nat_inside = v->nat_inside;
	out->explanation = v->explanation;
	out->evidence = strs(&v->evidence);
}

/* role - a stored role name as trace's role (ROLE_NONE when unknown) */
static enum host_role role(const char *s)
{
	int r = role_from_name(s);

	return r < 0 ? ROLE_NONE : (enum host_role)r;
}

void app_inv_entry(const struct db_inv_entry *in, struct inv_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->found = in->found;
	str_copy(out->host, sizeof(out->host), in->host);
	str_copy(out->owner, sizeof(out->owner), in->owner);
	str_copy(out->network, sizeof(out->network), in->network);
	out->role = role(in->host_role);
	if (out->role == ROLE_NONE)
		out->role = role(in->net_role);
}

void app_maillog_rec(const struct maillog_rec *in, struct db_maillog_rec *out)
{
	out->at = in->at;
	out->host = in->host;
	out->queue_id = in->queue_id;
	out->client_name = in->client_name;
	out->client_ip = in->client_ip;
	out->sasl_user = in->sasl_user;
	out->message_id = in->message_id;
	out->sender = in->sender;
	out->recipient = in->recipient;
	out->relay = in->relay;
	out->status = in->status;
	out->client_port = in->client_port;
}

void app_maillog_entry(const struct db_maillog_hit *in, struct maillog_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->found = in->found;
	str_copy(out->queue_id, sizeof(out->queue_id), in->queue_id);
	str_copy(out->client_ip, sizeof(out->client_ip), in->client_ip);
	out->client_port = in->client_port;
	str_copy(out->client_name, sizeof(out->client_name), in->client_name);
	str_copy(out->sasl_user, sizeof(out->sasl_user), in->sasl_user);
	str_copy(out->host, sizeof(out->host), in->host);
}

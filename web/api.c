/*
 * api - the JSON API under /api/v1 (docs/api.md):
 *   GET  /api/v1/incidents?status=&verdict=&owner=&host=&ip=&since=&limit=&offset=
 *   GET  /api/v1/incidents/ID
 *   POST /api/v1/incidents/ID/ack|resolve|reopen|false-positive   {"note": "..."}
 *   POST /api/v1/incidents/ID/notes     {"note": "..."}
 *   POST /api/v1/incidents/ID/assign    {"user": "NAME"} (null or absent: nobody)
 *   GET  /api/v1/reports?since=&status=&limit=, /api/v1/search?q=&since=, /api/v1/stats?since=
 * Authorization: Bearer TOKEN (abusedesk user token NAME). 401 without a
 * valid token, 403 for a viewer's change, 404, 405, 400 a bad body; errors
 * are {"error": "..."}. The objects are those of the CLI's --format json.
 */
#include <stdlib.h>
#include <string.h>

#include "../app/helpdesk.h"
#include "../app/users.h"
#include "../correlate/trace/trace.h"
#include "../db/incidents.h"
#include "../util/ipaddr.h"
#include "../util/json.h"
#include "../util/str.h"
#include "internal.h"

/* error - {"error": text} with status */
static void error(struct resp *rs, int status, const char *text)
{
	int first = 1;

	rs->status = status;
	buf_reset(&rs->body);
	buf_putc(&rs->body, '{');
	json_kv_str(&rs->body, &first, "error", text);
	buf_puts(&rs->body, "}\n");
}

/* ---- the request body: one JSON object of strings (and nulls) ---- */
/* ws - skip JSON white space */
static const char *ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* hex4 - four hex digits at p; -1 when not */
static long hex4(const char *p, const char *e)
{
	long v = 0;

	if (e - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			      c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1000000);
	}
	return v < 0 ? -1 : v;
}

/* put_utf8 - code point cp as UTF-8 */
static void put_utf8(struct buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		buf_putc(b, (int)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (int)(0xc0 | (cp >> 6)));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (int)(0xe0 | (cp >> 12)));
		buf_putc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (int)(0xf0 | (cp >> 18)));
		buf_putc(b, (int)(0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

/* jstring - a JSON string at p (at its quote) into out; the end, or NULL when malformed */
static const char *jstring(const char *p, const char *e, struct buf *out)
{
	if (p >= e || *p++ != '"')
		return NULL;
	while (p < e && *p != '"') {
		unsigned char c = (unsigned char)*p++;
		long cp, lo;

		if (c < 0x20)
			return NULL;
		if (c != '\\') {
			buf_putc(out, c);
			continue;
		}
		if (p >= e)
			return NULL;
		switch (*p++) {
		case '"': buf_putc(out, '"'); break;
		case '\\': buf_putc(out, '\\'); break;
		case '/': buf_putc(out, '/'); break;
		case 'b': buf_putc(out, '\b'); break;
		case 'f': buf_putc(out, '\f'); break;
		case 'n': buf_putc(out, '\n'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 't': buf_putc(out, '\t'); break;
		case 'u':
			if ((cp = hex4(p, e)) < 0)
				return NULL;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || (lo = hex4(p + 2, e)) < 0xdc00 ||
				    lo > 0xdfff)
					return NULL;
				p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return NULL;
			}
			if (cp == 0)
				return NULL;
			put_utf8(out, (unsigned long)cp);
			break;
		default:
			return NULL;
		}
	}
	return p < e ? p + 1 : NULL;
}

/* body_fields - the "note" and "user" of a body {"note": "...", "user": "..."}
 * (an empty body: none) into *note and *user (malloc'd, sanitized, or NULL;
 * other keys are ignored); 0, -1 malformed */
static int body_fields(const struct req *r, char **note, char **user)
{
	const char *p = r->body.data, *e = p + r->body.len;
	struct buf k, v;
	int rc = -1;

	*note = *user = NULL;
	p = ws(p, e);
	if (p == e)
		return 0;
	if (*p++ != '{')
		return -1;
	buf_init(&k, 256);
	buf_init(&v, WEB_BODY_MAX);
	p = ws(p, e);
	if (p < e && *p == '}') {
		rc = ws(p + 1, e) == e ? 0 : -1;
		goto out;
	}
	for (;;) {
		buf_reset(&k);
		buf_reset(&v);
		if ((p = jstring(ws(p, e), e, &k)) == NULL || k.toobig)
			goto out;
		p = ws(p, e);
		if (p >= e || *p++ != ':')
			goto out;
		p = ws(p, e);
		if (e - p >= 4 && memcmp(p, "null", 4) == 0)
			p += 4;
		else if ((p = jstring(p, e, &v)) == NULL)
			goto out;
		if (strcmp(k.data, "note") == 0 && v.len && *note == NULL)
			*note = str_sanitize(v.data, WEB_NOTE_MAX);
		else if (strcmp(k.data, "user") == 0 && v.len && *user == NULL)
			*user = str_sanitize(v.data, USER_NAME_MAX + 1);
		p = ws(p, e);
		if (p < e && *p == ',') {
			p++;
			continue;
		}
		if (p < e && *p == '}' && ws(p + 1, e) == e)
			rc = 0;
		break;
	}
out:
	if (rc < 0) {
		free(*note);
		free(*user);
		*note = *user = NULL;
	}
	buf_free(&k);
	buf_free(&v);
	return rc;
}

/* ---- the endpoints ---- */
static void list(struct web *w, struct req *r, struct resp *rs)
{
	const char *status = web_arg(r, "status"), *verdict = web_arg(r, "verdict"), *owner = web_arg(r, "owner"),
		   *host = web_arg(r, "host"), *ip = web_arg(r, "ip"), *since = web_arg(r, "since"),
		   *limit = web_arg(r, "limit"), *offset = web_arg(r, "offset");
	char host_lc[256], ipn[46], net[64];
	struct incident_rows rows;
	struct hd_filter f;
	long span = 0;

	memset(&f, 0, sizeof(f));
	f.limit = 50;
	if (status && !(strcmp(status, "active") == 0 || strcmp(status, "all") == 0 ||
			incident_status_valid(status))) {
		error(rs, 400, "status: active (the default), all, open, notified, acknowledged, resolved"
			       " or false_positive");
		return;
	}
	if (verdict && verdict_from_name(verdict) < 0) {
		error(rs, 400, "verdict: not a verdict");
		return;
	}
	if (ip && strchr(ip, '/')) {
		struct cidr c;

		if (cidr_parse(ip, &c) < 0) {
			error(rs, 400, "ip: not an address or a CIDR network");
			return;
		}
		cidr_format(&c, net);
		f.net = net;
		ip = NULL;
	} else if (ip && ip_normalize(ip, ipn) < 0) {
		error(rs, 400, "ip: not an address or a CIDR network");
		return;
	}
	if (since && (time_parse_span(since, &span) < 0 || span <= 0)) {
		error(rs, 400, "since: a span such as 24h or 7d");
		return;
	}
	if (limit && str_to_long(limit, 1, 1000, &f.limit) < 0) {
		error(rs, 400, "limit: 1 to 1000");
		return;
	}
	if (offset && str_to_long(offset, 0, 1000000, &f.offset) < 0) {
		error(rs, 400, "offset: 0 to 1000000");
		return;
	}
	if (host) {
		str_copy(host_lc, sizeof(host_lc), host[0] == '.' ? host + 1 : host);
		f.host = str_lower(host_lc);
	}
	/* as `abusedesk incidents`: active unless a status or all is asked for */
	f.status = status == NULL ? "active" : strcmp(status, "all") == 0 ? NULL : status;
	f.assignee = web_arg(r, "assignee");
	f.verdict = verdict;
	f.owner = owner;
	f.ip = ip ? ipn : NULL;
	f.since = span ? db_now() - span : 0;
	if (app_incidents(w->d, &f, &rows) != DB_OK) {
		incident_rows_free(&rows);
		error(rs, 503, "database busy or failing");
		return;
	}
	rs->status = 200;
	app_incidents_json(&rows, &rs->body);
	incident_rows_free(&rows);
}

static void one(struct web *w, struct resp *rs, long long id)
{
	struct incident_rows inc;
	struct incident_page p;

	if (app_incident_page(w->d, id, &p) != 1) {
		incident_page_free(&p);
		error(rs, 404, "no such incident");
		return;
	}
	app_incident(w->d, id, &inc);
	rs->status = 200;
	app_incident_page_json(&p, &inc, &rs->body);
	incident_rows_free(&inc);
	incident_page_free(&p);
}

/* done_json - {"id": id, "status": status, "actor": actor} */
static void done_json(struct resp *rs, long long id, const char *key, const char *value, const char *actor)
{
	int first = 1;

	rs->status = 200;
	buf_putc(&rs->body, '{');
	json_kv_int(&rs->body, &first, "id", id);
	json_kv_str(&rs->body, &first, key, value);
	json_kv_str(&rs->body, &first, "actor", actor);
	buf_puts(&rs->body, "}\n");
}

static void act(struct web *w, struct req *r, struct resp *rs, const struct user_row *u, long long id,
		const char *what)
{
	const char *status = strcmp(what, "ack") == 0 ? "acknowledged" : strcmp(what, "resolve") == 0 ? "resolved" :
			     strcmp(what, "reopen") == 0 ? "open" :
			     strcmp(what, "false-positive") == 0 ? "false_positive" : NULL;
	int notes = strcmp(what, "notes") == 0, assign = strcmp(what, "assign") == 0;
	char *note, *user;
	int rc;

	if (status == NULL && !notes && !assign) {
		error(rs, 404, "no such action: ack, resolve, reopen, false-positive, notes or assign");
		return;
	}
	if (!app_role_may_act(u->role)) {
		error(rs, 403, "this user's role may not change incidents");
		return;
	}
	if (body_fields(r, &note, &user) < 0) {
		error(rs, 400, "the body is not a JSON object of strings such as {\"note\": \"...\"}");
		return;
	}
	if (notes && note == NULL) {
		free(user);
		error(rs, 400, "a note needs {\"note\": \"...\"}");
		return;
	}
	if (notes)
		rc = app_add_note(w->d, id, u->name, note);
	else if (assign)
		rc = app_assign(w->d, id, user, u->name);
	else
		rc = app_set_status(w->d, id, status, u->name, note);
	free(note);
	if (rc == 1) {
		free(user);
		error(rs, 404, "no such incident");
		return;
	}
	if (rc == 3) {
		free(user);
		error(rs, 400, "no such user to assign to");
		return;
	}
	if (rc != 0 && rc != 2) {
		free(user);
		error(rs, 503, "database busy or failing");
		return;
	}
	if (assign)
		done_json(rs, id, "assignee", user, u->name);
	else if (notes)
		done_json(rs, id, "note", "added", u->name);
	else
		done_json(rs, id, "status", status, u->name);
	free(user);
}

/* span_arg - a span query argument (24h, 7d) into *out, def when absent; 0 or -1 */
static int span_arg(struct req *r, const char *name, long def, long *out)
{
	const char *v = web_arg(r, name);

	*out = def;
	return v == NULL || (time_parse_span(v, out) == 0 && *out > 0) ? 0 : -1;
}

/* reports - GET /api/v1/reports?since=&status=&limit= as `abusedesk reports --format json` */
static void reports(struct web *w, struct req *r, struct resp *rs)
{
	const char *status = web_arg(r, "status"), *limit = web_arg(r, "limit");
	struct report_rows rows;
	long since, n = 100;

	if (span_arg(r, "since", 0, &since) < 0) {
		error(rs, 400, "since: a span such as 24h or 7d");
		return;
	}
	if (status && strcmp(status, "pending") != 0 && strcmp(status, "done") != 0) {
		error(rs, 400, "status: pending or done");
		return;
	}
	if (limit && str_to_long(limit, 1, 1000, &n) < 0) {
		error(rs, 400, "limit: 1 to 1000");
		return;
	}
	if (app_reports(w->d, since, status, n, &rows) != DB_OK) {
		report_rows_free(&rows);
		error(rs, 503, "database busy or failing");
		return;
	}
	rs->status = 200;
	app_reports_json(&rows, &rs->body);
	report_rows_free(&rows);
}

/* search - GET /api/v1/search?q=&since= as `abusedesk search Q --format json` */
static void search(struct web *w, struct req *r, struct resp *rs)
{
	const char *q = web_arg(r, "q");
	struct search_hits h;
	long since;

	if (q == NULL || *q == '\0' || strlen(q) > 500) {
		error(rs, 400, "q: an address, a network, a Message-ID or text (at most 500 bytes)");
		return;
	}
	if (span_arg(r, "since", 90 * 86400L, &since) < 0) {
		error(rs, 400, "since: a span such as 24h or 7d");
		return;
	}
	if (app_search(w->d, q, since, &h) != DB_OK) {
		search_hits_free(&h);
		error(rs, 503, "database busy or failing");
		return;
	}
	rs->status = 200;
	app_search_json(&h, &rs->body);
	search_hits_free(&h);
}

/* stats - GET /api/v1/stats?since= as `abusedesk stats --format json` */
static void stats(struct web *w, struct req *r, struct resp *rs)
{
	struct stat_rows rows;
	long since;

	if (span_arg(r, "since", 30 * 86400L, &since) < 0) {
		error(rs, 400, "since: a span such as 24h or 7d");
		return;
	}
	if (app_stats(w->d, since, &rows) != DB_OK) {
		stat_rows_free(&rows);
		error(rs, 503, "database busy or failing");
		return;
	}
	rs->status = 200;
	app_stats_json(&rows, &rs->body);
	stat_rows_free(&rows);
}

void web_api(struct web *w, struct req *r, struct resp *rs)
{
	const char *auth = web_header(r, "Authorization"), *u = r->url;
	int get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
	struct user_row user;
	long long id = 0, v = 0;
	int rc = 0;

	rs->type = "application/json";
	if (auth && strncmp(auth, "Bearer ", 7) == 0 && (rc = app_token_auth(w->d, auth + 7, &user)) < 0) {
		error(rs, 503, "database busy or failing");
		return;
	}
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 || rc != 1) {
		rs->bearer = 1;
		error(rs, 401, "a valid token is needed: Authorization: Bearer TOKEN");
		return;
	}
	if (strcmp(u, "/api/v1/reports") == 0 || strcmp(u, "/api/v1/search") == 0 ||
	    strcmp(u, "/api/v1/stats") == 0) {
		if (!get)
			error(rs, 405, "GET only");
		else if (strcmp(u, "/api/v1/reports") == 0)
			reports(w, r, rs);
		else if (strcmp(u, "/api/v1/search") == 0)
			search(w, r, rs);
		else
			stats(w, r, rs);
		return;
	}
	if (strcmp(u, "/api/v1/incidents") == 0) {
		if (!get) {
			error(rs, 405, "GET only");
			return;
		}
		list(w, r, rs);
		return;
	}
	if (strncmp(u, "/api/v1/incidents/", 18) == 0) {
		u += 18;
		while (*u >= '0' && *u <= '9' && v <= 0x7fffffffLL)
			v = v * 10 + (*u++ - '0');
		if (v > 0 && v <= 0x7fffffffLL) {
			id = v;
			if (*u == '\0') {
				if (get)
					one(w, rs, id);
				else
					error(rs, 405, "GET only");
				return;
			}
			if (*u == '/') {
				if (post)
					act(w, r, rs, &user, id, u + 1);
				else
					error(rs, 405, "POST only");
				return;
			}
		}
	}
	error(rs, 404, "not found");
}

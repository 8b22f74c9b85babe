/*
 * pages - the HTML of the web helpdesk, usable without JavaScript: login,
 * the incident list with filters and paging, one incident (verdict and
 * explanation, evidence hops, timeline, reports with the raw complaint as
 * a download, notifications, probes) and its actions: acknowledge,
 * resolve, reopen, false positive, note, by the logged-in user.
 *
 * Every page needs a session (cookie ad_session: HttpOnly, SameSite=Strict,
 * Secure when asked); every form carries the session's CSRF token and a
 * POST without it is refused. Every value from the store is escaped
 * (html_esc); links carry only ids and url_esc'd filter values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../app/helpdesk.h"
#include "../app/trace_env.h"
#include "../app/users.h"
#include "../correlate/trace/trace.h"
#include "../db/incidents.h"
#include "../util/ipaddr.h"
#include "../util/sha256.h"
#include "../util/str.h"
#include "internal.h"

#define COOKIE "ad_session"

struct who {
	struct user_row u;
	char csrf[APP_TOKEN_LEN + 1];
	const char *sid;
	int proxied;            /* named by a trusted proxy: no session, no CSRF token of its own */
};

/* proxy_user - the user a trusted reverse proxy names (web_auth_header),
 * honoured only from web_auth_proxies; 1 and s->u filled, 0 none */
static int proxy_user(struct web *w, struct req *r, struct who *s)
{
	const char *h = w->cfg->web_auth_header, *name;
	struct ipaddr peer;
	struct buf k;

	if (h == NULL || *h == '\0' || w->cfg->web_auth_proxies.n == 0 || ip_parse(r->addr, &peer) < 0 ||
	    !netlist_contains(&w->cfg->web_auth_proxies, &peer) || (name = web_header(r, h)) == NULL ||
	    !app_user_name_valid(name))
		return 0;
	if (app_user_find(w->d, name, &s->u) != 1)
		return 0;
	/* its forms' CSRF token: bound to the user and to this process's secret */
	buf_init(&k, 0);
	buf_printf(&k, "%s\n%s", w->secret, s->u.name);
	sha256_hex(k.data, k.len, s->csrf);
	buf_free(&k);
	return 1;
}

/* session - the logged-in user of r (a session cookie, or a trusted proxy's
 * header); 1, 0 none, -1 the database could not say */
static int session(struct web *w, struct req *r, struct who *s)
{
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->sid = web_cookie(r, COOKIE);
	if (s->sid && (rc = app_session_auth(w->d, s->sid, &s->u, s->csrf)) == 1)
		return 1;
	if (rc < 0)
		return -1;
	s->sid = NULL;
	if (!proxy_user(w, r, s))
		return 0;
	s->proxied = 1;
	return 1;
}

/* redirect - 303 to a path of ours */
static void redirect(struct resp *rs, const char *path)
{
	rs->status = 303;
	str_copy(rs->location, sizeof(rs->location), path);
}

/* plain - a short text answer */
static void plain(struct resp *rs, int status, const char *text)
{
	rs->status = status;
	rs->type = "text/plain; charset=utf-8";
	buf_reset(&rs->body);
	buf_puts(&rs->body, text);
	buf_putc(&rs->body, '\n');
}

/* start - the head of a page, with the user's bar when s is not NULL */
static void start(struct buf *b, const char *title, const struct who *s)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width\">"
		    "<link rel=\"stylesheet\" href=\"/style.css\"><title>");
	html_esc(b, title);
	buf_puts(b, " - abusedesk</title></head><body>\n<header><strong>abusedesk</strong>");
	if (s) {
		buf_puts(b, "<a href=\"/incidents\">Incidents</a><a href=\"/search\">Search</a>"
			    "<a href=\"/inventory\">Inventory</a><a href=\"/dashboard\">Dashboard</a>"
			    "<form method=\"post\" action=\"/logout\">");
		html_esc(b, s->u.name);
		buf_puts(b, " (");
		html_esc(b, s->u.role);
		buf_puts(b, ") <input type=\"hidden\" name=\"csrf\" value=\"");
		html_esc(b, s->csrf);
		buf_puts(b, "\"><button>Log out</button></form>");
	}
	buf_puts(b, "</header>\n<main>\n");
}

/* end - the foot of a page */
static void end(struct buf *b)
{
	buf_puts(b, "</main></body></html>\n");
}

/* when - a time for a page */
static void when(struct buf *b, long long t)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		buf_puts(b, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M", &tm);
	buf_puts(b, s);
}

/* ---- login ---- */
static void login_page(struct resp *rs, int status, const char *error)
{
	rs->status = status;
	start(&rs->body, "Log in", NULL);
	buf_puts(&rs->body, "<h1>Log in</h1>\n");
	if (error) {
		buf_puts(&rs->body, "<p class=\"err\">");
		html_esc(&rs->body, error);
		buf_puts(&rs->body, "</p>\n");
	}
	buf_puts(&rs->body, "<form method=\"post\" action=\"/login\">"
		 "<p><label>User <input name=\"name\" autocomplete=\"username\" required></label></p>"
		 "<p><label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\""
		 " required></label></p><p><button>Log in</button></p></form>\n");
	end(&rs->body);
}

static void login_post(struct web *w, struct req *r, struct resp *rs)
{
	char name[USER_NAME_MAX + 2], pw[APP_PASSWORD_MAX + 2], sid[APP_TOKEN_LEN + 1], csrf[APP_TOKEN_LEN + 1];
	struct user_row u;
	int ok;

	if (!web_login_allowed(r->addr)) {
		login_page(rs, 429, "Too many failed logins from your address; try again in a few minutes.");
		return;
	}
	if (web_form(r, "name", name, sizeof(name)) < 0 || web_form(r, "password", pw, sizeof(pw)) < 0)
		ok = 0;
	else
		ok = app_user_login(w->d, name, pw, &u) == 1;
	memset(pw, 0, sizeof(pw));
	if (!ok) {
		web_login_failed(r->addr);
		login_page(rs, 403, "Wrong user name or password.");
		return;
	}
	if (app_session_new(w->d, u.name, w->o->session_ttl, sid, csrf) != 0) {
		plain(rs, 503, "cannot start a session now");
		return;
	}
	snprintf(rs->cookie, sizeof(rs->cookie), COOKIE "=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
		 sid, w->o->session_ttl, w->o->secure_cookie ? "; Secure" : "");
	redirect(rs, "/incidents");
}

/* ---- the incident list ---- */
/* filter_link - the list's URL with the filters and page p */
static void filter_link(struct buf *b, struct req *r, long p)
{
	static const char *keys[] = { "status", "verdict", "owner", "host", "since", "sort" };

	buf_puts(b, "/incidents?page=");
	buf_printf(b, "%ld", p);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = web_arg(r, keys[i]);

		if (v && *v) {
			buf_printf(b, "&amp;%s=", keys[i]);
			url_esc(b, v);
		}
	}
}

/* input - a text input with a value from the query */
static void input(struct buf *b, struct req *r, const char *name, const char *label)
{
	buf_printf(b, "<label>%s <input name=\"%s\" size=\"14\" value=\"", label, name);
	html_esc(b, web_arg(r, name));
	buf_puts(b, "\"></label>");
}

static void incidents_page(struct web *w, struct req *r, struct resp *rs, const struct who *s)
{
	static const char *states[] = { "active", "all", "open", "notified", "acknowledged", "resolved",
					"false_positive" };
	static const char *sorts[] = { "last_seen", "first_seen", "reports", "id" };
	const char *status = web_arg(r, "status"), *verdict = web_arg(r, "verdict"), *owner = web_arg(r, "owner"),
		   *host = web_arg(r, "host"), *since = web_arg(r, "since"), *page = web_arg(r, "page"),
		   *sort = web_arg(r, "sort");
	char host_lc[256], ip[46], net[64];
	struct cidr c;
	long long total;
	struct incident_rows rows;
	struct hd_filter f;
	struct buf *b = &rs->body;
	long pg = 0, span = 0;

	memset(&f, 0, sizeof(f));
	/* as `abusedesk incidents`: active unless a status or all is asked for */
	if (status == NULL || !(strcmp(status, "all") == 0 || incident_status_valid(status)))
		status = "active";
	f.status = strcmp(status, "all") == 0 ? NULL : status;
	if (verdict && *verdict && verdict_from_name(verdict) >= 0)
		f.verdict = verdict;
	if (owner && *owner)
		f.owner = owner;
	if (host && *host) {
		if (ip_normalize(host, ip) == 0) {
			f.ip = ip;
		} else if (strchr(host, '/') && cidr_parse(host, &c) == 0) {
			cidr_format(&c, net);
			f.net = net;
		} else {
			str_copy(host_lc, sizeof(host_lc), host);
			f.host = str_lower(host_lc);
		}
	}
	if (since && *since && time_parse_span(since, &span) == 0 && span > 0)
		f.since = db_now() - span;
	if (page && str_to_long(page, 0, 10000, &pg) < 0)
		pg = 0;
	for (size_t i = 0; sort && i < sizeof(sorts) / sizeof(sorts[0]); i++)
		if (strcmp(sort, sorts[i]) == 0)
			f.sort = (enum hd_sort)i;
	f.limit = WEB_PAGE_ROWS + 1;
	f.offset = pg * WEB_PAGE_ROWS;
	total = app_incidents_count(w->d, &f);
	if (app_incidents(w->d, &f, &rows) != DB_OK) {
		incident_rows_free(&rows);
		plain(rs, 503, "database busy or failing; try again");
		return;
	}
	rs->status = 200;
	start(b, "Incidents", s);
	buf_puts(b, "<h1>Incidents</h1>\n<form class=\"filters\" method=\"get\" action=\"/incidents\">"
		    "<label>Status <select name=\"status\">");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		buf_printf(b, "<option value=\"%s\"%s>%s</option>", states[i],
			   strcmp(status, states[i]) == 0 ? " selected" : "", states[i]);
	buf_puts(b, "</select></label>");
	input(b, r, "verdict", "Verdict");
	input(b, r, "owner", "Owner");
	input(b, r, "host", "Host, IP or CIDR");
	input(b, r, "since", "Since (7d)");
	buf_puts(b, "<label>Sort <select name=\"sort\">");
	for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
		buf_printf(b, "<option value=\"%s\"%s>%s</option>", sorts[i], (size_t)f.sort == i ? " selected" : "",
			   sorts[i]);
	buf_puts(b, "</select></label><button>Filter</button></form>\n<table><thead><tr><th>id</th><th>status</th><th>verdict</th>"
		    "<th>host</th><th>ip</th><th>owner</th><th>reports</th><th>reporters</th><th>first seen</th>"
		    "<th>last seen</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < rows.n && i < WEB_PAGE_ROWS; i++) {
		const struct incident_row *x = &rows.v[i];

		buf_printf(b, "<tr><td><a href=\"/incidents/%lld\">%lld</a></td><td class=\"status-", x->id, x->id);
		html_esc(b, x->status);
		buf_puts(b, "\">");
		html_esc(b, x->status);
		buf_puts(b, "</td><td>");
		html_esc(b, x->verdict);
		buf_puts(b, "</td><td>");
		html_esc(b, x->host);
		buf_puts(b, "</td><td>");
		html_esc(b, x->ip);
		buf_puts(b, "</td><td>");
		html_esc(b, x->owner);
		buf_printf(b, "</td><td>%lld</td><td>%lld</td><td>", x->reports, x->reporters);
		when(b, x->first_seen);
		buf_puts(b, "</td><td>");
		when(b, x->last_seen);
		buf_puts(b, "</td></tr>\n");
	}
	buf_printf(b, "</tbody></table>\n<p>Page %ld, incidents %ld to %ld", pg + 1, pg * WEB_PAGE_ROWS + (rows.n > 0),
		   pg * WEB_PAGE_ROWS + (long)(rows.n > WEB_PAGE_ROWS ? WEB_PAGE_ROWS : rows.n));
	if (total >= 0)
		buf_printf(b, " of %lld", total);
	buf_puts(b, ". ");
	if (pg > 0) {
		buf_puts(b, "<a rel=\"prev\" href=\"");
		filter_link(b, r, pg - 1);
		buf_puts(b, "\">Previous</a> ");
	}
	if (rows.n > WEB_PAGE_ROWS) {
		buf_puts(b, "<a rel=\"next\" href=\"");
		filter_link(b, r, pg + 1);
		buf_puts(b, "\">Next</a>");
	}
	buf_puts(b, "</p>\n");
	end(b);
	incident_rows_free(&rows);
}

/* ---- one incident ---- */
/* is_time - a column that holds a time */
static int is_time(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "at") == 0 || (n > 3 && strcmp(name + n - 3, "_at") == 0);
}

/* table - a titled hd_table; with report links when raw_incident > 0 */
static void table(struct buf *b, const char *title, const struct hd_table *t, long long raw_incident)
{
	buf_puts(b, "<h2>");
	html_esc(b, title);
	buf_puts(b, "</h2>\n");
	if (t->nrows == 0) {
		buf_puts(b, "<p>None.</p>\n");
		return;
	}
	buf_puts(b, "<table><thead><tr>");
	for (size_t c = 0; c < t->ncols; c++) {
		buf_puts(b, "<th>");
		html_esc(b, t->names[c]);
		buf_puts(b, "</th>");
	}
	if (raw_incident)
		buf_puts(b, "<th>raw</th>");
	buf_puts(b, "</tr></thead><tbody>\n");
	for (size_t r = 0; r < t->nrows; r++) {
		buf_puts(b, "<tr>");
		for (size_t c = 0; c < t->ncols; c++) {
			const struct hd_cell *x = hd_cell_at(t, r, c);

			buf_puts(b, "<td class=\"wrap\">");
			if (x->type == HD_NULL)
				buf_puts(b, "-");
			else if (x->type == HD_INT && is_time(t->names[c]))
				when(b, x->i);
			else
				html_esc(b, x->s);
			buf_puts(b, "</td>");
		}
		if (raw_incident)
			buf_printf(b, "<td><a href=\"/incidents/%lld/reports/%lld/raw\">download</a></td>", raw_incident,
				   hd_cell_at(t, r, 0)->i);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody></table>\n");
}

/* field - one dt/dd of the incident */
static void field(struct buf *b, const char *label, const struct hd_table *t, int col, int time)
{
	const struct hd_cell *x = hd_cell_at(t, 0, (size_t)col);

	buf_printf(b, "<dt>%s</dt><dd>", label);
	if (x->type == HD_NULL)
		buf_puts(b, "-");
	else if (time)
		when(b, x->i);
	else
		html_esc(b, x->s);
	buf_puts(b, "</dd>");
}

static void incident_page(struct web *w, struct resp *rs, const struct who *s, long long id)
{
	static const char *actions[][2] = { { "ack", "Acknowledge" }, { "resolve", "Resolve" },
					    { "reopen", "Reopen" }, { "false-positive", "False positive" },
					    { "note", "Add a note only" } };
	struct incident_rows inc;
	struct incident_page p;
	struct buf *b = &rs->body;
	const struct hd_table *t = &p.incident;
	char title[64];

	if (app_incident_page(w->d, id, &p) != 1) {
		incident_page_free(&p);
		plain(rs, 404, "no such incident");
		return;
	}
	app_incident(w->d, id, &inc);
	rs->status = 200;
	snprintf(title, sizeof(title), "Incident %lld", id);
	start(b, title, s);
	buf_printf(b, "<h1>Incident %lld <span class=\"status-", id);
	html_esc(b, hd_cell_at(t, 0, HDI_STATUS)->s);
	buf_puts(b, "\">");
	html_esc(b, hd_cell_at(t, 0, HDI_STATUS)->s);
	buf_puts(b, "</span></h1>\n<dl>");
	field(b, "Verdict", t, HDI_VERDICT, 0);
	field(b, "Confidence", t, HDI_CONFIDENCE, 0);
	field(b, "Explanation", t, HDI_EXPLANATION, 0);
	field(b, "Host", t, HDI_HOST, 0);
	field(b, "Address", t, HDI_IP, 0);
	field(b, "Role", t, HDI_ROLE, 0);
	field(b, "Owner", t, HDI_OWNER, 0);
	field(b, "Owner's name", t, HDI_OWNER_NAME, 0);
	field(b, "Owner's address", t, HDI_OWNER_EMAIL, 0);
	field(b, "Account", t, HDI_AUTH_USER, 0);
	field(b, "First seen", t, HDI_FIRST_SEEN, 1);
	field(b, "Last seen", t, HDI_LAST_SEEN, 1);
	field(b, "Reports", t, HDI_REPORTS, 0);
	field(b, "Reporters", t, HDI_REPORTERS, 0);
	buf_puts(b, "<dt>Notified</dt><dd>");
	when(b, p.notified_at);
	buf_puts(b, "</dd>");
	field(b, "Resolved", t, HDI_RESOLVED_AT, 1);
	buf_puts(b, "<dt>Assigned to</dt><dd>");
	html_esc(b, inc.n && inc.v[0].assignee ? inc.v[0].assignee : "-");
	buf_puts(b, "</dd></dl>\n");
	if (app_role_may_act(s->u.role)) {
		buf_printf(b, "<h2>Act</h2>\n<form method=\"post\" action=\"/incidents/%lld/action\">"
			      "<input type=\"hidden\" name=\"csrf\" value=\"", id);
		html_esc(b, s->csrf);
		buf_puts(b, "\"><p><label>Note <textarea name=\"note\" rows=\"2\" cols=\"60\" maxlength=\"1000\">"
			    "</textarea></label></p><p>");
		for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			buf_printf(b, "<button name=\"action\" value=\"%s\">%s</button> ", actions[i][0], actions[i][1]);
		buf_printf(b, "</p></form>\n<form method=\"post\" action=\"/incidents/%lld/action\">"
			      "<input type=\"hidden\" name=\"csrf\" value=\"", id);
		html_esc(b, s->csrf);
		buf_puts(b, "\"><input type=\"hidden\" name=\"action\" value=\"assign\"><p><label>Assign to "
			    "<input name=\"user\" size=\"16\" maxlength=\"64\" value=\"");
		if (inc.n && inc.v[0].assignee)
			html_esc(b, inc.v[0].assignee);
		buf_puts(b, "\"></label> <button>Assign</button> (empty: nobody)</p></form>\n");
	}
	table(b, "State changes", &p.events, 0);
	table(b, "Timeline of reports (latest 20)", &p.timeline, 0);
	table(b, "Reports (newest 20)", &p.reports, id);
	table(b, "Evidence hops of the latest report", &p.hops, 0);
	table(b, "Injectors", &p.injectors, 0);
	table(b, "Notifications", &p.notifications, 0);
	table(b, "Probes", &p.probes, 0);
	end(b);
	incident_rows_free(&inc);
	incident_page_free(&p);
}

/* raw - the stored complaint of report rid of incident id, as an attachment */
static void raw(struct web *w, struct resp *rs, long long id, long long rid)
{
	struct incident_page p;
	int found = 0;
	size_t len = 0;
	char *data;

	if (app_incident_page(w->d, id, &p) == 1)
		for (size_t r = 0; r < p.reports.nrows; r++)
			found |= hd_cell_at(&p.reports, r, 0)->i == rid;
	incident_page_free(&p);
	if (!found || (data = app_report_raw(w->d, w->cfg, rid, &len)) == NULL) {
		plain(rs, 404, "no such report, or its message is no longer in the spool");
		return;
	}
	rs->status = 200;
	rs->type = "text/plain; charset=us-ascii";
	snprintf(rs->disposition, sizeof(rs->disposition), "attachment; filename=\"report-%lld.eml\"", rid);
	buf_reset(&rs->body);
	buf_append(&rs->body, data, len);
	free(data);
}

/* action - POST /incidents/ID/action: a state change or a note by the user */
static void action(struct web *w, struct req *r, struct resp *rs, const struct who *s, long long id)
{
	char act[32], note_in[WEB_NOTE_MAX * 4 + 1], *note = NULL, loc[64];
	const char *status = NULL;
	int rc;

	if (!app_role_may_act(s->u.role)) {
		plain(rs, 403, "your role may not change incidents");
		return;
	}
	if (web_form(r, "action", act, sizeof(act)) < 0) {
		plain(rs, 400, "no action");
		return;
	}
	if (web_form(r, "note", note_in, sizeof(note_in)) == 0 && note_in[0])
		note = str_sanitize(note_in, WEB_NOTE_MAX);
	if (strcmp(act, "ack") == 0)
		status = "acknowledged";
	else if (strcmp(act, "resolve") == 0)
		status = "resolved";
	else if (strcmp(act, "reopen") == 0)
		status = "open";
	else if (strcmp(act, "false-positive") == 0)
		status = "false_positive";
	if (strcmp(act, "note") == 0 && note) {
		rc = app_add_note(w->d, id, s->u.name, note);
	} else if (strcmp(act, "assign") == 0) {
		char user[USER_NAME_MAX + 2];

		if (web_form(r, "user", user, sizeof(user)) < 0)
			user[0] = '\0';
		rc = app_assign(w->d, id, user, s->u.name);
	} else if (status) {
		rc = app_set_status(w->d, id, status, s->u.name, note);
	} else {
		free(note);
		plain(rs, 400, "unknown action, or a note action without a note");
		return;
	}
	free(note);
	if (rc == 1) {
		plain(rs, 404, "no such incident");
		return;
	}
	if (rc == 3) {
		plain(rs, 400, "no such user to assign to");
		return;
	}
	if (rc != 0 && rc != 2) {
		plain(rs, rc == DB_BUSY ? 503 : 500, "database busy or failing; try again");
		return;
	}
	snprintf(loc, sizeof(loc), "/incidents/%lld", id);
	redirect(rs, loc);
}

/* ---- search ---- */
static void search_page(struct web *w, struct req *r, struct resp *rs, const struct who *s)
{
	const char *q = web_arg(r, "q");
	struct search_hits h;
	struct buf *b = &rs->body;

	rs->status = 200;
	start(b, "Search", s);
	buf_puts(b, "<h1>Search</h1>\n<form class=\"filters\" method=\"get\" action=\"/search\">"
		    "<label>Address, network (CIDR), Message-ID or text <input name=\"q\" size=\"40\" maxlength=\"500\""
		    " value=\"");
	html_esc(b, q);
	buf_puts(b, "\"></label> <button>Search</button></form>\n");
	if (q && *q && strlen(q) <= 500) {
		if (app_search(w->d, q, 90 * 86400L, &h) != DB_OK)
			buf_puts(b, "<p class=\"err\">The database is busy or failing: the list may be incomplete.</p>\n");
		buf_printf(b, "<p>%zu found%s.</p>\n", h.n, h.n >= APP_SEARCH_MAX ? " (the first ones)" : "");
		if (h.n) {
			buf_puts(b, "<table><thead><tr><th>kind</th><th>id</th><th>incident</th><th>when</th>"
				    "<th>status</th><th>verdict</th><th>host</th><th>summary</th></tr></thead><tbody>\n");
			for (size_t i = 0; i < h.n; i++) {
				const struct search_hit *x = &h.v[i];

				buf_puts(b, "<tr><td>");
				html_esc(b, x->kind);
				buf_printf(b, "</td><td>%lld</td><td>", x->id);
				if (x->incident > 0)
					buf_printf(b, "<a href=\"/incidents/%lld\">%lld</a>", x->incident, x->incident);
				buf_puts(b, "</td><td>");
				when(b, x->when);
				buf_puts(b, "</td><td>");
				html_esc(b, x->status);
				buf_puts(b, "</td><td>");
				html_esc(b, x->verdict);
				buf_puts(b, "</td><td>");
				html_esc(b, x->host);
				buf_puts(b, "</td><td class=\"wrap\">");
				html_esc(b, x->summary);
				buf_puts(b, "</td></tr>\n");
			}
			buf_puts(b, "</tbody></table>\n");
		}
		search_hits_free(&h);
	}
	end(b);
}

/* ---- inventory lookup ---- */
/* dd - one dt/dd pair of text */
static void dd(struct buf *b, const char *label, const char *v)
{
	buf_printf(b, "<dt>%s</dt><dd>", label);
	html_esc(b, v && *v ? v : "-");
	buf_puts(b, "</dd>");
}

static void inventory_page(struct web *w, struct req *r, struct resp *rs, const struct who *s)
{
	const char *ip = web_arg(r, "ip");
	struct buf *b = &rs->body;
	struct owner_row o;
	struct inv_entry e;
	struct ipaddr a;
	char text[46];

	rs->status = 200;
	start(b, "Inventory", s);
	buf_puts(b, "<h1>Inventory lookup</h1>\n<form class=\"filters\" method=\"get\" action=\"/inventory\">"
		    "<label>Address <input name=\"ip\" size=\"40\" maxlength=\"64\" value=\"");
	html_esc(b, ip);
	buf_puts(b, "\"></label> <button>Look up</button></form>\n");
	if (ip && *ip) {
		if (ip_parse(ip, &a) < 0) {
			buf_puts(b, "<p class=\"err\">Not an IP address.</p>\n");
		} else if (app_inventory_lookup(w->d, &a, &e) != DB_OK) {
			buf_puts(b, "<p class=\"err\">The database is busy or failing; try again.</p>\n");
		} else if (!e.found) {
			ip_format(&a, text);
			buf_puts(b, "<p>");
			html_esc(b, text);
			buf_puts(b, " is not in the inventory.</p>\n");
		} else {
			ip_format(&a, text);
			buf_puts(b, "<dl>");
			dd(b, "Address", text);
			dd(b, "Host", e.host);
			dd(b, "Network", e.network);
			dd(b, "Role", e.role != ROLE_NONE ? role_name(e.role) : NULL);
			dd(b, "Owner", e.owner);
			if (e.owner[0] && app_owner(w->d, e.owner, &o) == 1) {
				dd(b, "Owner's name", o.name);
				dd(b, "Owner's address", o.email);
				dd(b, "Policy", o.policy);
				owner_row_free(&o);
			}
			buf_printf(b, "</dl>\n<p><a href=\"/incidents?status=all&amp;host=");
			url_esc(b, text);
			buf_puts(b, "\">Its incidents</a></p>\n");
		}
	}
	end(b);
}

/* ---- the dashboard: inline SVG, no script ---- */
static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
				       "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };

/* esc_max - at most n bytes of s (cut at a character), escaped, "..." when cut */
static void esc_max(struct buf *b, const char *s, size_t n)
{
	char cut[128];
	size_t len = s ? strlen(s) : 0;

	if (len <= n || n + 4 > sizeof(cut)) {
		html_esc(b, s);
		return;
	}
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(cut, s, n);
	memcpy(cut + n, "...", 4);
	html_esc(b, cut);
}

/* hbars - a titled horizontal bar chart of a series */
static void hbars(struct buf *b, const char *title, const struct dash_rows *r, const char *empty)
{
	long long max = 1;
	size_t h = r->n * 22 + 4;

	buf_puts(b, "<section class=\"chart\"><h2>");
	html_esc(b, title);
	buf_puts(b, "</h2>\n");
	if (r->n == 0) {
		buf_printf(b, "<p>%s</p></section>\n", empty);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].n > max)
			max = r->v[i].n;
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"560\" height=\"%zu\" role=\"img\">", h);
	for (size_t i = 0; i < r->n; i++) {
		long long wd = r->v[i].n * 300 / max;

		buf_printf(b, "<text x=\"196\" y=\"%zu\" text-anchor=\"end\" font-size=\"12\">", i * 22 + 16);
		esc_max(b, r->v[i].key, 30);
		buf_printf(b, "</text><rect x=\"202\" y=\"%zu\" width=\"%lld\" height=\"16\" fill=\"%s\"/>"
			      "<text x=\"%lld\" y=\"%zu\" font-size=\"12\">%lld</text>",
			   i * 22 + 4, wd > 0 ? wd : 1, palette[0], 206 + wd, i * 22 + 16, r->v[i].n);
	}
	buf_puts(b, "</svg></section>\n");
}

/* per_day - reports per day, stacked by verdict, with a legend */
static void per_day(struct buf *b, const struct dash_rows *r)
{
	const char *verdicts[10];
	size_t nv = 0, ndays = 0, x;
	long long max = 1, sum = 0;
	const char *day = NULL;

	buf_puts(b, "<section class=\"chart wide\"><h2>Reports per day by verdict</h2>\n");
	if (r->n == 0) {
		buf_puts(b, "<p>No reports in this period.</p></section>\n");
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		size_t k;

		if (day == NULL || strcmp(day, r->v[i].key) != 0) {
			day = r->v[i].key;
			ndays++;
			sum = 0;
		}
		sum += r->v[i].n;
		if (sum > max)
			max = sum;
		for (k = 0; k < nv && strcmp(verdicts[k], r->v[i].sub) != 0; k++)
			;
		if (k == nv && nv < 10)
			verdicts[nv++] = r->v[i].sub;
	}
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" height=\"230\" role=\"img\">",
		   ndays * 14 + 60);
	buf_printf(b, "<text x=\"0\" y=\"12\" font-size=\"11\">%lld</text>"
		      "<line x1=\"40\" y1=\"200\" x2=\"%zu\" y2=\"200\" stroke=\"#888\"/>", max, ndays * 14 + 50);
	day = NULL;
	x = 40;
	sum = 0;
	for (size_t i = 0; i < r->n; i++) {
		long long y0, hgt;
		size_t k;

		if (day == NULL || strcmp(day, r->v[i].key) != 0) {
			if (day)
				x += 14;
			day = r->v[i].key;
			sum = 0;
			if (ndays <= 31 || (x - 40) / 14 % 7 == 0) {
				buf_printf(b, "<text x=\"%zu\" y=\"214\" font-size=\"9\">", x);
				html_esc(b, day + 8);   /* DD */
				buf_puts(b, "</text>");
			}
		}
		for (k = 0; k < nv && strcmp(verdicts[k], r->v[i].sub) != 0; k++)
			;
		hgt = r->v[i].n * 180 / max;
		y0 = 200 - (sum + r->v[i].n) * 180 / max;
		sum += r->v[i].n;
		buf_printf(b, "<rect x=\"%zu\" y=\"%lld\" width=\"11\" height=\"%lld\" fill=\"%s\"><title>",
			   x, y0, hgt > 0 ? hgt : 1, palette[k < nv ? k : 9]);
		html_esc(b, r->v[i].key);
		buf_putc(b, ' ');
		html_esc(b, r->v[i].sub);
		buf_printf(b, ": %lld</title></rect>", r->v[i].n);
	}
	buf_puts(b, "</svg>\n<p class=\"legend\">");
	for (size_t k = 0; k < nv; k++) {
		buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
			      "<rect width=\"10\" height=\"10\" fill=\"%s\"/></svg> ", palette[k]);
		html_esc(b, verdicts[k]);
		buf_puts(b, " &nbsp; ");
	}
	buf_puts(b, "</p></section>\n");
}

static void dashboard_page(struct web *w, struct req *r, struct resp *rs, const struct who *s)
{
	static const char *spans[] = { "7d", "30d", "90d" };
	const char *since = web_arg(r, "since");
	struct dashboard db;
	struct buf *b = &rs->body;
	long span = 30 * 86400L;

	if (since == NULL || time_parse_span(since, &span) < 0 || span <= 0 || span > 366 * 86400L) {
		since = "30d";
		span = 30 * 86400L;
	}
	if (app_dashboard(w->d, span, &db) != DB_OK) {
		dashboard_free(&db);
		plain(rs, 503, "database busy or failing; try again");
		return;
	}
	rs->status = 200;
	start(b, "Dashboard", s);
	buf_puts(b, "<h1>Dashboard</h1>\n<p>Period:");
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
		buf_printf(b, " <a href=\"/dashboard?since=%s\"%s>%s</a>", spans[i],
			   strcmp(since, spans[i]) == 0 ? " aria-current=\"page\"" : "", spans[i]);
	buf_puts(b, "</p>\n<div class=\"charts\">\n");
	per_day(b, &db.per_day);
	hbars(b, "Active incidents by owner", &db.owners, "No active incidents.");
	hbars(b, "Top hosts by reports", &db.hosts, "No incidents in this period.");
	hbars(b, "Time to resolve", &db.resolve, "");
	buf_puts(b, "</div>\n");
	end(b);
	dashboard_free(&db);
}

/* parse_id - a decimal id at *s (1..2^31-1), advancing *s past it; 0 or -1 */
static int parse_id(const char **s, long long *id)
{
	long long v = 0;
	const char *p = *s;

	if (*p < '1' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > 0x7fffffffLL)
			return -1;
	}
	*id = v;
	*s = p;
	return 0;
}

void web_pages(struct web *w, struct req *r, struct resp *rs)
{
	int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0,
	    post = strcmp(r->method, "POST") == 0;
	const char *u = r->url;
	int rc;
	char form_csrf[APP_TOKEN_LEN + 2];
	long long id = 0, rid = 0;
	struct who s;

	if (strcmp(u, "/login") == 0 && get) {
		login_page(rs, 200, NULL);
		return;
	}
	if (strcmp(u, "/login") == 0 && post) {
		login_post(w, r, rs);
		return;
	}
	if (!get && !post) {
		plain(rs, 405, "method not allowed");
		return;
	}
	if ((rc = session(w, r, &s)) < 0) {
		plain(rs, 503, "database busy or failing; try again");
		return;
	}
	if (rc == 0) {
		if (post)
			plain(rs, 403, "log in first");
		else
			redirect(rs, "/login");
		return;
	}
	if (post && (web_form(r, "csrf", form_csrf, sizeof(form_csrf)) < 0 ||
		     !app_secret_eq(form_csrf, s.csrf))) {
		plain(rs, 403, "missing or wrong CSRF token: reload the page and try again");
		return;
	}
	if (post && strcmp(u, "/logout") == 0) {
		app_session_end(w->d, s.sid);
		snprintf(rs->cookie, sizeof(rs->cookie), COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
			 w->o->secure_cookie ? "; Secure" : "");
		redirect(rs, "/login");
		return;
	}
	if (get && strcmp(u, "/") == 0) {
		redirect(rs, "/incidents");
		return;
	}
	if (get && strcmp(u, "/incidents") == 0) {
		incidents_page(w, r, rs, &s);
		return;
	}
	if (get && strcmp(u, "/search") == 0) {
		search_page(w, r, rs, &s);
		return;
	}
	if (get && strcmp(u, "/inventory") == 0) {
		inventory_page(w, r, rs, &s);
		return;
	}
	if (get && strcmp(u, "/dashboard") == 0) {
		dashboard_page(w, r, rs, &s);
		return;
	}
	if (strncmp(u, "/incidents/", 11) == 0) {
		u += 11;
		if (parse_id(&u, &id) == 0) {
			if (get && *u == '\0') {
				incident_page(w, rs, &s, id);
				return;
			}
			if (post && strcmp(u, "/action") == 0) {
				action(w, r, rs, &s, id);
				return;
			}
			if (get && strncmp(u, "/reports/", 9) == 0) {
				u += 9;
				if (parse_id(&u, &rid) == 0 && strcmp(u, "/raw") == 0) {
					raw(w, rs, id, rid);
					return;
				}
			}
		}
	}
	plain(rs, 404, "not found");
}

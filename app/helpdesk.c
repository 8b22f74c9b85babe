/*
 * app/helpdesk - the helpdesk's queries and state changes (app/helpdesk.h)
 * on top of the store (db/helpdesk.h, db/incidents.h).
 */
#include <string.h>

#include "../db/incidents.h"
#include "../db/users.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"
#include "../util/str.h"
#include "helpdesk.h"

int app_incidents(struct db *d, const struct hd_filter *f, struct incident_rows *out)
{
	return hd_incidents(d, f, out);
}

long long app_incidents_count(struct db *d, const struct hd_filter *f)
{
	return hd_incidents_count(d, f);
}

int app_incident_page(struct db *d, long long id, struct incident_page *p)
{
	hd_incident_page(d, id, p);
	return p->incident.nrows > 0;
}

int app_incident(struct db *d, long long id, struct incident_rows *out)
{
	struct hd_filter f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.limit = 1;
	return hd_incidents(d, &f, out);
}

/* add_hits - append the hits of one query to out, each (kind, id) once, at most APP_SEARCH_MAX */
static int add_hits(struct db *d, enum hd_search_by by, const char *v, long long since, struct search_hits *out)
{
	struct search_hits h;
	int rc = hd_search(d, by, v, since, &h);

	for (size_t i = 0; i < h.n && out->n < APP_SEARCH_MAX; i++) {
		int dup = 0;

		for (size_t r = 0; r < out->n && !dup; r++)
			dup = strcmp(out->v[r].kind, h.v[i].kind) == 0 && out->v[r].id == h.v[i].id;
		if (dup)
			continue;
		if (out->n == 0)
			out->v = xcalloc(APP_SEARCH_MAX, sizeof(*out->v));
		out->v[out->n++] = h.v[i];
		memset(&h.v[i], 0, sizeof(h.v[i]));
	}
	search_hits_free(&h);
	return rc;
}

int app_search(struct db *d, const char *q, long since, struct search_hits *out)
{
	char ip[46], mid[512];
	struct cidr net;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strchr(q, '/') != NULL && cidr_parse(q, &net) == 0) {
		if ((rc = add_hits(d, HS_INCIDENT_CIDR, q, 0, out)) == DB_OK)
			rc = add_hits(d, HS_REPORT_CIDR, q, 0, out);
		return rc;
	}
	if (ip_normalize(q, ip) == 0) {
		if ((rc = add_hits(d, HS_INCIDENT_IP, ip, 0, out)) == DB_OK &&
		    (rc = add_hits(d, HS_REPORT_IP, ip, 0, out)) == DB_OK)
			rc = add_hits(d, HS_REPORT_HOP, ip, 0, out);
		return rc;
	}
	if (strchr(q, '@') != NULL) {
		str_copy(mid, sizeof(mid), q[0] == '<' ? q + 1 : q);
		n = strlen(mid);
		if (n && mid[n - 1] == '>')
			mid[n - 1] = '\0';
		if ((rc = add_hits(d, HS_REPORT_MESSAGE_ID, mid, 0, out)) != DB_OK || out->n > 0)
			return rc;      /* a Message-ID that was found */
	}
	if ((rc = add_hits(d, HS_INCIDENT_TEXT, q, 0, out)) == DB_OK)
		rc = add_hits(d, HS_REPORT_TEXT, q, db_now() - since, out);
	return rc;
}

int app_stats(struct db *d, long since, struct stat_rows *out)
{
	long long from = db_now() - since;

	return hd_stats(d, from < 0 ? 0 : from, out);
}

int app_reports(struct db *d, long since, const char *status, long limit, struct report_rows *out)
{
	return hd_reports(d, since ? db_now() - since : 0, status, limit, out);
}

long long app_reports_count(struct db *d, long since, const char *status)
{
	return hd_reports_count(d, since ? db_now() - since : 0, status);
}

int app_set_status(struct db *d, long long id, const char *status, const char *actor, const char *note)
{
	char old[32];
	int rc;

	if ((rc = db_begin(d)) != DB_OK)
		return rc;
	if ((rc = hd_incident_status(d, id, old, sizeof(old))) != 1) {
		db_rollback(d);
		return rc == 0 ? 1 : rc;
	}
	if (strcmp(old, status) == 0) {
		db_rollback(d);
		return 2;       /* already so: nothing recorded */
	}
	if ((rc = incident_set_status(d, id, status, actor, note)) == 0)
		rc = db_commit(d);
	else
		db_rollback(d);
	return rc;
}

/* in_tx - commit the open transaction when rc is 0, else roll it back; the result */
static int in_tx(struct db *d, int rc)
{
	if (rc == 0)
		return db_commit(d);
	db_rollback(d);
	return rc;
}

int app_add_note(struct db *d, long long id, const char *actor, const char *note)
{
	int rc;

	if ((rc = db_begin(d)) != DB_OK)
		return rc;
	return in_tx(d, incident_note(d, id, actor, note));
}

int app_assign(struct db *d, long long id, const char *user, const char *actor)
{
	struct user_row u;
	int rc;

	if (user && *user) {
		if ((rc = users_get(d, user, &u)) != 1)
			return rc == 0 ? 3 : rc;
		user_row_free(&u);
	}
	if ((rc = db_begin(d)) != DB_OK)
		return rc;
	return in_tx(d, incident_assign(d, id, user, actor));
}

int app_dashboard(struct db *d, long since, struct dashboard *out)
{
	return hd_dashboard(d, db_now() - since, out);
}

int app_inventory_export(struct db *d, const char *kind, struct hd_table *t)
{
	return hd_inventory_export(d, kind, t);
}

int app_owner(struct db *d, const char *key, struct owner_row *o)
{
	return hd_owner(d, key, o);
}

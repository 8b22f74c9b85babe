/*
 * whois - cached RDAP lookups of outside networks' abuse contacts.
 */
#include <string.h>

#include "../notify/rdap_fetch.h"
#include "../util/ipaddr.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "whois.h"

int app_whois(struct db *d, const struct config *cfg, const char *ip, int refresh, struct db_rdap *out,
	      int *cached)
{
	struct rdap_result res;
	long long now = db_now();
	long ttl;
	int rc;

	*cached = 0;
	if ((rc = rdap_cache_get(d, ip, out)) < 0)
		return rc;
	if (rc == 1 && !refresh && out->expires_at > now) {
		*cached = 1;
		return DB_OK;
	}
	rdap_fetch(cfg, ip, &res);
	memset(out, 0, sizeof(*out));
	str_copy(out->status, sizeof(out->status), rdap_status_name(res.status));
	str_copy(out->email, sizeof(out->email), res.info.email);
	str_copy(out->network, sizeof(out->network), res.info.network);
	str_copy(out->registry, sizeof(out->registry), res.registry);
	str_copy(out->detail, sizeof(out->detail), res.detail);
	ttl = res.status != RDAP_ERROR ? cfg->rdap_cache_ttl : res.retry_after > 0 ? res.retry_after
										  : cfg->rdap_error_ttl;
	out->fetched_at = now;
	out->expires_at = now + (ttl > 0 ? ttl : 1);
	if (res.status == RDAP_ERROR)
		msg_warn("rdap %s: %s: %s", ip, res.registry[0] ? res.registry : "-", res.detail);
	return rdap_cache_put(d, ip, out);
}

struct contacts_ctx {
	struct db *d;
	const struct config *cfg;
	int looked, rc;
	int failed;             /* failed lookups in a row: two end the run's lookups */
};

/* one - look up one report's address and record the contact */
static void one(void *ctx, long long id, const char *ip)
{
	struct contacts_ctx *c = ctx;
	struct db_rdap r;
	struct ipaddr a;
	int cached;

	if (c->rc != DB_OK || c->failed >= 2)
		return;
	if (ip_parse(ip, &a) < 0 || ip_is_private(&a) || netlist_contains(&c->cfg->our_networks, &a)) {
		c->rc = rdap_report_set(c->d, id, NULL, db_now());
		return;
	}
	if ((c->rc = app_whois(c->d, c->cfg, ip, 0, &r, &cached)) != DB_OK)
		return;
	if (strcmp(r.status, "error") == 0) {
		if (!cached && ++c->failed >= 2)
			msg_warn("whois: two lookups in a row failed; the others wait for the next run");
		return;
	}
	c->failed = 0;
	c->rc = rdap_report_set(c->d, id, r.email, db_now());
	if (c->rc == DB_OK) {
		c->looked++;
		msg_info("report %lld: abuse contact of %s: %s", id, ip, r.email[0] ? r.email : "unknown");
	}
}

int app_contacts_run(struct db *d, const struct config *cfg, int max, int *looked)
{
	struct contacts_ctx c = { d, cfg, 0, DB_OK, 0 };
	int rc;

	*looked = 0;
	if (max <= 0)
		return DB_OK;
	rc = rdap_reports_due(d, db_now(), max, one, &c);
	*looked = c.looked;
	return rc != DB_OK ? rc : c.rc;
}

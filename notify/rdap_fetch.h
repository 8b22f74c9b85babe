/*
 * rdap_fetch - ask a registry's RDAP service (RFC 9082) for an IP network
 * and read its abuse contact (RFC 9083, parse/rdap.h).
 *
 * The registry is cfg->rdap_url when set, else the one the bootstrap file
 * (cfg->rdap_bootstrap_file, RFC 9224) names for the address. libcurl is
 * loaded on demand (curl_dl.h); only http and https, at most
 * RDAP_MAX_REDIRECTS redirects (a registry sends a query for another's
 * address there), cfg->rdap_timeout for the whole exchange, answers of at
 * most RDAP_MAX_BODY bytes. Nothing here reads or writes the database.
 */
#ifndef AD_RDAP_FETCH_H
#define AD_RDAP_FETCH_H

#include "../parse/rdap.h"
#include "../util/config.h"

#define RDAP_MAX_REDIRECTS 3

enum rdap_status {
	RDAP_FOUND,             /* the abuse contact's email is known */
	RDAP_NONE,              /* the registry answered: no record (404) or no abuse email */
	RDAP_ERROR              /* no answer: offline, refused, timeout, 429/5xx, bad JSON */
};

struct rdap_result {
	enum rdap_status status;
	struct rdap_info info;
	char registry[300];     /* the URL that answered (after redirects), or was asked */
	char detail[256];       /* why none or error */
	long retry_after;       /* seconds the registry asked us to wait (429/503), 0 none */
	long http_code;
};

/* rdap_status_name - found | none | error */
const char *rdap_status_name(enum rdap_status s);

/* rdap_fetch - look ip up; never fails: an error is a status */
void rdap_fetch(const struct config *cfg, const char *ip, struct rdap_result *res);

#endif

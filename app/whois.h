/*
 * whois - the abuse contact of an outside address: the database cache first,
 * else RDAP (notify/rdap_fetch.h), and the answer cached. Used by
 * `abusedesk whois` and by the notify run for not_ours reports.
 */
#ifndef AD_APP_WHOIS_H
#define AD_APP_WHOIS_H

#include "../db/db.h"
#include "../db/rdap.h"
#include "../util/config.h"

/*
 * app_whois - the contact of ip: a fresh cached row, else a lookup whose
 * answer is stored (contact or none for rdap_cache_ttl; an error for its
 * Retry-After, else rdap_error_ttl). refresh: ask even when cached.
 * *cached = 1 when the row came from the cache. DB_OK, DB_BUSY or DB_ERROR
 * (a failed lookup is not an error: out->status is "error").
 */
int app_whois(struct db *d, const struct config *cfg, const char *ip, int refresh, struct db_rdap *out,
	      int *cached);

/*
 * app_contacts_run - look up the contact of up to max not_ours reports that
 * have none yet and record it on each (an address whose last lookup failed
 * waits for its expiry; two failed lookups in a row end the run's lookups,
 * so an offline registry or network costs at most two rdap_timeout). *looked:
 * reports given a contact or "none". DB_OK or DB_ERROR.
 */
int app_contacts_run(struct db *d, const struct config *cfg, int max, int *looked);

#endif

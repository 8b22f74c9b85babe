/*
 * app/digest - queueing the digests of a period (the data is db/digest.h's,
 * the rendering notify/digest.h's).
 */
#ifndef AD_APP_DIGEST_H
#define AD_APP_DIGEST_H

#include "../db/db.h"
#include "../util/config.h"

/* digest_enqueue - queue the team digest (cfg->digest_address, else
 * cfg->team_address; owner-only when owner != NULL) and, unless owner is set,
 * one per owner with owners.digest = 1 and an email, in the outbox.
 * *queued counts the rows added. A digest is queued once per recipient,
 * owner and period: the period is from..to, or, when align > 0 (a relative
 * period such as --since 24h), the align-long period of the epoch that to
 * falls in. 0, or DB_ERROR/DB_BUSY */
int digest_enqueue(struct db *d, const struct config *cfg, long long from, long long to,
		   long long align, const char *owner, long long now, int *queued);

#endif

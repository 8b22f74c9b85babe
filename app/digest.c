/*
 * app/digest - queue the digests of a period in the outbox: the team digest
 * and one per owner who opted in (owners.digest = 1). Each is collected from
 * the store (db/digest.h), rendered as one message (notify/digest.h) and
 * added as an outbox row (kind 'digest', channel 'smtp') that the outbox
 * send loop (app/notify.c) sends like any notification; a digest for one
 * recipient, owner and period is queued once (outbox dedupe_key), so
 * overlapping `digest --send` runs do not send it twice.
 */
#include <stdio.h>
#include <string.h>

#include "../db/outbox.h"
#include "../notify/digest.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "digest.h"

/* enqueue_one - collect, render and queue one digest for rcpt; 0, 1 skipped, or <0 */
static int enqueue_one(struct db *d, const struct config *cfg, long long from, long long to,
		       long long align, const char *owner, long long now, const char *rcpt)
{
	struct digest dg;
	struct buf msg, subj;
	char mid[256], key[768];
	int rc;

	if ((rc = digest_collect(d, from, to, owner, now, &dg)) != 0)
		return rc;
	buf_init(&msg, DIGEST_MAIL_MAX);
	buf_init(&subj, 4096);
	digest_subject(&dg, &subj);
	if (digest_mail(&dg, cfg, rcpt, &msg, mid, sizeof(mid)) < 0) {
		msg_warn("digest%s%s: cannot build a message to '%s' (bad address or too big): skipped",
			 owner ? " for owner " : "", owner ? owner : "", rcpt);
		rc = 1;
	} else {
		/* a relative period ("the last 24h", ending now) is keyed by the aligned period its
		 * end falls in, so timer runs within one day (one week, ...) queue one digest */
		if (align > 0 && to >= 0) {
			from = to - to % align;
			to = from + align;
		}
		snprintf(key, sizeof(key), "digest %.300s %.300s %lld-%lld", rcpt, owner ? owner : "*",
			 from, to);
		rc = outbox_add_digest(d, rcpt, subj.data, mid, msg.data, msg.len, key, now);
		if (rc == 0)
			msg_info("digest to %.200s for this period is already queued or sent: not queued again",
				 rcpt);
		rc = rc == 1 ? 0 : rc == 0 ? 1 : rc;
	}
	buf_free(&msg);
	buf_free(&subj);
	digest_free(&dg);
	return rc;
}

int digest_enqueue(struct db *d, const struct config *cfg, long long from, long long to,
		   long long align, const char *owner, long long now, int *queued)
{
	const char *team = cfg->digest_address && *cfg->digest_address ? cfg->digest_address
									: cfg->team_address;
	struct strlist keys = { 0 }, emails = { 0 };
	int rc;

	*queued = 0;
	if ((rc = enqueue_one(d, cfg, from, to, align, owner, now, team)) < 0)
		return rc;
	*queued += rc == 0;
	if (owner == NULL && (rc = digest_owners(d, &keys, &emails)) == 0) {
		for (size_t i = 0; i < keys.n; i++) {
			if ((rc = enqueue_one(d, cfg, from, to, align, keys.v[i], now, emails.v[i])) < 0)
				break;
			*queued += rc == 0;
			rc = 0;
		}
	}
	strlist_free(&keys);
	strlist_free(&emails);
	return rc < 0 ? rc : 0;
}

/*
 * run - send what is due in the outbox.
 *
 * Each due row is tried once per call: over SMTP or as a webhook. A row is
 * marked sent only after the server accepted it, so a crash in between
 * sends it again (with the same Message-ID) rather than losing it. A
 * temporary failure schedules the next try after cfg->notify_backoff,
 * doubling each attempt; after cfg->notify_max_attempts, or at once on a
 * permanent refusal, the row is failed for good and `abusedesk notify
 * --status` shows it with the server's reason.
 */
#include "curl_dl.h"
#include <stdio.h>
#include <string.h>

#include "../db/incidents.h"
#include "../util/msg.h"
#include "internal.h"
#include "notify.h"

#define RUN_MAX_DELAY (7L * 86400)

/* backoff - the delay before attempt number attempts+1 */
static long long backoff(const struct config *cfg, long attempts)
{
	long long delay = cfg->notify_backoff > 0 ? cfg->notify_backoff : 60;

	for (long i = 1; i < attempts && delay < RUN_MAX_DELAY; i++)
		delay *= 2;
	return delay < RUN_MAX_DELAY ? delay : RUN_MAX_DELAY;
}

/* send_row - one transport attempt */
static enum send_result send_row(const struct config *cfg, const struct outbox_row *r, char *err,
				 size_t errlen)
{
	if (strcmp(r->channel, "smtp") == 0)
		return smtp_send(cfg, r->recipient, r->body, r->body_len,
				 r->kind && strcmp(r->kind, "ack") == 0, err, errlen);
	if (strcmp(r->channel, "webhook") == 0)
		return webhook_send(cfg, r->recipient, r->body, r->body_len, r->message_id, err, errlen);
	snprintf(err, errlen, "unknown channel");
	return SEND_PERM;
}

/* deliver - try one row and record the outcome */
static int deliver(struct db *d, const struct config *cfg, const struct outbox_row *r,
		   int *sent, int *failed, int *deferred)
{
	char err[600] = "", note[400];
	long attempts = r->attempts + 1;
	enum send_result res = send_row(cfg, r, err, sizeof(err));
	long long now = db_now();
	int rc;

	if (res == SEND_OK) {
		msg_info("outbox=%lld incident=%lld %s to %.200s: sent", r->id, r->incident_id,
			 r->channel, r->recipient);
		(*sent)++;
		rc = outbox_mark_sent(d, r->id, attempts, now);
		if (rc == DB_OK && r->incident_id > 0 && strcmp(r->kind, "notify") == 0) {
			snprintf(note, sizeof(note), "%s to %.300s", r->channel, r->recipient);
			rc = incident_set_status(d, r->incident_id, "notified", "notify", note);
			rc = rc == 1 ? DB_OK : rc;
		}
		return rc;
	}
	if (res == SEND_TEMP && attempts < cfg->notify_max_attempts) {
		long long next = now + backoff(cfg, attempts);

		msg_warn("outbox=%lld %s to %.200s: %s (attempt %ld, next in %llds)", r->id, r->channel,
			 r->recipient, err, attempts, next - now);
		(*deferred)++;
		return outbox_mark_retry(d, r->id, attempts, next, err);
	}
	if (res == SEND_TEMP) {
		size_t n = strlen(err);

		snprintf(err + n, sizeof(err) - n, " (gave up after %ld attempts)", attempts);
	}
	msg_error("outbox=%lld %s to %.200s: failed: %s", r->id, r->channel, r->recipient, err);
	(*failed)++;
	return outbox_mark_failed(d, r->id, attempts, err);
}

int notify_run(struct db *d, const struct config *cfg, int *sent, int *failed, int *deferred)
{
	long long now = db_now(), after = 0;
	struct outbox_row r;
	int rc;

	*sent = *failed = *deferred = 0;
	while ((rc = outbox_next_due(d, now, after, &r)) == 1) {
		after = r.id;
		rc = deliver(d, cfg, &r, sent, failed, deferred);
		outbox_row_free(&r);
		if (rc != DB_OK)
			return rc;
	}
	return rc;
}

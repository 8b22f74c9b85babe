/*
 * digest_mail - the digest as one multipart/alternative message, and its
 * place in the outbox.
 *
 * The message carries the text and the HTML rendering, both UTF-8 and
 * quoted-printable, between a random boundary that is checked not to occur
 * in either encoded part. Header values from data (addresses, the owner in
 * the subject) go through mime_header: no CR/LF survives and non-ASCII is
 * RFC 2047-encoded. digest_enqueue adds outbox rows (kind 'digest', channel
 * 'smtp') that notify_run sends like any notification; a digest for one
 * recipient, owner and period is queued once (outbox dedupe_key), so
 * overlapping `digest --send` runs do not send it twice.
 */
#include <stdio.h>
#include <string.h>

#include "../db/db_int.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "digest.h"
#include "internal.h"

#define DIGEST_MAIL_MAX (16 * 1024 * 1024)

/* pick_boundary - a boundary found in neither part; 0 or -1 */
static int pick_boundary(char *out, size_t outlen, const struct buf *a, const struct buf *b)
{
	char hex[64];

	for (int tries = 0; tries < 16; tries++) {
		mime_random_hex(hex, 12);
		snprintf(out, outlen, "=_abusedesk_%s", hex);
		if (strstr(a->data, out) == NULL && strstr(b->data, out) == NULL)
			return 0;
	}
	return -1;
}

/* part - one body part: headers, blank line, quoted-printable data */
static void part(struct buf *out, const char *boundary, const char *type, const struct buf *qp)
{
	buf_printf(out, "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, type);
	buf_append(out, qp->data, qp->len);
}

int digest_mail(const struct digest *dg, const struct config *cfg, const char *to,
		struct buf *out, char *message_id, size_t idlen)
{
	struct buf text, html, qt, qh, subj;
	char boundary[96], date[64];
	int rc = -1;

	if (!mime_addr_ok(cfg->from_address) || !mime_addr_ok(to))
		return -1;
	buf_init(&text, DIGEST_MAIL_MAX);
	buf_init(&html, DIGEST_MAIL_MAX);
	buf_init(&qt, DIGEST_MAIL_MAX);
	buf_init(&qh, DIGEST_MAIL_MAX);
	buf_init(&subj, 4096);
	digest_text(dg, cfg->organization, &text);
	digest_html(dg, cfg->organization, &html);
	mime_qp(&qt, text.data, text.len);
	mime_qp(&qh, html.data, html.len);
	digest_subject(dg, &subj);
	if (pick_boundary(boundary, sizeof(boundary), &qt, &qh) == 0) {
		mime_message_id(cfg->from_address, message_id, idlen);
		mime_date(dg->now, date);
		buf_printf(out, "Date: %s\r\n", date);
		mime_header(out, "From", cfg->from_address);
		mime_header(out, "To", to);
		mime_header(out, "Subject", subj.data);
		buf_printf(out, "Message-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
			   "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n"
			   "This is a digest in text and HTML.\r\n\r\n", message_id, boundary);
		part(out, boundary, "text/plain", &qt);
		buf_puts(out, "\r\n");
		part(out, boundary, "text/html", &qh);
		buf_printf(out, "\r\n--%s--\r\n", boundary);
		rc = text.toobig || html.toobig || qt.toobig || qh.toobig || out->toobig ? -1 : 0;
	}
	buf_free(&text);
	buf_free(&html);
	buf_free(&qt);
	buf_free(&qh);
	buf_free(&subj);
	return rc;
}

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

/* opted_in - owners with digest = 1 and an email, as key/email pairs */
static int opted_in(struct db *d, struct strlist *keys, struct strlist *emails)
{
	sqlite3_stmt *st = db_prepare(d, "SELECT key, email FROM owners WHERE digest = 1"
					 " AND email IS NOT NULL AND email != '' ORDER BY key");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		strlist_add(keys, db_col_text(st, 0));
		strlist_add(emails, db_col_text(st, 1));
	}
	sqlite3_finalize(st);
	return db_result(rc);
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
	if (owner == NULL && (rc = opted_in(d, &keys, &emails)) == 0) {
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

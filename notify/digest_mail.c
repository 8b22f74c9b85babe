/*
 * digest_mail - the digest as one multipart/alternative message.
 *
 * The message carries the text and the HTML rendering, both UTF-8 and
 * quoted-printable, between a random boundary that is checked not to occur
 * in either encoded part. Header values from data (addresses, the owner in
 * the subject) go through mime_header: no CR/LF survives and non-ASCII is
 * RFC 2047-encoded. Queueing it in the outbox is app/digest.c's.
 */
#include <stdio.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "digest.h"
#include "internal.h"

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

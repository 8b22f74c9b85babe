/*
 * compose - assemble one RFC 5322 message from parts we control.
 *
 * Every header is written by mime_header (cleaned, encoded, folded) from a
 * fixed list; addresses must be plain addr-spec. The text goes out as
 * text/plain; charset=UTF-8 in quoted-printable. With an attachment the
 * message is multipart/mixed with a random boundary that is checked not to
 * occur anywhere in the parts: the complaint goes as message/rfc822 when it
 * is clean 7/8-bit text with short lines and one kind of line end (no bare
 * CR, no NUL), otherwise as a base64 application/octet-stream part that
 * decodes to the stored bytes, so no byte of it can end our MIME part or
 * add a line to the attached message.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "../util/mem.h"
#include "internal.h"

#define COMPOSE_MAX (32L * 1024 * 1024)

/* display_from - "Organization <addr>" with the name as an encoded phrase when needed */
static void put_from(struct buf *out, const struct mail *m)
{
	struct buf v;
	int plain = m->organization && *m->organization;

	for (const char *p = m->organization; plain && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == ' ' || *p == '-' || *p == '.'))
			plain = 0;
	buf_init(&v, 0);
	if (plain && strlen(m->organization) < 64)
		buf_printf(&v, "\"%s\" <%s>", m->organization, m->from);
	else
		buf_printf(&v, "<%s>", m->from);
	buf_printf(out, "From: %s\r\n", v.data);
	buf_free(&v);
}

/* put_id - a msg-id header; ours or checked: "<...>" of printable ASCII without spaces */
static void put_id(struct buf *out, const char *name, const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n < 3 || n > 250 || id[0] != '<' || id[n - 1] != '>')
		return;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f)
			return;
	buf_printf(out, "%s: %s\r\n", name, id);
}

/* put_headers - the header block common to both shapes */
static void put_headers(struct buf *out, const struct mail *m)
{
	char date[64], id[32];

	mime_date(m->date, date);
	mime_header(out, "Date", date);
	put_from(out, m);
	buf_printf(out, "To: <%s>\r\n", m->to);
	if (m->reply_to && mime_addr_ok(m->reply_to))
		buf_printf(out, "Reply-To: <%s>\r\n", m->reply_to);
	mime_header(out, "Subject", m->subject);
	put_id(out, "Message-ID", m->message_id);
	put_id(out, "In-Reply-To", m->in_reply_to);
	put_id(out, "References", m->in_reply_to);
	mime_header(out, "Auto-Submitted", m->auto_submitted ? m->auto_submitted : "auto-generated");
	if (m->incident_id > 0) {
		snprintf(id, sizeof(id), "%lld", m->incident_id);
		mime_header(out, "X-Abusedesk-Incident", id);
	}
	put_id(out, FORWARD_HEADER, m->forward_id);
	buf_puts(out, "MIME-Version: 1.0\r\n");
}

/*
 * attach_clean - the complaint can travel as message/rfc822 unencoded: no
 * NUL, lines of at most 998 bytes, and one kind of line end (all CRLF or all
 * bare LF), so that writing it with CRLF line ends changes no line. A bare CR
 * would become a line end there and could make a header line (Bcc:) appear
 * in the attached message; such a complaint goes base64 instead.
 */
static int attach_clean(const char *a, size_t n)
{
	int crlf = 0, lf = 0;

	if (memchr(a, '\0', n) != NULL || mime_line_max(a, n) > 998)
		return 0;
	for (const char *p = a; (p = memchr(p, '\r', (size_t)(a + n - p))) != NULL; p++)
		if (p + 1 == a + n || p[1] != '\n')
			return 0;       /* a bare CR */
	for (size_t i = 0; i < n; i++)
		if (a[i] == '\n') {
			if (i > 0 && a[i - 1] == '\r')
				crlf = 1;
			else
				lf = 1;
		}
	return !(crlf && lf);
}

/* put_attachment - the complaint part (boundary already written) */
static void put_attachment(struct buf *out, const struct mail *m)
{
	if (attach_clean(m->attach, m->attach_len)) {
		int eight = 0;

		for (size_t i = 0; i < m->attach_len && !eight; i++)
			eight = (unsigned char)m->attach[i] >= 0x80;
		buf_printf(out, "Content-Type: message/rfc822\r\n"
			   "Content-Disposition: attachment; filename=\"complaint.eml\"\r\n"
			   "Content-Transfer-Encoding: %s\r\n\r\n", eight ? "8bit" : "7bit");
		mime_crlf(out, m->attach, m->attach_len);
		if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
			buf_puts(out, "\r\n");
		return;
	}
	buf_puts(out, "Content-Type: application/octet-stream\r\n"
		 "Content-Disposition: attachment; filename=\"complaint.eml\"\r\n"
		 "Content-Transfer-Encoding: base64\r\n\r\n");
	for (size_t i = 0; i < m->attach_len; i += 57) {
		size_t k = m->attach_len - i < 57 ? m->attach_len - i : 57;
		gchar *b = g_base64_encode((const guchar *)m->attach + i, k);

		buf_printf(out, "%s\r\n", b);
		g_free(b);
	}
}

/* pick_boundary - a random boundary found in neither the text nor the attachment */
static void pick_boundary(const struct mail *m, const struct buf *qp, char *out, size_t outlen)
{
	char rnd[33];

	do {
		mime_random_hex(rnd, 16);
		snprintf(out, outlen, "=_abusedesk_%s", rnd);
	} while (memmem(qp->data, qp->len, out, strlen(out)) != NULL ||
		 (m->attach && memmem(m->attach, m->attach_len, out, strlen(out)) != NULL));
}

int compose_mail(const struct mail *m, struct buf *out)
{
	struct buf qp;
	char boundary[64];
	int rc;

	if (!mime_addr_ok(m->from) || !mime_addr_ok(m->to))
		return -1;
	buf_init(&qp, COMPOSE_MAX);
	mime_qp(&qp, m->text, strlen(m->text));
	put_headers(out, m);
	if (m->attach == NULL) {
		buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		buf_append(out, qp.data, qp.len);
	} else {
		pick_boundary(m, &qp, boundary, sizeof(boundary));
		if (m->feedback)
			buf_printf(out, "Content-Type: multipart/report; report-type=feedback-report;\r\n"
				   " boundary=\"%s\"\r\n\r\n", boundary);
		else
			buf_printf(out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", boundary);
		buf_puts(out, "This is a MIME message.\r\n");
		buf_printf(out, "\r\n--%s\r\n", boundary);
		buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		buf_append(out, qp.data, qp.len);
		buf_printf(out, "\r\n--%s\r\n", boundary);
		if (m->feedback) {
			buf_puts(out, "Content-Type: message/feedback-report\r\n"
				 "Content-Transfer-Encoding: 7bit\r\n\r\n");
			mime_crlf(out, m->feedback, strlen(m->feedback));
			buf_printf(out, "\r\n--%s\r\n", boundary);
		}
		put_attachment(out, m);
		buf_printf(out, "\r\n--%s--\r\n", boundary);
	}
	rc = qp.toobig || out->toobig ? -1 : 0;
	buf_free(&qp);
	return rc;
}

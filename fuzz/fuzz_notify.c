/*
 * fuzz_notify - libFuzzer target: the notification composer (notify/
 * compose_mail with mime_header): hostile report text in, RFC 5322 out.
 *
 * The input is split at NUL bytes into from, to, organization, subject,
 * message-id, in-reply-to, auto-submitted, body text and (the rest, NULs
 * and all) the attached complaint. The output must:
 *   - use CRLF line ends only, header lines <= 998 bytes;
 *   - hold exactly the headers compose_mail means, each once, and no other;
 *   - parse back with GMime to the cleaned subject and the given ids, with
 *     no CR or LF in any decoded header value;
 *   - carry the attachment intact (base64 form) in a two-part multipart.
 */
#include <gmime/gmime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../notify/internal.h"
#include "../util/mem.h"

#define NFIELDS 8

static const char *const required[] = {
	"Date", "From", "To", "Subject", "Auto-Submitted", "X-Abusedesk-Incident",
	"MIME-Version", "Content-Type"
};
static const char *const optional[] = {
	"Message-ID", "In-Reply-To", "References", "Content-Transfer-Encoding"
};

/* fail - print why and the message, then abort for libFuzzer */
static void fail(const char *why, const struct buf *msg)
{
	fprintf(stderr, "fuzz_notify: %s\n----\n%.*s\n----\n", why,
		(int)(msg->len > 4000 ? 4000 : msg->len), msg->data);
	abort();
}

/* header_index - position of name in required (0..) / optional (100..), -1 when unknown */
static int header_index(const char *line, size_t n)
{
	for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++)
		if (strlen(required[i]) == n && strncmp(line, required[i], n) == 0)
			return (int)i;
	for (size_t i = 0; i < sizeof(optional) / sizeof(*optional); i++)
		if (strlen(optional[i]) == n && strncmp(line, optional[i], n) == 0)
			return 100 + (int)i;
	return -1;
}

/* check_lines - CRLF only; header block names exactly as meant; returns the body offset */
static size_t check_lines(const struct buf *m, int attach)
{
	int seen_req[8] = {0}, seen_opt[4] = {0};
	size_t i, start = 0, body = 0;

	for (i = 0; i < m->len; i++) {
		if (m->data[i] == '\r' && (i + 1 >= m->len || m->data[i + 1] != '\n'))
			fail("bare CR", m);
		if (m->data[i] == '\n' && (i == 0 || m->data[i - 1] != '\r'))
			fail("bare LF", m);
	}
	for (i = 0; i + 1 < m->len && !body; i++) {
		if (m->data[i] != '\r')
			continue;
		if (i == start) {
			body = i + 2;
			break;
		}
		if (i - start > 998)
			fail("header line longer than 998", m);
		if (m->data[start] != ' ' && m->data[start] != '\t') {
			const char *colon = memchr(m->data + start, ':', i - start);
			int k = colon ? header_index(m->data + start, (size_t)(colon - m->data - start)) : -1;

			if (k < 0)
				fail("unexpected header line", m);
			if ((k < 100 ? seen_req[k]++ : seen_opt[k - 100]++) != 0)
				fail("header twice", m);
		}
		start = i + 2;
	}
	if (!body)
		fail("no end of header block", m);
	for (i = 0; i < 8; i++)
		if (!seen_req[i])
			fail("required header missing", m);
	if (seen_opt[1] != seen_opt[2] || seen_opt[3] != !attach)
		fail("optional headers inconsistent", m);
	return body;
}

/* squash - collapse white space runs to one space and trim (in place) */
static void squash(char *s)
{
	char *o = s;
	int sp = 1;

	for (char *p = s; *p; p++) {
		int w = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';

		if (w && sp)
			continue;
		*o++ = w ? ' ' : *p;
		sp = w;
	}
	if (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
}

/* check_gmime - parse the message back and compare headers and attachment */
static void check_gmime(const struct buf *m, const struct mail *ml)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(m->data, m->len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	GMimeHeaderList *hl;
	struct buf want;
	char *got;

	g_object_unref(p);
	g_object_unref(st);
	if (!msg)
		fail("GMime cannot parse it", m);
	hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	for (int i = 0; i < g_mime_header_list_get_count(hl); i++) {
		const char *v = g_mime_header_get_value(g_mime_header_list_get_header_at(hl, i));

		if (v && strpbrk(v, "\r\n"))
			fail("decoded header value holds CR or LF", m);
	}
	buf_init(&want, 0);
	mime_clean(&want, ml->subject, MIME_MAX_HEADER_VALUE, 0);
	buf_putc(&want, '\0');
	squash(want.data);
	got = xstrdup(g_mime_message_get_subject(msg) ? g_mime_message_get_subject(msg) : "");
	squash(got);
	if (strcmp(got, want.data) != 0) {
		fprintf(stderr, "want [%s]\ngot  [%s]\n", want.data, got);
		fail("subject does not parse back", m);
	}
	free(got);
	buf_free(&want);
	if (g_mime_message_get_message_id(msg) && ml->message_id &&
	    strncmp(g_mime_message_get_message_id(msg), ml->message_id + 1,
		    strlen(g_mime_message_get_message_id(msg))) != 0)
		fail("Message-ID changed", m);
	if (ml->attach) {
		GMimeObject *top = g_mime_message_get_mime_part(msg);

		if (!GMIME_IS_MULTIPART(top) || g_mime_multipart_get_count(GMIME_MULTIPART(top)) != 2)
			fail("attachment: not a two-part multipart", m);
	}
	g_object_unref(msg);
}

/* LLVMFuzzerTestOneInput - compose from the fields of data and check */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *f[NFIELDS + 1] = {0}, *copy;
	struct mail ml = {0};
	struct buf out;
	size_t nf = 0, i, start = 0;

	if (!ready) {
		g_mime_init();
		ready = 1;
	}
	if (size > 256 * 1024)
		return 0;
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0; i < size && nf < NFIELDS; i++)
		if (copy[i] == '\0') {
			f[nf++] = copy + start;
			start = i + 1;
		}
	if (nf < NFIELDS) {
		f[nf++] = copy + start;
		start = size + 1;
	}
	ml.from = f[0] && *f[0] ? f[0] : "abuse@example.net";
	ml.to = f[1] && *f[1] ? f[1] : "owner@example.net";
	ml.organization = f[2];
	ml.subject = f[3] ? f[3] : "";
	ml.message_id = f[4];
	ml.in_reply_to = f[5];
	ml.auto_submitted = f[6] && *f[6] ? f[6] : NULL;
	ml.text = f[7] ? f[7] : "";
	ml.date = 1714557600;
	ml.incident_id = 42;
	if (start <= size) {
		ml.attach = copy + start;
		ml.attach_len = size - start;
	}
	buf_init(&out, 0);
	if (compose_mail(&ml, &out) == 0)
		(void)check_lines(&out, ml.attach != NULL), check_gmime(&out, &ml);
	else if (mime_addr_ok(ml.from) && mime_addr_ok(ml.to))
		abort();   /* only bad addresses (or > 32 MiB) are refused */
	buf_free(&out);
	free(copy);
	return 0;
}

/*
 * mimecmp FILE... - compare parse/mimescan.c with GMime's own parser.
 *
 * Each file is made ready as parse_message does (LF line ends, NULs as
 * spaces, leading blank lines and an mbox "From " line skipped), then read
 * twice: by GMime's parser (embedded messages kept as leaves, as the scanner
 * does) and by mp_parse. Compared: whether there is a message at all, the
 * message headers the readers ask for (first and last occurrence), Subject
 * and Message-ID as GMime's message getters give them, and for every part
 * in order its type, Content-Type parameters, child count, headers,
 * filename and decoded content.
 * One line per difference; the last line is "N passed, N failed" (files).
 * fuzz/fuzz_mime.c includes this file (MIMECMP_NO_MAIN) to do the same on
 * fuzzed input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "../../parse/mimescan.h"
#include "../../util/lsan.h"

static const char *const names[] = {
	"From", "To", "Subject", "Content-Type", "Content-Disposition", "X-ARF", "X-XARF",
	"Message-ID", "Auto-Submitted", "Content-Transfer-Encoding", "X-Failed-Recipients",
	"Precedence", "List-Id", "X-Autoreply", "Return-Path", NULL,
};

static const char *const params[] = { "boundary", "report-type", "charset", "name", "format", NULL };

static const char *cur;
static int diffs, parts;

static void differ(const char *what, int idx, const char *a, const char *b)
{
	if ((a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0))
		return;
	diffs++;
	printf("%s: part %d %s: GMime [%.80s] scanner [%.80s]\n", cur, idx, what,
	       a ? a : "(none)", b ? b : "(none)");
}

/*
 * differ_value - a decoded header value: GMime's as it decodes it, or, where
 * the two differ, the field's raw value (the first or the last of that name)
 * unfolded by GMime and decoded by mp_decode_text. The scanner decodes
 * adjacent base64 words each on its own where GMime loses all after the
 * first one's padding (docs/formats.md; tests/differential/headers.py holds
 * the decoding to Python's): which field and what raw text stay GMime's.
 */
static void differ_value(const char *what, GMimeMessage *msg, const char *name, int last, const char *gm,
			 const char *ours)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader *h = NULL;
	int i, n = g_mime_header_list_get_count(hl);

	if (gm && ours && strcmp(gm, ours) != 0) {
		for (i = 0; i < n; i++) {
			GMimeHeader *x = g_mime_header_list_get_header_at(hl, i);

			if (g_ascii_strcasecmp(g_mime_header_get_name(x), name) == 0) {
				h = x;
				if (!last)
					break;
			}
		}
		if (h && g_mime_header_get_raw_value(h)) {
			char *u = g_mime_utils_header_unfold(g_mime_header_get_raw_value(h));
			char *d = mp_decode_text(u), *o = g_strdup(ours);

			/* blanks the words themselves encode at the ends aside */
			if (strcmp(g_strstrip(d), g_strstrip(o)) == 0)
				gm = NULL, ours = NULL;
			g_free(o);
			g_free(d);
			g_free(u);
		}
	}
	differ(what, -1, gm, ours);
}

static void differ_n(const char *what, int idx, long a, long b)
{
	if (a == b)
		return;
	diffs++;
	printf("%s: part %d %s: GMime %ld scanner %ld\n", cur, idx, what, a, b);
}

/* content - GMime's decoded content of a leaf part */
static GByteArray *content(GMimeObject *o)
{
	GMimeStream *ms = g_mime_stream_mem_new();
	GMimeDataWrapper *dw = g_mime_part_get_content(GMIME_PART(o));
	GByteArray *src, *ba = g_byte_array_new();

	if (dw)
		g_mime_data_wrapper_write_to_stream(dw, ms);
	src = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
	g_byte_array_append(ba, src->data, src->len);
	g_object_unref(ms);
	return ba;
}

static void walk(GMimeObject *g, struct mpart *p, int *idx, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(g);
	int me = (*idx)++, i, n;
	struct mpart *k;
	char t[sizeof p->ctype], *c;   /* the scanner keeps this much of a type name */

	parts++;
	snprintf(t, sizeof t, "%s/%s", g_mime_content_type_get_media_type(ct),
		 g_mime_content_type_get_media_subtype(ct));
	for (c = t; *c; c++)
		*c = g_ascii_tolower(*c);
	if (!p) {
		diffs++;
		printf("%s: part %d: not found by the scanner (GMime: %s)\n", cur, me, t);
		return;
	}
	differ("type", me, t, p->ctype);
	for (i = 0; params[i]; i++)
		differ(params[i], me, g_mime_content_type_get_parameter(ct, params[i]), mp_param(p, params[i]));
	if (depth > 0)
		for (i = 0; names[i]; i++)
			differ(names[i], me, g_mime_object_get_header(g, names[i]), mp_header(p, names[i]));
	if (GMIME_IS_MULTIPART(g)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(g));
		differ_n("children", me, n, p->nkids);
		if (depth >= PARSE_MIME_STACK - 1)
			return;   /* the scanner stops splitting here on purpose */
		for (i = 0, k = mp_first(p); i < n; i++, k = mp_next(k))
			walk(g_mime_multipart_get_part(GMIME_MULTIPART(g), i), k, idx, depth + 1);
	} else if (GMIME_IS_PART(g)) {
		GByteArray *ba = content(g);
		size_t len = 0;
		char *s = mp_decode(p, SIZE_MAX - 1, &len);

		differ("filename", me, g_mime_part_get_filename(GMIME_PART(g)), mp_filename(p));
		if (len != ba->len || (len && memcmp(s, ba->data, len) != 0)) {
			diffs++;
			printf("%s: part %d: content differs: GMime %u bytes, scanner %zu\n", cur, me, ba->len, len);
		}
		free(s);
		g_byte_array_free(ba, TRUE);
	}
}

/* prepare - what parse_message does before splitting; returns the start, *len its length */
static char *prepare(char *d, size_t *len)
{
	size_t i, n = 0, j;

	for (i = 0; i < *len; i++) {
		if (d[i] == '\r') {
			d[n++] = '\n';
			if (i + 1 < *len && d[i + 1] == '\n')
				i++;
		} else {
			d[n++] = d[i] ? d[i] : ' ';
		}
	}
	d[n] = '\0';
	for (i = 0;;) {
		for (j = i; j < n && (d[j] == ' ' || d[j] == '\t'); j++)
			;
		if (j < n && d[j] == '\n') {
			i = j + 1;
			continue;
		}
		break;
	}
	if (n - i > 5 && memcmp(d + i, "From ", 5) == 0) {
		while (i < n && d[i] != '\n')
			i++;
		if (i < n)
			i++;
	}
	*len = n - i;
	return d + i;
}

/* mimecmp_buf - compare the two readings of d[0..len) (changed in place); 1 when they differ */
static int mimecmp_buf(const char *name, char *d, size_t len)
{
	int before = diffs, idx = 0, i;
	char *s;
	GMimeStream *st;
	GMimeParser *gp;
	GMimeMessage *msg;
	struct mime m;

	cur = name;
	s = prepare(d, &len);
	st = g_mime_stream_mem_new_with_buffer(s, len);
	gp = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(gp, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(gp, NULL);
	mp_parse(&m, s, len);
	differ_n("is a message", -1, msg != NULL, !m.nomsg);
	if (msg && !m.nomsg) {
		const char *gid = g_mime_message_get_message_id(msg), *v;
		char *id = (v = mp_header_last(&m.parts[0], "Message-ID")) ? g_mime_utils_decode_message_id(v) : NULL;

		for (i = 0; names[i]; i++)
			if (strncmp(names[i], "Content-", 8) != 0)   /* GMime keeps those on the part */
				differ_value(names[i], msg, names[i], 0,
					     g_mime_object_get_header(GMIME_OBJECT(msg), names[i]),
					     mp_header(&m.parts[0], names[i]));
		differ_value("subject", msg, "Subject", 1, g_mime_message_get_subject(msg),
			     mp_header_last(&m.parts[0], "Subject"));
		differ("message id", -1, gid, id);
		g_free(id);
		walk(g_mime_message_get_mime_part(msg), &m.parts[0], &idx, 0);
	}
	if (msg)
		g_object_unref(msg);
	mp_free(&m);
	g_object_unref(gp);
	g_object_unref(st);
	return diffs != before;
}

/* mimecmp_init - GMime, with embedded messages kept as leaves as the scanner keeps them */
static void mimecmp_init(void)
{
	static const char *const mt[] = { "rfc822", "rfc2822", "global", "news" };
	size_t i;

	__lsan_disable();
	g_mime_init();
	for (i = 0; i < sizeof mt / sizeof mt[0]; i++)
		g_mime_object_register_type("message", mt[i], GMIME_TYPE_PART);
	__lsan_enable();
}

#ifndef MIMECMP_NO_MAIN
/* compare - one file; 1 when the readings differ or it cannot be read */
static int compare(const char *file)
{
	FILE *fp = fopen(file, "rb");
	char *d;
	long l;
	size_t len;
	int rc;

	if (!fp || fseek(fp, 0, SEEK_END) != 0 || (l = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		printf("%s: cannot read\n", file);
		if (fp)
			fclose(fp);
		return 1;
	}
	d = malloc((size_t)l + 1);
	len = fread(d, 1, (size_t)l, fp);
	fclose(fp);
	rc = mimecmp_buf(file, d, len);
	free(d);
	return rc;
}

int main(int argc, char **argv)
{
	int a, bad = 0;

	mimecmp_init();
	for (a = 1; a < argc; a++)
		bad += compare(argv[a]);
	printf("FIGURE mime: %d messages, %d parts: %d differences from GMime's parser\n", argc - 1, parts, diffs);
	printf("mime: %d passed, %d failed\n", argc - 1 - bad, bad);
	g_mime_shutdown();
	return bad != 0;
}
#endif

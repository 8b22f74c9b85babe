/*
 * original - the reported message: its header block (Message-ID, From, To,
 * Subject, Date, the raw headers) and its Received chain as hops, from raw
 * bytes or from a GMime message part; plus part_text and field_value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"
#include "../util/mem.h"

/* plain_ascii - v has no 8-bit byte and no encoded word: nothing to decode */
static int plain_ascii(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v >= 0x80 || (v[0] == '=' && v[1] == '?'))
			return 0;
	return 1;
}

/* decoded - RFC 2047-decoded, sanitized copy of a header value */
static char *decoded(const char *v)
{
	char *d = NULL, *s;

	if (!plain_ascii(v))
		d = g_mime_utils_header_decode_text(NULL, v);
	s = str_sanitize(d ? d : v, PARSE_MAX_FIELD);
	g_free(d);
	str_trim(s);
	return s;
}

/* set_decoded - *dst = decoded(v) unless already set */
static void set_decoded(char **dst, const char *v)
{
	if (*dst)
		return;
	*dst = decoded(v);
	if (!**dst) {
		free(*dst);
		*dst = NULL;
	}
}

/* add_hop - parse one Received value; relays are appended, others left out */
static void add_hop(struct report *r, const char *v, size_t n)
{
	struct hop h;
	int rc;

	if (r->nhops >= PARSE_MAX_HOPS) {
		report_warn(r, "more than %d Received headers; the rest ignored", PARSE_MAX_HOPS);
		return;
	}
	rc = rcvd_parse(v, n, &h);
	if (rc == 1) {
		/* room for 8, then doubled each time the count reaches a power of two */
		if (r->nhops == 0 || (r->nhops >= 8 && (r->nhops & (r->nhops - 1)) == 0))
			r->hops = xrealloc(r->hops, (r->nhops ? r->nhops * 2 : 8) * sizeof(*r->hops));
		r->hops[r->nhops++] = h;
	} else if (rc < 0) {
		report_warn(r, "Received header not understood: %.80s", v);
	}
}

/* sha256_hex - hex SHA-256 of data */
static char *sha256_hex(const char *data, size_t len)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	char *s;

	g_checksum_update(ck, (const guchar *)data, len);
	s = xstrdup(g_checksum_get_string(ck));
	g_checksum_free(ck);
	return s;
}

/* parse_original_headers - fill r->orig and r->hops from raw header bytes */
void parse_original_headers(struct report *r, const char *hdrs, size_t len, int headers_only)
{
	struct fieldit it;
	struct buf v;
	const char *name;
	size_t nlen, hlen;
	int any = 0;

	if (r->orig.present || !hdrs)
		return;
	buf_init(&v, 0);
	fieldit_init(&it, hdrs, len, 1);
	while (fieldit_next(&it, &name, &nlen, &v)) {
		any = 1;
		if (name_is(name, nlen, "Received"))
			add_hop(r, v.data, v.len);
		else if (name_is(name, nlen, "Message-ID") && !r->orig.message_id)
			r->orig.message_id = angle_strip(v.data);
		else if (name_is(name, nlen, "From"))
			set_decoded(&r->orig.from, v.data);
		else if (name_is(name, nlen, "To"))
			set_decoded(&r->orig.to, v.data);
		else if (name_is(name, nlen, "Subject"))
			set_decoded(&r->orig.subject, v.data);
		else if (name_is(name, nlen, "Date") && !r->orig.date)
			set_str(&r->orig.date, v.data);
	}
	buf_free(&v);
	if (it.capped)
		report_warn(r, "reported message has more than %d header lines; the rest ignored",
			    PARSE_MAX_HEADERS);
	if (!any)
		return;
	r->orig.present = 1;
	hlen = it.body ? (size_t)(it.body - hdrs) : len;
	if (hlen > PARSE_MAX_ORIG_HEADERS) {
		hlen = PARSE_MAX_ORIG_HEADERS;
		report_warn(r, "reported message headers cut at %d bytes", PARSE_MAX_ORIG_HEADERS);
	}
	r->orig.headers = xstrndup(hdrs, hlen);
	r->orig.headers_only = headers_only || !it.body;
	if (!r->orig.headers_only)
		r->orig.body_sha256 = sha256_hex(hdrs, len);
}

/* object_bytes - a memory stream holding the serialized MIME object (caller unrefs) */
static GMimeStream *object_bytes(GMimeObject *o)
{
	GMimeStream *ms = g_mime_stream_mem_new();

	g_mime_object_write_to_stream(o, NULL, ms);
	return ms;
}

/* stream_array - the bytes of a memory stream (valid while the stream lives) */
static GByteArray *stream_array(GMimeStream *ms)
{
	return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
}

/* parse_original_message - the same from a GMimeMessage (message/rfc822 part) */
void parse_original_message(struct report *r, GMimeMessage *m)
{
	GMimeStream *ms;
	GByteArray *ba;

	if (!m || r->orig.present)
		return;
	ms = object_bytes(GMIME_OBJECT(m));
	ba = stream_array(ms);
	parse_original_headers(r, (const char *)ba->data, ba->len, 0);
	g_object_unref(ms);
}

/* part_is_message - a part that carries a whole message: message/rfc822, global, news */
int part_is_message(GMimeObject *o)
{
	GMimeContentType *ct;

	if (!o || GMIME_IS_MESSAGE_PART(o))
		return o != NULL;
	if (!GMIME_IS_PART(o) || !(ct = g_mime_object_get_content_type(o)))
		return 0;
	return g_mime_content_type_is_type(ct, "message", "rfc822") ||
	       g_mime_content_type_is_type(ct, "message", "rfc2822") ||
	       g_mime_content_type_is_type(ct, "message", "global") ||
	       g_mime_content_type_is_type(ct, "message", "news");
}

/* raw_content - the bytes of an unencoded leaf part in the parser's buffer, or NULL */
static const char *raw_content(GMimePart *part, size_t *len)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *st = dw ? g_mime_data_wrapper_get_stream(dw) : NULL;
	GMimeContentEncoding enc = dw ? g_mime_data_wrapper_get_encoding(dw) : GMIME_CONTENT_ENCODING_DEFAULT;
	GByteArray *ba;
	gint64 start, end;

	if (!st || !GMIME_IS_STREAM_MEM(st) || (enc != GMIME_CONTENT_ENCODING_DEFAULT &&
	    enc != GMIME_CONTENT_ENCODING_7BIT && enc != GMIME_CONTENT_ENCODING_8BIT &&
	    enc != GMIME_CONTENT_ENCODING_BINARY))
		return NULL;
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
	start = st->bound_start;
	end = st->bound_end < 0 ? (gint64)ba->len : st->bound_end;
	if (!ba || start < 0 || end < start || end > (gint64)ba->len)
		return NULL;
	*len = (size_t)(end - start);
	return (const char *)ba->data + start;
}

/* parse_original_part - the same from a part carrying the message (see part_is_message) */
void parse_original_part(struct report *r, GMimeObject *part)
{
	const char *raw;
	char *t;
	size_t n = 0;

	if (!part || r->orig.present)
		return;
	if (GMIME_IS_MESSAGE_PART(part)) {
		parse_original_message(r, g_mime_message_part_get_message(GMIME_MESSAGE_PART(part)));
		return;
	}
	if (GMIME_IS_PART(part) && (raw = raw_content(GMIME_PART(part), &n)) != NULL) {
		parse_original_headers(r, raw, n, 0);
		return;
	}
	t = part_bytes(part, SIZE_MAX - 1, &n);
	if (t)
		parse_original_headers(r, t, n, 0);
	free(t);
}

/* part_bytes - decoded content of a part, binary, NUL-terminated, capped at max */
char *part_bytes(GMimeObject *part, size_t max, size_t *len)
{
	GMimeStream *ms;
	GByteArray *ba;
	GMimeDataWrapper *dw;
	char *s;
	size_t n;

	if (len)
		*len = 0;
	if (!part)
		return NULL;
	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));

		if (!m)
			return NULL;
		ms = object_bytes(GMIME_OBJECT(m));
	} else if (GMIME_IS_PART(part)) {
		dw = g_mime_part_get_content(GMIME_PART(part));
		if (!dw)
			return NULL;
		ms = g_mime_stream_mem_new();
		g_mime_data_wrapper_write_to_stream(dw, ms);
	} else {
		return NULL;
	}
	ba = stream_array(ms);
	n = ba->len < max ? ba->len : max;
	s = xmalloc(n + 1);
	if (n)
		memcpy(s, ba->data, n);
	s[n] = '\0';
	g_object_unref(ms);
	if (len)
		*len = n;
	return s;
}

/* part_text - decoded content of a leaf part as a NUL-terminated string, capped at max */
char *part_text(GMimeObject *part, size_t max, size_t *len)
{
	size_t n = 0, i;
	char *s = part_bytes(part, max, &n);

	for (i = 0; s && i < n; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	if (len)
		*len = n;
	return s;
}

/* field_value - the value of "Name:" in a field block (first match, unfolded), or NULL */
char *field_value(const char *block, size_t len, const char *name)
{
	struct fieldit it;
	struct buf v;
	const char *n;
	size_t nlen;
	char *res = NULL;

	if (!block)
		return NULL;
	buf_init(&v, 0);
	fieldit_init(&it, block, len, 0);
	while (fieldit_next(&it, &n, &nlen, &v)) {
		if (name_is(n, nlen, name)) {
			res = buf_steal(&v);
			break;
		}
	}
	buf_free(&v);
	return res;
}

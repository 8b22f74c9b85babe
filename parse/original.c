/*
 * original - the reported message: its header block (Message-ID, From, To,
 * Subject, Date, the raw headers) and its Received chain as hops, from raw
 * bytes or from a message part; plus part_text and field_value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"
#include "../util/mem.h"
#include "../util/sha256.h"

/* decoded - RFC 2047-decoded, sanitized copy of a header value */
static char *decoded(const char *v)
{
	char *d = NULL, *s;

	if (mp_needs_decoding(v))
		d = mp_decode_text(v);
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

/* sha256_hex_dup - hex SHA-256 of data in a new string (util/sha256.h has
 * sha256_hex itself, into a caller's buffer) */
static char *sha256_hex_dup(const char *data, size_t len)
{
	char *s = xmalloc(65);

	sha256_hex(data, len, s);
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
	/* the body alone: each reporter's MTA adds its own Received lines above
	 * the same spam, so a digest of the headers would never match */
	if (!r->orig.headers_only)
		r->orig.body_sha256 = sha256_hex_dup(it.body, len - (size_t)(it.body - hdrs));
}

/* part_is_message - a part that carries a whole message: message/rfc822, global, news */
int part_is_message(const struct mpart *o)
{
	return o && !o->multipart &&
	       (mp_is(o, "message", "rfc822") || mp_is(o, "message", "rfc2822") ||
		mp_is(o, "message", "global") || mp_is(o, "message", "news"));
}

/* parse_original_part - the same from a part carrying the message (see part_is_message) */
void parse_original_part(struct report *r, struct mpart *part)
{
	const char *raw;
	char *t;
	size_t n = 0;

	if (!part || r->orig.present)
		return;
	if ((raw = mp_raw(part, &n)) != NULL) {
		parse_original_headers(r, raw, n, 0);
		return;
	}
	t = mp_decode(part, SIZE_MAX - 1, &n);
	if (t)
		parse_original_headers(r, t, n, 0);
	free(t);
}

/* part_text - decoded content of a leaf part as a NUL-terminated string, capped at max */
char *part_text(struct mpart *part, size_t max, size_t *len)
{
	size_t n = 0;
	char *s = mp_decode(part, max, &n), *z = s;

	while (z && (z = memchr(z, '\0', (size_t)(s + n - z))) != NULL)
		*z++ = ' ';
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

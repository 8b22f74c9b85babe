/*
 * dmarc - DMARC aggregate reports (rua: XML, gzip or zip attachment) and the
 * bounce-like test that sends other mail to the DSN reader. DMARC failure
 * reports (ruf) are ARF auth-failure reports and stay with arf.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gio/gio.h>

#include "parse_int.h"
#include "../util/mem.h"

#define DMARC_MAX_XML (16 * 1024 * 1024)

/* inflate - gzip or raw deflate data into a capped buffer; NULL on failure */
static char *inflate(const unsigned char *d, size_t n, GZlibCompressorFormat fmt, size_t *outlen)
{
	GConverter *z = G_CONVERTER(g_zlib_decompressor_new(fmt));
	struct buf out;
	char chunk[65536];
	size_t rd, wr;
	GConverterResult res;
	GError *err = NULL;

	buf_init(&out, DMARC_MAX_XML);
	for (;;) {
		res = g_converter_convert(z, d, n, chunk, sizeof(chunk), G_CONVERTER_INPUT_AT_END,
					  &rd, &wr, &err);
		if (res == G_CONVERTER_ERROR || buf_append(&out, chunk, wr) != 0)
			break;
		d += rd;
		n -= rd;
		if (res == G_CONVERTER_FINISHED) {
			char *x;

			g_object_unref(z);
			*outlen = out.len;
			x = buf_steal(&out);
			buf_free(&out);
			return x;
		}
	}
	if (err)
		g_error_free(err);
	g_object_unref(z);
	buf_free(&out);
	return NULL;
}

/* unzip_first - inflate the first member of a zip archive */
static char *unzip_first(const unsigned char *d, size_t n, size_t *outlen)
{
	uint16_t method, nlen, xlen;
	size_t off;

	if (n < 30 || memcmp(d, "PK\3\4", 4) != 0)
		return NULL;
	method = (uint16_t)(d[8] | d[9] << 8);
	nlen = (uint16_t)(d[26] | d[27] << 8);
	xlen = (uint16_t)(d[28] | d[29] << 8);
	off = 30 + (size_t)nlen + xlen;
	if (off >= n)
		return NULL;
	if (method == 0) {
		*outlen = strnlen((const char *)d + off, n - off);
		return xstrndup((const char *)d + off, *outlen);
	}
	return method == 8 ? inflate(d + off, n - off, G_ZLIB_COMPRESSOR_FORMAT_RAW, outlen) : NULL;
}

/* xml_text - text of the first <tag> after p, or NULL */
static char *xml_text(const char *x, size_t n, const char *tag)
{
	char open[64], close[64];
	const char *s, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if (!(s = mem_casestr(x, n, open)))
		return NULL;
	s += strlen(open);
	if (!(e = mem_casestr(s, (size_t)(x + n - s), close)))
		return NULL;
	return str_trim(xstrndup(s, (size_t)(e - s) > PARSE_MAX_FIELD ? PARSE_MAX_FIELD : (size_t)(e - s)));
}

/* dmarc_xml - the aggregate report's summary into the model */
static void dmarc_xml(struct report *r, const char *x, size_t n)
{
	char *v;
	const char *p = x, *end = x + n;
	long records = 0, begin;

	if ((v = xml_text(x, n, "policy_published")) != NULL) {
		char *d = xml_text(v, strlen(v), "domain");

		list_add(r, &r->reported_domains, d, "domains");
		free(d);
		free(v);
	}
	if ((v = xml_text(x, n, "begin")) != NULL) {
		if (str_to_long(v, 0, 0x7fffffffL, &begin) == 0) {
			char out[32];

			r->arrival = (time_t)begin;
			time_rfc3339(r->arrival, out);
			set_str(&r->arrival_date, out);
		}
		free(v);
	}
	if ((v = xml_text(x, n, "org_name")) != NULL) {
		set_str(&r->user_agent, v);
		free(v);
	}
	while ((p = mem_casestr(p, (size_t)(end - p), "<record>")) != NULL) {
		records++;
		p += 8;
	}
	if (records > 0)
		r->incidents = records;
}

/* dmarc_parse - a DMARC aggregate report; 1 when taken */
int dmarc_parse(struct pctx *c, struct report *r)
{
	const char *s = r->subject;
	char *t, *x = NULL;
	size_t n, xl = 0;
	int subj = s && (mem_casestr(s, strlen(s), "dmarc") || mem_casestr(s, strlen(s), "Report domain"));

	if (!c->dmarc)
		return 0;
	t = mp_decode(c->dmarc, DMARC_MAX_XML, &n);
	if (!t)
		return 0;
	if (n > 2 && (unsigned char)t[0] == 0x1f && (unsigned char)t[1] == 0x8b)
		x = inflate((unsigned char *)t, n, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &xl);
	else if (n > 4 && !memcmp(t, "PK\3\4", 4))
		x = unzip_first((unsigned char *)t, n, &xl);
	else {
		x = t;
		xl = n;
		t = NULL;
	}
	if (x && mem_casestr(x, xl > 4096 ? 4096 : xl, "<feedback")) {
		r->format = FMT_DMARC;
		dmarc_xml(r, x, xl);
	} else if (subj && !x) {
		r->format = FMT_DMARC;
		report_warn(r, "DMARC report attachment could not be decompressed");
	}
	free(t);
	free(x);
	if (r->format != FMT_DMARC)
		return 0;
	set_str(&r->category, "dmarc-aggregate");
	set_str(&r->feedback_type, "dmarc-aggregate");
	return 1;
}

/* bounce_like - From/Subject of a non-delivery notice */
int bounce_like(struct pctx *c)
{
	struct mpart *m = c->msg;
	const char *s = hdr(m, "Subject");

	if (header_is(m, "From", "mailer-daemon") || header_is(m, "From", "postmaster@") ||
	    header_is(m, "From", "post_master@") ||      /* Apache James */
	    header_is(m, "Return-Path", "<>") || hdr(m, "X-Failed-Recipients"))
		return 1;
	/* Amazon SES bounce and delivery notifications arrive as SNS JSON mail */
	if (header_is(m, "From", "@sns.amazonaws.com") || hdr(m, "x-amz-sns-message-id"))
		return 1;
	return s && dsn_subject_bounce(s, strlen(s));
}

/*
 * dmarc - DMARC aggregate reports (rua): the XML, gzip or zip attachment
 * inflated (capped at DMARC_MAX_XML) and handed to rua.c, and the bounce-like
 * test that sends other mail to the DSN reader. DMARC failure reports (ruf)
 * are ARF auth-failure reports and stay with arf.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gio/gio.h>

#include "parse_int.h"
#include "../util/mem.h"

#define DMARC_MAX_XML (16 * 1024 * 1024)

/* memdup0 - n bytes and a NUL */
static char *memdup0(const void *p, size_t n)
{
	char *x = xmalloc(n + 1);

	memcpy(x, p, n);
	x[n] = '\0';
	return x;
}

/* Why an inflate stopped short of the end of the stream. */
enum { INF_OK = 0, INF_CUT, INF_BROKEN };

/*
 * inflate - gzip or raw deflate data into a buffer capped at DMARC_MAX_XML;
 * NULL when nothing came out. *why says whether the output was cut at the cap
 * (INF_CUT) or the stream broke or ended early (INF_BROKEN): what came out
 * before is kept.
 */
static char *inflate(const unsigned char *d, size_t n, GZlibCompressorFormat fmt, size_t *outlen,
		     int *why)
{
	GConverter *z = G_CONVERTER(g_zlib_decompressor_new(fmt));
	struct buf out;
	char chunk[65536];
	size_t rd, wr;
	GConverterResult res;
	GError *err = NULL;
	char *x;

	*why = INF_BROKEN;
	buf_init(&out, DMARC_MAX_XML);
	for (;;) {
		res = g_converter_convert(z, d, n, chunk, sizeof(chunk), G_CONVERTER_INPUT_AT_END,
					  &rd, &wr, &err);
		if (res == G_CONVERTER_ERROR)
			break;
		if (wr > DMARC_MAX_XML - out.len) {
			buf_append(&out, chunk, DMARC_MAX_XML - out.len);
			*why = INF_CUT;
			break;
		}
		buf_append(&out, chunk, wr);
		d += rd;
		n -= rd;
		if (res == G_CONVERTER_FINISHED) {
			*why = INF_OK;
			break;
		}
		if (rd == 0 && wr == 0)
			break;   /* no progress: the stream ended early */
	}
	if (err)
		g_error_free(err);
	g_object_unref(z);
	if (out.len == 0) {
		buf_free(&out);
		return NULL;
	}
	*outlen = out.len;
	x = buf_steal(&out);
	buf_free(&out);
	return x;
}

/* unzip_first - the first member of a zip archive (stored or deflated) */
static char *unzip_first(const unsigned char *d, size_t n, size_t *outlen, int *why)
{
	uint16_t flags, method, nlen, xlen;
	uint32_t csize;
	size_t off, len;

	*why = INF_OK;
	if (n < 30 || memcmp(d, "PK\3\4", 4) != 0)
		return NULL;
	flags = (uint16_t)(d[6] | d[7] << 8);
	method = (uint16_t)(d[8] | d[9] << 8);
	csize = (uint32_t)d[18] | (uint32_t)d[19] << 8 | (uint32_t)d[20] << 16 | (uint32_t)d[21] << 24;
	nlen = (uint16_t)(d[26] | d[27] << 8);
	xlen = (uint16_t)(d[28] | d[29] << 8);
	off = 30 + (size_t)nlen + xlen;
	if (off >= n)
		return NULL;
	len = n - off;
	/* the local header's size, unless a data descriptor after the data carries it (bit 3) */
	if (!(flags & 0x08) && csize > 0 && csize <= len)
		len = csize;
	else if (!(flags & 0x08) && csize > len)
		*why = INF_BROKEN;
	if (method == 0) {
		if (len > DMARC_MAX_XML) {
			len = DMARC_MAX_XML;
			*why = INF_CUT;
		}
		*outlen = len;
		return memdup0((const char *)d + off, len);
	}
	if (method != 8)
		return NULL;
	{
		int w;
		char *x = inflate(d + off, len, G_ZLIB_COMPRESSOR_FORMAT_RAW, outlen, &w);

		if (w != INF_OK)
			*why = w;
		return x;
	}
}

/* dmarc_parse - a DMARC aggregate report; 1 when taken */
int dmarc_parse(struct pctx *c, struct report *r)
{
	const char *s = r->subject;
	char *t, *x = NULL;
	size_t n, xl = 0;
	int why = INF_OK;
	int subj = s && (mem_casestr(s, strlen(s), "dmarc") || mem_casestr(s, strlen(s), "Report domain"));

	if (!c->dmarc)
		return 0;
	t = mp_decode(c->dmarc, DMARC_MAX_XML, &n);
	if (!t)
		return 0;
	if (n > 2 && (unsigned char)t[0] == 0x1f && (unsigned char)t[1] == 0x8b)
		x = inflate((unsigned char *)t, n, G_ZLIB_COMPRESSOR_FORMAT_GZIP, &xl, &why);
	else if (n > 4 && !memcmp(t, "PK\3\4", 4))
		x = unzip_first((unsigned char *)t, n, &xl, &why);
	else {
		x = t;
		xl = n;
		t = NULL;
	}
	if (x && mem_casestr(x, xl > 4096 ? 4096 : xl, "feedback")) {
		r->format = FMT_DMARC;
		if (rua_read(r, x, xl) != 0)
			report_warn(r, "DMARC report XML unreadable before its <feedback> element");
		if (why == INF_CUT)
			report_warn(r, "DMARC report larger than %d MB uncompressed; cut there",
				    DMARC_MAX_XML / (1024 * 1024));
		else if (why == INF_BROKEN)
			report_warn(r, "DMARC report attachment's compressed data broken or cut short");
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

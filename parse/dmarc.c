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
#include "../util/ipaddr.h"
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

/* The elements of RFC 7489 appendix C that are read; anything else is T_OTHER. */
enum tag {
	T_OTHER = 0, T_FEEDBACK, T_META, T_ORG, T_EMAIL, T_RID, T_RANGE, T_BEGIN, T_END,
	T_POLICY, T_DOMAIN, T_ADKIM, T_ASPF, T_P, T_SP, T_PCT, T_RECORD, T_ROW, T_SRCIP,
	T_COUNT, T_PEVAL, T_DISP, T_DKIM, T_SPF, T_IDENT, T_HFROM
};

static const char *const tag_names[] = {
	"", "feedback", "report_metadata", "org_name", "email", "report_id", "date_range",
	"begin", "end", "policy_published", "domain", "adkim", "aspf", "p", "sp", "pct",
	"record", "row", "source_ip", "count", "policy_evaluated", "disposition", "dkim", "spf",
	"identifiers", "header_from"
};

/* The state of one GMarkup pass over the XML. */
struct rx {
	struct report *r;
	struct rua *u;
	unsigned char stack[PARSE_MAX_XML_DEPTH];  /* enum tag of each open element */
	int depth;
	int base;                  /* depth of the open <feedback> element, -1 before it */
	struct buf text;           /* text of the open leaf, capped at PARSE_MAX_FIELD */
	int in_record;
	struct rua_record rec;     /* the open <record> */
	int bad_ip, bad_count;
	int done;                  /* </feedback> seen: the parse was stopped there */     /* rows dropped or zeroed, for one warning each */
};

/* tag_of - the element's enum tag; a namespace prefix ("dmarc:record") is ignored */
static enum tag tag_of(const char *name)
{
	const char *c = strrchr(name, ':');

	if (c)
		name = c + 1;
	for (size_t i = 1; i < sizeof(tag_names) / sizeof(tag_names[0]); i++)
		if (strcmp(name, tag_names[i]) == 0)
			return (enum tag)i;
	return T_OTHER;
}

/* at - 1 when the open elements are exactly feedback/a/b/.. (n of them after <feedback>) */
static int at(const struct rx *x, int n, const enum tag *path)
{
	if (x->base < 0 || x->depth != x->base + n + 1)
		return 0;
	for (int i = 0; i < n; i++)
		if (x->stack[x->base + i + 1] != path[i])
			return 0;
	return 1;
}

#define AT(x, ...) at((x), (int)(sizeof((enum tag[]){ __VA_ARGS__ }) / sizeof(enum tag)), \
		      (enum tag[]){ __VA_ARGS__ })

static void x_start(GMarkupParseContext *ctx, const char *name, const char **an, const char **av,
		    gpointer data, GError **err)
{
	struct rx *x = data;
	enum tag t = tag_of(name);

	(void)ctx;
	(void)an;
	(void)av;
	if (x->depth >= PARSE_MAX_XML_DEPTH) {
		g_set_error_literal(err, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "too deep");
		return;
	}
	/*
	 * The report is the first <feedback> element: the root, or one a sender
	 * wrapped in something else (an XML Schema element left open around it)
	 */
	if (t == T_FEEDBACK && x->base < 0 && !x->u->present) {
		x->base = x->depth;
		x->u->present = 1;
	}
	x->stack[x->depth++] = (unsigned char)t;
	buf_reset(&x->text);
	if (AT(x, T_RECORD)) {
		rua_record_free(&x->rec);
		x->rec.count = -1;
		x->in_record = 1;
	}
}

static void x_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data, GError **err)
{
	struct rx *x = data;
	size_t room = PARSE_MAX_FIELD - x->text.len;

	(void)ctx;
	(void)err;
	if (x->depth < 2)
		return;
	buf_append(&x->text, text, len < room ? len : room);
}

/* leaf - the trimmed text of the element being closed (owned by x) */
static char *leaf(struct rx *x)
{
	if (buf_putc(&x->text, '\0') != 0 || x->text.data == NULL)
		return NULL;
	x->text.len--;
	return str_trim(x->text.data);
}

/* epoch - a date_range bound: seconds since 1970 (a fraction is dropped) */
static long epoch(const char *v)
{
	char tmp[32];
	long n;
	const char *dot = strchr(v, '.');
	size_t l = dot ? (size_t)(dot - v) : strlen(v);

	if (l == 0 || l >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, l);
	tmp[l] = '\0';
	return str_to_long(tmp, 0, 0x7fffffffffffL, &n) == 0 ? n : -1;
}

/* record_end - count a closed <record> and keep it while under the cap */
static void record_end(struct rx *x)
{
	struct rua *u = x->u;
	struct rua_record *rec = &x->rec;
	long n = rec->count > 0 ? rec->count : 0;

	x->in_record = 0;
	u->record_count++;
	if (rec->count < 0) {
		rec->count = 0;
		x->bad_count++;
	}
	u->messages += n;
	if (rec->dkim && rec->spf && !strcasecmp(rec->dkim, "fail") && !strcasecmp(rec->spf, "fail"))
		u->failing += n;
	if (u->nrecords >= PARSE_MAX_RUA_RECORDS) {
		u->records_truncated = 1;
		rua_record_free(rec);
		return;
	}
	if (u->nrecords % 64 == 0)
		u->records = xrealloc(u->records, (u->nrecords + 64) * sizeof(*u->records));
	u->records[u->nrecords++] = *rec;
	memset(rec, 0, sizeof(*rec));
}

static void x_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **err)
{
	struct rx *x = data;
	struct rua *u = x->u;
	struct rua_record *rec = &x->rec;
	char *v;
	long n;

	(void)ctx;
	(void)name;
	if (x->depth == 0)
		return;
	v = leaf(x);
	if (!v) {
		;
	} else if (AT(x, T_META, T_ORG)) {
		set_str(&u->org_name, v);
	} else if (AT(x, T_META, T_EMAIL)) {
		set_str(&u->email, v);
	} else if (AT(x, T_META, T_RID)) {
		set_str(&u->report_id, v);
	} else if (AT(x, T_META, T_RANGE, T_BEGIN)) {
		u->begin = epoch(v);
	} else if (AT(x, T_META, T_RANGE, T_END)) {
		u->end = epoch(v);
	} else if (AT(x, T_POLICY, T_DOMAIN)) {
		set_str_lower(&u->domain, v);
	} else if (AT(x, T_POLICY, T_P)) {
		set_str_lower(&u->p, v);
	} else if (AT(x, T_POLICY, T_SP)) {
		set_str_lower(&u->sp, v);
	} else if (AT(x, T_POLICY, T_ADKIM)) {
		set_str_lower(&u->adkim, v);
	} else if (AT(x, T_POLICY, T_ASPF)) {
		set_str_lower(&u->aspf, v);
	} else if (AT(x, T_POLICY, T_PCT)) {
		u->pct = str_to_long(v, 0, 100, &n) == 0 ? n : -1;
	} else if (AT(x, T_RECORD, T_ROW, T_SRCIP)) {
		char ip[46];

		if (ip_normalize(v, ip) == 0)
			set_str(&rec->source_ip, ip);
		else if (*v)
			x->bad_ip++;
	} else if (AT(x, T_RECORD, T_ROW, T_COUNT)) {
		rec->count = str_to_long(v, 0, 0x7fffffffL, &n) == 0 ? n : -1;
	} else if (AT(x, T_RECORD, T_ROW, T_PEVAL, T_DISP)) {
		set_str_lower(&rec->disposition, v);
	} else if (AT(x, T_RECORD, T_ROW, T_PEVAL, T_DKIM)) {
		set_str_lower(&rec->dkim, v);
	} else if (AT(x, T_RECORD, T_ROW, T_PEVAL, T_SPF)) {
		set_str_lower(&rec->spf, v);
	} else if (AT(x, T_RECORD, T_IDENT, T_HFROM)) {
		set_str_lower(&rec->header_from, v);
	} else if (AT(x, T_RECORD) && x->in_record) {
		record_end(x);
	}
	buf_reset(&x->text);
	x->depth--;
	if (x->depth == x->base) {
		x->base = -1;     /* </feedback>: what follows is not read */
		g_set_error_literal(err, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "done");
		x->done = 1;
	}
}

/* utf8_text - the XML as valid UTF-8: Latin-1 when its declaration says so, else bad bytes replaced by '?' */
static char *utf8_text(const char *t, size_t n, size_t *outlen, int *bad)
{
	char decl[128];
	size_t dl = n < sizeof(decl) - 1 ? n : sizeof(decl) - 1;
	char *s;

	if (g_utf8_validate(t, (gssize)n, NULL)) {
		*outlen = n;
		return memdup0(t, n);
	}
	memcpy(decl, t, dl);
	decl[dl] = '\0';
	if (strncmp(decl, "<?xml", 5) == 0 && (mem_casestr(decl, dl, "iso-8859-1") ||
	    mem_casestr(decl, dl, "latin1") || mem_casestr(decl, dl, "windows-1252"))) {
		gsize w = 0;

		s = g_convert(t, (gssize)n, "UTF-8", "WINDOWS-1252", NULL, &w, NULL);
		if (s) {
			char *x = memdup0(s, w);

			g_free(s);
			*outlen = w;
			return x;
		}
	}
	/* each byte that does not start a valid sequence becomes '?': the size does not grow */
	*bad = 1;
	s = memdup0(t, n);
	{
		const char *end;
		size_t off = 0;

		while (!g_utf8_validate(s + off, (gssize)(n - off), &end)) {
			off = (size_t)(end - s);
			s[off++] = '?';
		}
	}
	*outlen = n;
	return s;
}

/* dmarc_xml - the aggregate report into r->rua and the summary fields; 0, or -1 when no <feedback> */
static int dmarc_xml(struct report *r, const char *raw, size_t rawlen)
{
	static const GMarkupParser p = { x_start, x_end, x_text, NULL, NULL };
	struct rx x;
	struct rua *u = &r->rua;
	GMarkupParseContext *ctx;
	GError *err = NULL;
	size_t n;
	int ok, bad = 0;
	char *t;

	if (rawlen >= 3 && !memcmp(raw, "\xef\xbb\xbf", 3)) {   /* a UTF-8 byte order mark */
		raw += 3;
		rawlen -= 3;
	}
	t = utf8_text(raw, rawlen, &n, &bad);

	memset(&x, 0, sizeof(x));
	x.r = r;
	x.u = u;
	x.base = -1;
	buf_init(&x.text, PARSE_MAX_FIELD + 1);
	ctx = g_markup_parse_context_new(&p, G_MARKUP_TREAT_CDATA_AS_TEXT, &x, NULL);
	ok = g_markup_parse_context_parse(ctx, t, (gssize)n, &err) &&
	     g_markup_parse_context_end_parse(ctx, &err);
	if (!ok && u->present && !x.done) {
		int line = 0, col = 0;

		g_markup_parse_context_get_position(ctx, &line, &col);
		if (x.depth >= PARSE_MAX_XML_DEPTH)
			report_warn(r, "DMARC report XML nested deeper than %d elements; read up to line %d",
				    PARSE_MAX_XML_DEPTH, line);
		else
			report_warn(r, "DMARC report XML malformed at line %d; what came before it is kept",
				    line);
	}
	if (err)
		g_error_free(err);
	g_markup_parse_context_free(ctx);
	rua_record_free(&x.rec);
	buf_free(&x.text);
	free(t);
	if (!u->present)
		return -1;
	if (bad)
		report_warn(r, "DMARC report XML is not valid UTF-8; bad bytes replaced");
	if (x.bad_ip)
		report_warn(r, "DMARC report: %d source_ip values that are not addresses dropped", x.bad_ip);
	if (x.bad_count)
		report_warn(r, "DMARC report: %d records without a valid count (taken as 0)", x.bad_count);
	if (u->records_truncated)
		report_warn(r, "DMARC report: %ld records, the first %d kept", u->record_count,
			    PARSE_MAX_RUA_RECORDS);
	/* the summary fields every report has */
	if (u->org_name)
		set_str(&r->user_agent, u->org_name);
	if (u->domain)
		list_add(r, &r->reported_domains, u->domain, "domains");
	if (u->begin >= 0) {
		char out[32];

		r->arrival = (time_t)u->begin;
		time_rfc3339(r->arrival, out);
		set_str(&r->arrival_date, out);
	}
	if (u->record_count > 0)
		r->incidents = u->record_count;
	return 0;
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
		if (dmarc_xml(r, x, xl) != 0)
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

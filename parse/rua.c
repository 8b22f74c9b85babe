/*
 * rua - the XML of a DMARC aggregate report (RFC 7489 appendix C; the
 * draft-2.0 namespace too) read with GLib's GMarkup into report.rua.
 *
 * GMarkup knows the five predefined entities and character references and
 * nothing else: no DTD, no external entity, no expansion. The report is the
 * first <feedback> element, and reading stops at its end. Every value is
 * trimmed, capped at PARSE_MAX_FIELD and sanitized (set_str); nesting is
 * capped at PARSE_MAX_XML_DEPTH, rows kept at PARSE_MAX_RUA_RECORDS (all are
 * counted). XML that breaks midway keeps what was read, with a warning.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "parse_int.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"

#define RUA_MAX_UTF8 (16 * 1024 * 1024)   /* the XML after bad bytes are replaced */

/* memdup0 - n bytes and a NUL */
static char *memdup0(const void *p, size_t n)
{
	char *x = xmalloc(n + 1);

	memcpy(x, p, n);
	x[n] = '\0';
	return x;
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
	int bad_ip, bad_count;     /* sources dropped, counts taken as 0: one warning each */
	int done;                  /* </feedback> seen: the parse was stopped there */
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
static int at(const struct rx *x, int n, const unsigned char *path)
{
	if (x->base < 0 || x->depth != x->base + n + 1)
		return 0;
	for (int i = 0; i < n; i++)
		if (x->stack[x->base + i + 1] != path[i])
			return 0;
	return 1;
}

#define AT(x, ...) at((x), (int)sizeof((unsigned char[]){ __VA_ARGS__ }), \
		      (unsigned char[]){ __VA_ARGS__ })

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

/* leaf_text - the trimmed text of the element being closed (owned by x) */
static char *leaf_text(struct rx *x)
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

/* How a leaf's text is stored. */
enum kind { K_STR, K_LOWER, K_EPOCH, K_PCT, K_IP, K_COUNT };

/* The leaves read: their path under <feedback>, and where (in struct rua or, in a row, struct rua_record) */
static const struct leaf {
	int n;
	unsigned char path[4];
	int row;
	enum kind kind;
	size_t off;
} leaves[] = {
	{ 2, { T_META, T_ORG }, 0, K_STR, offsetof(struct rua, org_name) },
	{ 2, { T_META, T_EMAIL }, 0, K_STR, offsetof(struct rua, email) },
	{ 2, { T_META, T_RID }, 0, K_STR, offsetof(struct rua, report_id) },
	{ 3, { T_META, T_RANGE, T_BEGIN }, 0, K_EPOCH, offsetof(struct rua, begin) },
	{ 3, { T_META, T_RANGE, T_END }, 0, K_EPOCH, offsetof(struct rua, end) },
	{ 2, { T_POLICY, T_DOMAIN }, 0, K_LOWER, offsetof(struct rua, domain) },
	{ 2, { T_POLICY, T_P }, 0, K_LOWER, offsetof(struct rua, p) },
	{ 2, { T_POLICY, T_SP }, 0, K_LOWER, offsetof(struct rua, sp) },
	{ 2, { T_POLICY, T_ADKIM }, 0, K_LOWER, offsetof(struct rua, adkim) },
	{ 2, { T_POLICY, T_ASPF }, 0, K_LOWER, offsetof(struct rua, aspf) },
	{ 2, { T_POLICY, T_PCT }, 0, K_PCT, offsetof(struct rua, pct) },
	{ 3, { T_RECORD, T_ROW, T_SRCIP }, 1, K_IP, offsetof(struct rua_record, source_ip) },
	{ 3, { T_RECORD, T_ROW, T_COUNT }, 1, K_COUNT, offsetof(struct rua_record, count) },
	{ 4, { T_RECORD, T_ROW, T_PEVAL, T_DISP }, 1, K_LOWER, offsetof(struct rua_record, disposition) },
	{ 4, { T_RECORD, T_ROW, T_PEVAL, T_DKIM }, 1, K_LOWER, offsetof(struct rua_record, dkim) },
	{ 4, { T_RECORD, T_ROW, T_PEVAL, T_SPF }, 1, K_LOWER, offsetof(struct rua_record, spf) },
	{ 3, { T_RECORD, T_IDENT, T_HFROM }, 1, K_LOWER, offsetof(struct rua_record, header_from) },
};

/* store - the text v of leaf l into the report or the open row */
static void store(struct rx *x, const struct leaf *l, const char *v)
{
	char *at = l->row ? (char *)&x->rec : (char *)x->u;
	char ip[46];
	long n;

	switch (l->kind) {
	case K_STR:
		set_str((char **)(void *)(at + l->off), v);
		break;
	case K_LOWER:
		set_str_lower((char **)(void *)(at + l->off), v);
		break;
	case K_EPOCH:
		*(long *)(void *)(at + l->off) = epoch(v);
		break;
	case K_PCT:
		*(long *)(void *)(at + l->off) = str_to_long(v, 0, 100, &n) == 0 ? n : -1;
		break;
	case K_COUNT:
		*(long *)(void *)(at + l->off) = str_to_long(v, 0, 0x7fffffffL, &n) == 0 ? n : -1;
		break;
	case K_IP:
		if (ip_normalize(v, ip) == 0)
			set_str((char **)(void *)(at + l->off), ip);
		else if (*v)
			x->bad_ip++;
		break;
	}
}

static void x_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **err)
{
	struct rx *x = data;
	const char *v;

	(void)ctx;
	(void)name;
	if (x->depth == 0)
		return;
	if (AT(x, T_RECORD) && x->in_record)
		record_end(x);
	else if ((v = leaf_text(x)) != NULL)
		for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
			if (at(x, leaves[i].n, leaves[i].path)) {
				store(x, &leaves[i], v);
				break;
			}
	buf_reset(&x->text);
	if (--x->depth == x->base) {
		x->base = -1;     /* </feedback>: what follows is not read */
		g_set_error_literal(err, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "done");
		x->done = 1;
	}
}

/* utf8_text - the XML as valid UTF-8: Latin-1 when its declaration says so, else bad bytes replaced by U+FFFD */
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
	/* each byte that does not start a valid sequence becomes U+FFFD, the whole capped as before */
	*bad = 1;
	{
		struct buf o;
		const char *end, *p = t, *e = t + n;

		buf_init(&o, RUA_MAX_UTF8);
		while (p < e) {
			g_utf8_validate(p, (gssize)(e - p), &end);
			if (buf_append(&o, p, (size_t)(end - p)) != 0)
				break;
			if (end < e && buf_append(&o, "\xef\xbf\xbd", 3) != 0)
				break;
			p = end < e ? end + 1 : e;
		}
		*outlen = o.len;
		s = o.data ? buf_steal(&o) : memdup0("", 0);
		buf_free(&o);
	}
	return s;
}

/* rua_read - the aggregate report into r->rua and the summary fields; 0, or -1 when no <feedback> */
int rua_read(struct report *r, const char *raw, size_t rawlen)
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

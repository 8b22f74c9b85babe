/*
 * acns - ACNS copyright notices: the <Infringement> XML (ACNS 2.0) that DMCA
 * mails carry in their text or as an .xml attachment. The fields that map
 * onto the model are read from the <Source> element (TimeStamp, IP_Address,
 * Port, Type or SubType Protocol) and the first <Content><Item> (Title),
 * the reporter from <Complainant><Email>. The XML is read by tag search
 * inside the <Infringement> element only: no entities are expanded, no DTD
 * read; values are capped and their XML escapes for & < > " ' undone.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"

#define ACNS_MAX_XML   (256 * 1024)   /* bytes of an ACNS block looked at */
#define ACNS_MAX_VALUE 512            /* bytes of one value */

/* element - the text of the first <name ...>text</name> in [s, e); NULL (caller frees) */
static char *element(const char *s, const char *e, const char *name, const char **end)
{
	char open[64], close[64];
	const char *p = s, *v, *c;
	size_t ol;

	snprintf(open, sizeof(open), "<%s", name);
	snprintf(close, sizeof(close), "</%s>", name);
	ol = strlen(open);
	while ((p = mem_casestr(p, (size_t)(e - p), open)) != NULL) {
		if (p + ol < e && (p[ol] == '>' || p[ol] == ' ' || p[ol] == '\t' || p[ol] == '\n'))
			break;
		p += ol;
	}
	if (p == NULL || (v = memchr(p, '>', (size_t)(e - p))) == NULL)
		return NULL;
	if (v[-1] == '/') {            /* <name .../>: empty, but its attributes may matter */
		if (end)
			*end = v + 1;
		return xstrndup(p, (size_t)(v + 1 - p));
	}
	v++;
	if ((c = mem_casestr(v, (size_t)(e - v), close)) == NULL)
		return NULL;
	if (end)
		*end = c + strlen(close);
	return xstrndup(v, (size_t)(c - v) > ACNS_MAX_VALUE ? ACNS_MAX_VALUE : (size_t)(c - v));
}

/* unescape - the five predefined XML escapes undone, blanks trimmed (in place) */
static char *unescape(char *s)
{
	static const struct { const char *e; char c; } map[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	char *o = s, *p = s, *end;

	if (s == NULL)
		return NULL;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!strncmp(p, "<![CDATA[", 9) && (end = strstr(p, "]]>")) != NULL) {
		*end = '\0';
		p += 9;
	}
	while (*p) {
		size_t i;

		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strncmp(p, map[i].e, strlen(map[i].e)))
				break;
		if (i < sizeof(map) / sizeof(map[0])) {
			*o++ = map[i].c;
			p += strlen(map[i].e);
		} else {
			*o++ = *p++;
		}
	}
	while (o > s && (o[-1] == ' ' || o[-1] == '\t' || o[-1] == '\n'))
		o--;
	*o = '\0';
	return s;
}

/* attr - the value of attribute name="..." in the tag text t; NULL (caller frees) */
static char *attr(const char *t, const char *name)
{
	char key[64];
	const char *p, *q;

	if (t == NULL)
		return NULL;
	snprintf(key, sizeof(key), "%s=\"", name);
	if ((p = mem_casestr(t, strlen(t), key)) == NULL)
		return NULL;
	p += strlen(key);
	if ((q = strchr(p, '"')) == NULL || q - p > 64)
		return NULL;
	return xstrndup(p, (size_t)(q - p));
}

/* acns_xml - read the <Infringement> block [s, e); 1 when it named a source or a title */
static int acns_xml(struct report *r, const char *s, const char *e)
{
	const char *se = NULL;
	char *src = element(s, e, "Source", &se), *v, *sub;
	char *comp = element(s, e, "Complainant", NULL), *content = element(s, e, "Content", NULL);
	long port;
	int got = 0;

	if (src) {
		const char *a = src, *b = src + strlen(src);

		if ((v = unescape(element(a, b, "IP_Address", NULL))) != NULL && set_source_ip(r, v)) {
			set_str(&r->source_field, "ACNS Source IP_Address");
			r->source_sure = SRC_SURE_HIGH;
			got = 1;
		}
		free(v);
		if ((v = unescape(element(a, b, "Port", NULL))) != NULL && str_to_long(v, 1, 65535, &port) == 0)
			r->source_port = (int)port;
		free(v);
		if ((v = unescape(element(a, b, "TimeStamp", NULL))) != NULL && !r->arrival_date)
			set_arrival(r, v);
		free(v);
		sub = element(a, b, "SubType", NULL);
		if ((v = attr(sub, "Protocol")) == NULL)
			v = unescape(element(a, b, "Type", NULL));
		if (v && *v)
			set_str_lower(&r->protocol, v);
		free(v);
		free(sub);
	}
	if (content && (v = unescape(element(content, content + strlen(content), "Title", NULL))) != NULL) {
		if (*v) {
			set_str(&r->content_title, v);
			got = 1;
		}
		free(v);
	}
	if (comp && (v = unescape(element(comp, comp + strlen(comp), "Email", NULL))) != NULL) {
		char *a = addr_only(v);

		if (a)
			set_str(&r->reporter, a);
		free(a);
		free(v);
	}
	free(src);
	free(comp);
	free(content);
	return got;
}

/* find_block - the <Infringement ...>...</Infringement> block in t, or NULL */
static const char *find_block(const char *t, size_t n, const char **end)
{
	const char *b = mem_casestr(t, n, "<Infringement"), *e;

	if (b == NULL)
		return NULL;
	n -= (size_t)(b - t);
	if (n > ACNS_MAX_XML)
		n = ACNS_MAX_XML;
	if ((e = mem_casestr(b, n, "</Infringement>")) == NULL)
		return NULL;
	*end = e;
	return b;
}

/* acns_parse - an ACNS notice in the text or an XML attachment; 1 when taken */
int acns_parse(struct pctx *c, struct report *r)
{
	const char *b = NULL, *e = NULL;
	char *x = NULL;
	size_t n = 0;
	int got, named;

	if (c->body_text)
		b = find_block(c->body_text, c->body_text_len, &e);
	if (b == NULL && c->dmarc && (x = part_text(c->dmarc, ACNS_MAX_XML, &n)) != NULL)
		b = find_block(x, n, &e);
	if (b == NULL) {
		free(x);
		return 0;
	}
	got = acns_xml(r, b, e);
	/* b and e point into x when the notice was attached: read before freeing */
	named = mem_casestr(b, (size_t)(e - b), "acns") != NULL;
	free(x);
	if (!got) {
		report_warn(r, "ACNS notice names no source address or title");
		if (!named)
			return 0;
	}
	r->format = FMT_ACNS;
	return 1;
}

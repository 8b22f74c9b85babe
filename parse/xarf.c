/*
 * xarf - X-ARF reports: 0.1/0.2 (mail header "X-ARF: YES" or "X-XARF: PLAIN",
 * a YAML report.txt in any transfer encoding) and JSON X-ARF v3/v4. The YAML
 * reader takes flat "key: value" lines only, which is what X-ARF uses.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"

/* unquote - strip one pair of YAML quotes in place */
static char *unquote(char *s)
{
	size_t n;

	str_trim(s);
	n = strlen(s);
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

/* xarf_source - Source with its Source-Type */
static void xarf_source(struct report *r, const char *src, const char *type)
{
	char out[46];

	if (!src || !*src)
		return;
	if (type && (mem_casestr(type, strlen(type), "uri") || mem_casestr(type, strlen(type), "url"))) {
		list_add(r, &r->reported_uris, src, "reported URIs");
	} else if (ip_normalize(src, out) == 0) {
		set_str(&r->source_ip, out);
	} else if (strstr(src, "://")) {
		list_add(r, &r->reported_uris, src, "reported URIs");
	} else if (!r->source_ip) {
		set_source_ip(r, src);
	}
}

/* xarf_kv - one key: value of the YAML report */
static void xarf_kv(struct report *r, const char *k, size_t kl, char *v, char **src, char **stype)
{
	long port;

	if (name_is(k, kl, "Source"))
		set_str(src, v);
	else if (name_is(k, kl, "Source-Type"))
		set_str(stype, v);
	else if (name_is(k, kl, "Category"))
		set_str_lower(&r->category, v);
	else if (name_is(k, kl, "Report-Type"))
		set_str_lower(&r->feedback_type, v);
	else if ((name_is(k, kl, "Date") || name_is(k, kl, "first_seen")) && !r->arrival_date)
		set_arrival(r, v);
	else if (name_is(k, kl, "Port") && str_to_long(v, 1, 65535, &port) == 0)
		r->source_port = (int)port;
	else if (name_is(k, kl, "Reported-From"))
		set_str(&r->reporter, v);
	else if (name_is(k, kl, "User-Agent"))
		set_str(&r->user_agent, v);
	else if (name_is(k, kl, "Domain"))
		list_add(r, &r->reported_domains, v, "reported domains");
	else if (name_is(k, kl, "uri"))
		list_add(r, &r->reported_uris, v, "reported URIs");
	else if (name_is(k, kl, "ip") && !r->source_ip)
		set_source_ip(r, v);
}

/* xarf_yaml - read a flat YAML report */
static void xarf_yaml(struct report *r, const char *t, size_t n)
{
	struct fieldit it;
	struct buf v;
	const char *k;
	size_t kl;
	char *src = NULL, *stype = NULL;

	buf_init(&v, 0);
	fieldit_init(&it, t, n, 0);
	while (fieldit_next(&it, &k, &kl, &v))
		xarf_kv(r, k, kl, unquote(v.data), &src, &stype);
	buf_free(&v);
	xarf_source(r, src, stype);
	free(src);
	free(stype);
}

/* json_get - the string or number value of "key" anywhere in a JSON text, or NULL */
static char *json_get(const char *t, size_t n, const char *key)
{
	char pat[64];
	const char *p, *end = t + n, *s;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	for (p = t; (p = mem_casestr(p, (size_t)(end - p), pat)) != NULL; p++) {
		s = p + strlen(pat);
		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s >= end || *s != ':')
			continue;
		for (s++; s < end && isspace((unsigned char)*s); s++)
			;
		if (s < end && *s == '"') {
			const char *e = ++s;

			while (e < end && *e != '"' && e - s < PARSE_MAX_FIELD)
				e += (*e == '\\' && e + 1 < end) ? 2 : 1;
			return xstrndup(s, (size_t)(e - s));
		}
		if (s < end && (isdigit((unsigned char)*s) || *s == '-')) {
			const char *e = s;

			while (e < end && (isdigit((unsigned char)*e) || *e == '.'))
				e++;
			return xstrndup(s, (size_t)(e - s));
		}
	}
	return NULL;
}

/* xarf_json - X-ARF v3/v4 JSON: the fields that map onto the model */
static int xarf_json(struct report *r, const char *t, size_t n)
{
	static const char *const keys[][2] = {
		{ "ReportClass", "Category" }, { "ReportType", "Report-Type" },
		{ "Date", "Date" }, { "SourcePort", "Port" }, { "ReporterOrgEmail", "Reported-From" },
		{ "ReporterContactEmail", "Reported-From" }, { "SourceIp", "Source" },
		{ "Source", "Source" }, { "SourceType", "Source-Type" },
	};
	char *src = NULL, *stype = NULL, *v;
	size_t i;

	if (!mem_casestr(t, n, "\"ReporterInfo\"") && !mem_casestr(t, n, "\"XarfVersion\""))
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((v = json_get(t, n, keys[i][0])) != NULL) {
			if (!(r->reporter && !strcmp(keys[i][1], "Reported-From")))
				xarf_kv(r, keys[i][1], strlen(keys[i][1]), v, &src, &stype);
			free(v);
		}
	}
	xarf_source(r, src, stype);
	free(src);
	free(stype);
	return 1;
}

/* yaml_like - text that reads as an X-ARF YAML report */
static int yaml_like(const char *t, size_t n)
{
	return mem_casestr(t, n, "Reported-From:") || mem_casestr(t, n, "Report-Type:") ||
	       mem_casestr(t, n, "Source-Type:") || (n > 4 && !memcmp(t, "---", 3) &&
	       (mem_casestr(t, n, "\nip:") || mem_casestr(t, n, "\nuri:")));
}

/* xarf_parse - take an X-ARF report; 1 when taken */
int xarf_parse(struct pctx *c, struct report *r)
{
	struct mpart *m = c->msg;
	int flagged = header_is(m, "X-ARF", "yes") || header_is(m, "X-XARF", NULL);
	char *t = NULL;
	size_t n = 0;
	int taken = 0;

	if (c->json && (flagged || c->xarf == NULL)) {
		t = part_text(c->json, PARSE_MAX_TEXT, &n);
		taken = t && xarf_json(r, t, n);
		free(t);
		t = NULL;
	}
	if (!taken && c->xarf) {
		t = part_text(c->xarf, PARSE_MAX_TEXT, &n);
		if (t && (flagged || yaml_like(t, n))) {
			xarf_yaml(r, t, n);
			taken = 1;
		}
	} else if (!taken && !hdr(m, "From") && yaml_like(c->text, c->len > 8192 ? 8192 : c->len) &&
		   mem_casestr(c->text, c->len > 8192 ? 8192 : c->len, "Category:")) {
		report_warn(r, "bare X-ARF report without mail headers");
		xarf_yaml(r, c->text, c->len);
		taken = 1;
	} else if (!taken && flagged) {
		report_warn(r, "X-ARF header but no report part");
		taken = 1;
	}
	free(t);
	if (!taken)
		return 0;
	r->format = FMT_XARF;
	if (c->orig) {
		if (part_is_message(c->orig))
			parse_original_part(r, c->orig);
		else if ((t = part_text(c->orig, PARSE_MAX_TEXT, &n)) != NULL) {
			parse_original_headers(r, t, n, c->orig_headers_only);
			free(t);
		}
	}
	return 1;
}

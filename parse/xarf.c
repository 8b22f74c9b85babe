/*
 * xarf - X-ARF reports: 0.1/0.2 (mail header "X-ARF: YES" or "X-XARF: PLAIN",
 * a YAML report.txt in any transfer encoding) and JSON X-ARF v3/v4. YAML is
 * read with libyaml (events: no aliases expanded, nothing built), JSON with
 * json-glib, each loaded on the first report that needs it (xarf_dl.h).
 * Both have caps: a report over XARF_MAX_INPUT bytes or nested
 * deeper than XARF_MAX_DEPTH is not read, with a warning on the report.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "xarf_dl.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"

#define XARF_MAX_INPUT PARSE_MAX_TEXT   /* 1 MiB */
#define XARF_MAX_DEPTH 32

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

/* scalar_dup - a copy of a scalar, cut at PARSE_MAX_FIELD bytes */
static char *scalar_dup(const char *v, size_t n)
{
	return xstrndup(v, n > PARSE_MAX_FIELD ? PARSE_MAX_FIELD : n);
}

/*
 * xarf_yaml - read a YAML report: the scalar "key: value" pairs of the top
 * mapping of the first document (nested values are skipped). A syntax error
 * keeps the pairs before it; depth over XARF_MAX_DEPTH stops the reading.
 */
static void xarf_yaml(struct report *r, const char *t, size_t n)
{
	yaml_parser_t p;
	yaml_event_t ev;
	char *src = NULL, *stype = NULL, *key = NULL, why[256];
	int depth = 0, done = 0;

	if (n > XARF_MAX_INPUT) {
		report_warn(r, "X-ARF YAML report larger than %d bytes: not read", XARF_MAX_INPUT);
		return;
	}
	if (xarf_yaml_load(why, sizeof(why)) < 0) {
		report_warn(r, "X-ARF YAML report not read: %s", why);
		return;
	}
	if (!yaml_parser_initialize(&p)) {
		report_warn(r, "X-ARF YAML: out of memory");
		return;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)t, n);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			report_warn(r, "X-ARF YAML: %s at line %zu", p.problem ? p.problem : "syntax error",
				    p.problem_mark.line + 1);
			break;
		}
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 1 && key) {        /* a nested value: skipped */
				free(key);
				key = NULL;
			}
			if (++depth > XARF_MAX_DEPTH) {
				report_warn(r, "X-ARF YAML nested deeper than %d levels: rest not read",
					    XARF_MAX_DEPTH);
				done = 1;
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			if (depth != 1)
				break;
			if (key == NULL) {
				key = scalar_dup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			} else {
				char *v = scalar_dup((const char *)ev.data.scalar.value, ev.data.scalar.length);

				xarf_kv(r, key, strlen(key), v, &src, &stype);
				free(v);
				free(key);
				key = NULL;
			}
			break;
		case YAML_ALIAS_EVENT:
			if (depth == 1 && key) {        /* an alias as a value: not followed */
				free(key);
				key = NULL;
			}
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	free(key);
	xarf_source(r, src, stype);
	free(src);
	free(stype);
}

/* json_member - the member of o named key (ASCII case-insensitive), or NULL */
static JsonNode *json_member(JsonObject *o, const char *key)
{
	JsonObjectIter it;
	const gchar *name;
	JsonNode *v;

	if (o == NULL)
		return NULL;
	json_object_iter_init(&it, o);
	while (json_object_iter_next(&it, &name, &v))
		if (g_ascii_strcasecmp(name, key) == 0)
			return v;
	return NULL;
}

/* json_object_at - the object member of o named key, or NULL */
static JsonObject *json_object_at(JsonObject *o, const char *key)
{
	JsonNode *v = json_member(o, key);

	return v && JSON_NODE_HOLDS_OBJECT(v) ? json_node_get_object(v) : NULL;
}

/* json_scalar - a string or number member of o as text (caller frees), or NULL */
static char *json_scalar(JsonObject *o, const char *key)
{
	JsonNode *v = json_member(o, key);
	char num[64];

	if (v == NULL || !JSON_NODE_HOLDS_VALUE(v))
		return NULL;
	switch (json_node_get_value_type(v)) {
	case G_TYPE_STRING: {
		const char *s = json_node_get_string(v);

		return scalar_dup(s, strlen(s));
	}
	case G_TYPE_INT64:
		snprintf(num, sizeof(num), "%lld", (long long)json_node_get_int(v));
		return xstrdup(num);
	case G_TYPE_DOUBLE:
		snprintf(num, sizeof(num), "%.17g", json_node_get_double(v));
		return xstrdup(num);
	default:
		return NULL;
	}
}

/*
 * xarf_json - X-ARF v3/v4 JSON: the fields that map onto the model. Report
 * fields are read from the "Report" object, reporter fields from
 * "ReporterInfo", each falling back to the top object; nothing deeper and
 * nothing inside a string value is taken for a field.
 */
static int xarf_json(struct report *r, const char *t, size_t n)
{
	static const struct { const char *in, *key, *as; } keys[] = {
		{ "Report", "ReportClass", "Category" }, { "Report", "ReportType", "Report-Type" },
		{ "Report", "Date", "Date" }, { "Report", "SourcePort", "Port" },
		{ "ReporterInfo", "ReporterOrgEmail", "Reported-From" },
		{ "ReporterInfo", "ReporterContactEmail", "Reported-From" },
		{ "Report", "SourceIp", "Source" }, { "Report", "Source", "Source" },
		{ "Report", "SourceType", "Source-Type" },
	};
	char *src = NULL, *stype = NULL, *v;
	JsonParser *jp;
	JsonNode *root;
	JsonObject *top;
	GError *err = NULL;
	char why[256];
	size_t i;

	if (!mem_casestr(t, n, "\"ReporterInfo\"") && !mem_casestr(t, n, "\"XarfVersion\""))
		return 0;
	if (n > XARF_MAX_INPUT) {
		report_warn(r, "X-ARF JSON report larger than %d bytes: not read", XARF_MAX_INPUT);
		return 1;
	}
	if (xarf_json_depth(t, n, XARF_MAX_DEPTH) > XARF_MAX_DEPTH) {
		report_warn(r, "X-ARF JSON nested deeper than %d levels: not read", XARF_MAX_DEPTH);
		return 1;
	}
	if (xarf_json_load(why, sizeof(why)) < 0) {
		report_warn(r, "X-ARF JSON report not read: %s", why);
		return 1;
	}
	jp = json_parser_new_immutable();
	if (!json_parser_load_from_data(jp, t, (gssize)n, &err)) {
		report_warn(r, "X-ARF JSON: %s", err && err->message ? err->message : "syntax error");
		g_clear_error(&err);
		g_object_unref(jp);
		return 1;
	}
	root = json_parser_get_root(jp);
	top = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	if (top == NULL)
		report_warn(r, "X-ARF JSON: the report is not an object");
	for (i = 0; top && i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((v = json_scalar(json_object_at(top, keys[i].in), keys[i].key)) == NULL)
			v = json_scalar(top, keys[i].key);
		if (v != NULL) {
			if (!(r->reporter && !strcmp(keys[i].as, "Reported-From")))
				xarf_kv(r, keys[i].as, strlen(keys[i].as), v, &src, &stype);
			free(v);
		}
	}
	g_object_unref(jp);
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
		t = part_text(c->json, XARF_MAX_INPUT + 1, &n);
		taken = t && xarf_json(r, t, n);
		free(t);
		t = NULL;
	}
	if (!taken && c->xarf) {
		t = part_text(c->xarf, XARF_MAX_INPUT + 1, &n);
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

/*
 * rdap - the abuse contact in an RDAP answer; the registry in a bootstrap file.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../util/ipaddr.h"
#include "../util/str.h"
#include "rdap.h"
#include "xarf_dl.h"

/* member - o[name] or NULL */
static JsonNode *member(JsonObject *o, const char *name)
{
	return o ? json_object_get_member(o, name) : NULL;
}

/* str_of - the string of a value node, or NULL */
static const char *str_of(JsonNode *n)
{
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

/* arr_of - the array of a node, or NULL */
static JsonArray *arr_of(JsonNode *n)
{
	return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

/* obj_of - the object of a node, or NULL */
static JsonObject *obj_of(JsonNode *n)
{
	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* len_of - the array's length, capped */
static unsigned len_of(JsonArray *a)
{
	unsigned n = a ? json_array_get_length(a) : 0;

	return n > RDAP_MAX_ITEMS ? RDAP_MAX_ITEMS : n;
}

int rdap_email_ok(const char *s)
{
	const char *at = s ? strrchr(s, '@') : NULL;
	size_t n = s ? strlen(s) : 0;

	if (at == NULL || at == s || at[1] == '\0' || n >= 254 || strchr(s, '@') != at)
		return 0;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || strchr("\"<>()[],;:\\", c))
			return 0;
	}
	return strchr(at, '.') != NULL && at[strlen(at) - 1] != '.';
}

/* has_role - roles[] of an entity include role */
static int has_role(JsonObject *e, const char *role)
{
	JsonArray *a = arr_of(member(e, "roles"));
	unsigned n = len_of(a);

	for (unsigned i = 0; i < n; i++) {
		const char *r = str_of(json_array_get_element(a, i));

		if (r && strcasecmp(r, role) == 0)
			return 1;
	}
	return 0;
}

/* vcard_email - the first email property of a jCard ["vcard", [[name, {}, type, value], ...]] */
static int vcard_email(JsonObject *e, char *out, size_t size)
{
	JsonArray *v = arr_of(member(e, "vcardArray")), *props;
	unsigned n;

	if (len_of(v) < 2 || (props = arr_of(json_array_get_element(v, 1))) == NULL)
		return 0;
	n = len_of(props);
	for (unsigned i = 0; i < n; i++) {
		JsonArray *p = arr_of(json_array_get_element(props, i));
		const char *name = len_of(p) >= 4 ? str_of(json_array_get_element(p, 0)) : NULL;
		const char *val;

		if (name == NULL || strcasecmp(name, "email") != 0)
			continue;
		val = str_of(json_array_get_element(p, 3));
		if (val && strncasecmp(val, "mailto:", 7) == 0)
			val += 7;
		if (val && rdap_email_ok(val)) {
			str_copy(out, size, val);
			return 1;
		}
	}
	return 0;
}

/* find_abuse - breadth by depth: the abuse entity nearest the top */
static void find_abuse(JsonObject *o, int depth, int want, int *seen, struct rdap_info *out)
{
	JsonArray *ents = arr_of(member(o, "entities"));
	unsigned n = len_of(ents);

	for (unsigned i = 0; i < n && !out->email[0] && *seen < RDAP_MAX_ENTITIES; i++) {
		JsonObject *e = obj_of(json_array_get_element(ents, i));

		if (e == NULL)
			continue;
		if (depth == want) {
			++*seen;
			if (has_role(e, "abuse") && vcard_email(e, out->email, sizeof(out->email))) {
				const char *h = str_of(member(e, "handle"));

				str_copy(out->entity, sizeof(out->entity), h ? h : "");
			}
		} else if (depth < want) {
			find_abuse(e, depth + 1, want, seen, out);
		}
	}
}

/* clean - s with controls and non-ASCII as '?', capped */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* load - parse body into a parser whose root is returned */
static JsonNode *load(JsonParser **jp, const char *body, size_t len, char *err, size_t errlen)
{
	GError *ge = NULL;

	*jp = NULL;
	if (len > RDAP_MAX_BODY) {
		snprintf(err, errlen, "answer larger than %d bytes", RDAP_MAX_BODY);
		return NULL;
	}
	if (xarf_json_depth(body, len, RDAP_MAX_NESTING) > RDAP_MAX_NESTING) {
		snprintf(err, errlen, "JSON nested deeper than %d levels", RDAP_MAX_NESTING);
		return NULL;
	}
	if (xarf_json_load(err, errlen) < 0)
		return NULL;
	*jp = json_parser_new_immutable();
	if (!json_parser_load_from_data(*jp, body, (gssize)len, &ge)) {
		snprintf(err, errlen, "not JSON: %.120s", ge ? ge->message : "?");
		if (ge)
			g_error_free(ge);
		return NULL;
	}
	return json_parser_get_root(*jp);
}

int rdap_read(const char *body, size_t len, struct rdap_info *out, char *err, size_t errlen)
{
	JsonParser *jp;
	JsonNode *root = load(&jp, body, len, err, errlen);
	JsonObject *o = obj_of(root);
	const char *h, *nm, *a, *b;
	int seen = 0;

	memset(out, 0, sizeof(*out));
	if (o == NULL) {
		if (root)
			snprintf(err, errlen, "the answer is not a JSON object");
		if (jp)
			g_object_unref(jp);
		return -1;
	}
	for (int want = 0; want < RDAP_MAX_DEPTH && !out->email[0]; want++)
		find_abuse(o, 0, want, &seen, out);
	h = str_of(member(o, "handle"));
	nm = str_of(member(o, "name"));
	a = str_of(member(o, "startAddress"));
	b = str_of(member(o, "endAddress"));
	snprintf(out->network, sizeof(out->network), "%.60s%s%.60s%s%s%.40s%s%.40s", h ? h : "",
		 nm ? " (" : "", nm ? nm : "", nm ? ")" : "", a ? " " : "", a ? a : "", b ? " - " : "",
		 b ? b : "");
	clean(out->network);
	clean(out->entity);
	g_object_unref(jp);
	return 0;
}

int rdap_bootstrap(const char *body, size_t len, const char *ip, char *url, size_t size, char *err,
		   size_t errlen)
{
	JsonParser *jp;
	JsonObject *o = obj_of(load(&jp, body, len, err, errlen));
	JsonArray *svc = arr_of(member(o, "services"));
	struct ipaddr a;
	int best = -1;
	unsigned n = len_of(svc);

	url[0] = '\0';
	if (svc == NULL) {
		if (o)
			snprintf(err, errlen, "no \"services\" array");
		if (jp)
			g_object_unref(jp);
		return -1;
	}
	if (ip_parse(ip, &a) < 0) {
		g_object_unref(jp);
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		JsonArray *s = arr_of(json_array_get_element(svc, i));
		JsonArray *pre = len_of(s) >= 2 ? arr_of(json_array_get_element(s, 0)) : NULL;
		JsonArray *urls = len_of(s) >= 2 ? arr_of(json_array_get_element(s, 1)) : NULL;
		unsigned np = len_of(pre), nu = len_of(urls);

		for (unsigned k = 0; k < np; k++) {
			const char *p = str_of(json_array_get_element(pre, k));
			struct cidr c;
			const char *pick = NULL;

			if (p == NULL || cidr_parse(p, &c) < 0 || !cidr_contains(&c, &a) || c.prefix <= best)
				continue;
			for (unsigned u = 0; u < nu; u++) {
				const char *x = str_of(json_array_get_element(urls, u));

				if (x && (strncmp(x, "https://", 8) == 0 || (!pick && strncmp(x, "http://", 7) == 0)))
					pick = x;
			}
			/* a URL has no blank: a tab or a space would reach the request line */
			if (pick && strlen(pick) + 2 < size && !str_has_ctl(pick, strlen(pick)) &&
			    !strpbrk(pick, " \t")) {
				best = c.prefix;
				snprintf(url, size, "%s%s", pick, pick[strlen(pick) - 1] == '/' ? "" : "/");
			}
		}
	}
	g_object_unref(jp);
	return best >= 0 ? 0 : 1;
}

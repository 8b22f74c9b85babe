/*
 * xarf_dl - json-glib and libyaml, loaded when an X-ARF report is read.
 *
 * Linked, the two libraries cost every process start about 0.15 ms (two more
 * shared objects to map and relocate; README › Libraries), and `abusedesk
 * ingest` starts once per message while few messages are X-ARF. So xarf.c
 * reaches them through these tables, filled by dlopen on first use. Include
 * this instead of <json-glib/json-glib.h> and <yaml.h>. The RDAP reader
 * (parse/rdap.c) uses the same json-glib table, and the HTML reader
 * (parse/html.c) libxml2's the same way: a complaint with no text part but
 * an HTML one is the only reader of it.
 */
#ifndef AD_XARF_DL_H
#define AD_XARF_DL_H

#include <json-glib/json-glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <yaml.h>

struct xarf_json_dl {
	JsonParser *(*parser_new_immutable)(void);
	gboolean (*parser_load_from_data)(JsonParser *p, const gchar *data, gssize len, GError **err);
	JsonNode *(*parser_get_root)(JsonParser *p);
	JsonNodeType (*node_get_node_type)(JsonNode *n);
	JsonObject *(*node_get_object)(JsonNode *n);
	GType (*node_get_value_type)(JsonNode *n);
	const gchar *(*node_get_string)(JsonNode *n);
	gint64 (*node_get_int)(JsonNode *n);
	gdouble (*node_get_double)(JsonNode *n);
	void (*object_iter_init)(JsonObjectIter *it, JsonObject *o);
	gboolean (*object_iter_next)(JsonObjectIter *it, const gchar **name, JsonNode **v);
	JsonArray *(*node_get_array)(JsonNode *n);
	guint (*array_get_length)(JsonArray *a);
	JsonNode *(*array_get_element)(JsonArray *a, guint i);
	JsonNode *(*object_get_member)(JsonObject *o, const gchar *name);
};

struct xarf_yaml_dl {
	int (*parser_initialize)(yaml_parser_t *p);
	void (*parser_set_input_string)(yaml_parser_t *p, const unsigned char *in, size_t n);
	int (*parser_parse)(yaml_parser_t *p, yaml_event_t *ev);
	void (*event_delete)(yaml_event_t *ev);
	void (*parser_delete)(yaml_parser_t *p);
};

/* libxml2's HTML parser (parse/html.c): read on first use as well */
struct html_dl {
	htmlDocPtr (*read_memory)(const char *buf, int size, const char *url, const char *encoding, int options);
	xmlNodePtr (*doc_root)(const xmlDoc *doc);
	void (*free_doc)(xmlDocPtr doc);
};

extern struct xarf_json_dl xarf_json_dl;
extern struct xarf_yaml_dl xarf_yaml_dl;
extern struct html_dl html_dl;

/* xarf_json_load / xarf_yaml_load - load the library once; 0, or -1 with the
 * reason in err (the caller puts it on the report) */
int xarf_json_load(char *err, size_t errlen);
int xarf_yaml_load(char *err, size_t errlen);
int html_dl_load(char *err, size_t errlen);

/* xarf_json_depth - the deepest nesting of [ and { outside strings in t,
 * counting stopped past max: json-glib's parser recurses, so text deeper
 * than a caller's cap is refused before it sees it */
int xarf_json_depth(const char *t, size_t n, int max);

#undef JSON_NODE_HOLDS_OBJECT
#undef JSON_NODE_HOLDS_VALUE
#define JSON_NODE_HOLDS_OBJECT(n)           (xarf_json_dl.node_get_node_type(n) == JSON_NODE_OBJECT)
#undef JSON_NODE_HOLDS_ARRAY
#define JSON_NODE_HOLDS_VALUE(n)            (xarf_json_dl.node_get_node_type(n) == JSON_NODE_VALUE)
#define JSON_NODE_HOLDS_ARRAY(n)            (xarf_json_dl.node_get_node_type(n) == JSON_NODE_ARRAY)
#define json_parser_new_immutable()         xarf_json_dl.parser_new_immutable()
#define json_parser_load_from_data(p, d, n, e) xarf_json_dl.parser_load_from_data(p, d, n, e)
#define json_parser_get_root(p)             xarf_json_dl.parser_get_root(p)
#define json_node_get_object(n)             xarf_json_dl.node_get_object(n)
#define json_node_get_value_type(n)         xarf_json_dl.node_get_value_type(n)
#define json_node_get_string(n)             xarf_json_dl.node_get_string(n)
#define json_node_get_int(n)                xarf_json_dl.node_get_int(n)
#define json_node_get_double(n)             xarf_json_dl.node_get_double(n)
#define json_object_iter_init(i, o)         xarf_json_dl.object_iter_init(i, o)
#define json_object_iter_next(i, k, v)      xarf_json_dl.object_iter_next(i, k, v)
#define json_node_get_array(n)              xarf_json_dl.node_get_array(n)
#define json_array_get_length(a)            xarf_json_dl.array_get_length(a)
#define json_array_get_element(a, i)        xarf_json_dl.array_get_element(a, i)
#define json_object_get_member(o, k)        xarf_json_dl.object_get_member(o, k)
#define yaml_parser_initialize(p)           xarf_yaml_dl.parser_initialize(p)
#define yaml_parser_set_input_string(p, s, n) xarf_yaml_dl.parser_set_input_string(p, s, n)
#define yaml_parser_parse(p, e)             xarf_yaml_dl.parser_parse(p, e)
#define yaml_event_delete(e)                xarf_yaml_dl.event_delete(e)
#define yaml_parser_delete(p)               xarf_yaml_dl.parser_delete(p)

#endif

/*
 * xarf_dl - load json-glib, libyaml and libxml2 on first use (see xarf_dl.h).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "xarf_dl.h"

struct xarf_json_dl xarf_json_dl;
struct xarf_yaml_dl xarf_yaml_dl;
struct html_dl html_dl;

/*
 * load_table - dlopen lib once and fill the n function pointers of table
 * from names; 0, or -1 with the reason in err (and every later call fails
 * without trying again)
 */
static int load_table(int *state, const char *lib, const char *pkg, const char *const *names,
		      void **table, size_t n, char *err, size_t errlen)
{
	void *h;

	if (*state) {
		if (*state < 0)
			snprintf(err, errlen, "%s could not be loaded", lib);
		return *state > 0 ? 0 : -1;
	}
	*state = -1;
	if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load %s (install %s): %s", lib, pkg, dlerror());
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((table[i] = dlsym(h, names[i])) == NULL) {
			snprintf(err, errlen, "%s lacks %s", lib, names[i]);
			memset(table, 0, n * sizeof(*table));
			dlclose(h);
			return -1;
		}
	}
	*state = 1;
	return 0;
}

/* xarf_json_load - json-glib, once (names in the order of struct xarf_json_dl) */
int xarf_json_load(char *err, size_t errlen)
{
	static const char *const names[] = {
		"json_parser_new_immutable", "json_parser_load_from_data", "json_parser_get_root",
		"json_node_get_node_type", "json_node_get_object", "json_node_get_value_type",
		"json_node_get_string", "json_node_get_int", "json_node_get_double",
		"json_object_iter_init", "json_object_iter_next", "json_node_get_array",
		"json_array_get_length", "json_array_get_element", "json_object_get_member",
	};
	static int state;

	_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(xarf_json_dl) / sizeof(void *),
		       "one name a pointer");
	return load_table(&state, "libjson-glib-1.0.so.0", "libjson-glib-1.0-0", names,
			  (void **)&xarf_json_dl, sizeof(names) / sizeof(names[0]), err, errlen);
}

/* xarf_yaml_load - libyaml, once (names in the order of struct xarf_yaml_dl) */
int xarf_yaml_load(char *err, size_t errlen)
{
	static const char *const names[] = {
		"yaml_parser_initialize", "yaml_parser_set_input_string", "yaml_parser_parse",
		"yaml_event_delete", "yaml_parser_delete",
	};
	static int state;

	_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(xarf_yaml_dl) / sizeof(void *),
		       "one name a pointer");
	return load_table(&state, "libyaml-0.so.2", "libyaml-0-2", names,
			  (void **)&xarf_yaml_dl, sizeof(names) / sizeof(names[0]), err, errlen);
}

/* html_dl_load - libxml2, once (names in the order of struct html_dl) */
int html_dl_load(char *err, size_t errlen)
{
	static const char *const names[] = { "htmlReadMemory", "xmlDocGetRootElement", "xmlFreeDoc" };
	static int state;

	_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(html_dl) / sizeof(void *),
		       "one name a pointer");
	return load_table(&state, "libxml2.so.2", "libxml2", names, (void **)&html_dl,
			  sizeof(names) / sizeof(names[0]), err, errlen);
}

/* xarf_json_depth - see xarf_dl.h */
int xarf_json_depth(const char *t, size_t n, int max)
{
	int depth = 0, top = 0, str = 0;

	for (size_t i = 0; i < n && top <= max; i++) {
		char ch = t[i];

		if (str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				str = 0;
		} else if (ch == '"') {
			str = 1;
		} else if (ch == '{' || ch == '[') {
			if (++depth > top)
				top = depth;
		} else if ((ch == '}' || ch == ']') && depth > 0) {
			depth--;
		}
	}
	return top;
}

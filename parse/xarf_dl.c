/*
 * xarf_dl - load json-glib and libyaml on first use (see xarf_dl.h).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "xarf_dl.h"

struct xarf_json_dl xarf_json_dl;
struct xarf_yaml_dl xarf_yaml_dl;

/* open_lib - dlopen name; NULL with the reason in err */
static void *open_lib(const char *name, const char *pkg, char *err, size_t errlen)
{
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		snprintf(err, errlen, "cannot load %s (install %s): %s", name, pkg, dlerror());
	return h;
}

/* all_set - every pointer of a table of n function pointers is set */
static int all_set(void *const *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == NULL)
			return 0;
	return 1;
}

/* xarf_json_load - json-glib, once */
int xarf_json_load(char *err, size_t errlen)
{
	static int state;   /* 0 not tried, 1 loaded, -1 failed */
	struct xarf_json_dl *t = &xarf_json_dl;
	void *h;

	if (state)
		return state > 0 ? 0 : (snprintf(err, errlen, "json-glib could not be loaded"), -1);
	state = -1;
	if ((h = open_lib("libjson-glib-1.0.so.0", "libjson-glib-1.0-0", err, errlen)) == NULL)
		return -1;
	*(void **)&t->parser_new_immutable = dlsym(h, "json_parser_new_immutable");
	*(void **)&t->parser_load_from_data = dlsym(h, "json_parser_load_from_data");
	*(void **)&t->parser_get_root = dlsym(h, "json_parser_get_root");
	*(void **)&t->node_get_node_type = dlsym(h, "json_node_get_node_type");
	*(void **)&t->node_get_object = dlsym(h, "json_node_get_object");
	*(void **)&t->node_get_value_type = dlsym(h, "json_node_get_value_type");
	*(void **)&t->node_get_string = dlsym(h, "json_node_get_string");
	*(void **)&t->node_get_int = dlsym(h, "json_node_get_int");
	*(void **)&t->node_get_double = dlsym(h, "json_node_get_double");
	*(void **)&t->object_iter_init = dlsym(h, "json_object_iter_init");
	*(void **)&t->object_iter_next = dlsym(h, "json_object_iter_next");
	if (!all_set((void *const *)t, sizeof(*t) / sizeof(void *))) {
		snprintf(err, errlen, "libjson-glib-1.0.so.0 lacks a function abusedesk needs");
		memset(t, 0, sizeof(*t));
		dlclose(h);
		return -1;
	}
	state = 1;
	return 0;
}

/* xarf_yaml_load - libyaml, once */
int xarf_yaml_load(char *err, size_t errlen)
{
	static int state;   /* 0 not tried, 1 loaded, -1 failed */
	struct xarf_yaml_dl *t = &xarf_yaml_dl;
	void *h;

	if (state)
		return state > 0 ? 0 : (snprintf(err, errlen, "libyaml could not be loaded"), -1);
	state = -1;
	if ((h = open_lib("libyaml-0.so.2", "libyaml-0-2", err, errlen)) == NULL)
		return -1;
	*(void **)&t->parser_initialize = dlsym(h, "yaml_parser_initialize");
	*(void **)&t->parser_set_input_string = dlsym(h, "yaml_parser_set_input_string");
	*(void **)&t->parser_parse = dlsym(h, "yaml_parser_parse");
	*(void **)&t->event_delete = dlsym(h, "yaml_event_delete");
	*(void **)&t->parser_delete = dlsym(h, "yaml_parser_delete");
	if (!all_set((void *const *)t, sizeof(*t) / sizeof(void *))) {
		snprintf(err, errlen, "libyaml-0.so.2 lacks a function abusedesk needs");
		memset(t, 0, sizeof(*t));
		dlclose(h);
		return -1;
	}
	state = 1;
	return 0;
}

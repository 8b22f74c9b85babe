/*
 * curl_dl - load libcurl on first use (see curl_dl.h).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "curl_dl.h"

struct curl_dl curl_dl;
static int loaded;

/* sym - one symbol, or NULL */
static void *sym(void *h, const char *name)
{
	return dlsym(h, name);
}

int curl_dl_load(char *err, size_t errlen)
{
	void *h;

	if (loaded)
		return 0;
	if ((h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load libcurl (install libcurl4): %s", dlerror());
		return -1;
	}
	*(void **)&curl_dl.global_init = sym(h, "curl_global_init");
	*(void **)&curl_dl.easy_init = sym(h, "curl_easy_init");
	*(void **)&curl_dl.easy_setopt = sym(h, "curl_easy_setopt");
	*(void **)&curl_dl.easy_perform = sym(h, "curl_easy_perform");
	*(void **)&curl_dl.easy_getinfo = sym(h, "curl_easy_getinfo");
	*(void **)&curl_dl.easy_cleanup = sym(h, "curl_easy_cleanup");
	*(void **)&curl_dl.easy_strerror = sym(h, "curl_easy_strerror");
	*(void **)&curl_dl.slist_append = sym(h, "curl_slist_append");
	*(void **)&curl_dl.slist_free_all = sym(h, "curl_slist_free_all");
	if (!curl_dl.global_init || !curl_dl.easy_init || !curl_dl.easy_setopt ||
	    !curl_dl.easy_perform || !curl_dl.easy_getinfo || !curl_dl.easy_cleanup ||
	    !curl_dl.easy_strerror || !curl_dl.slist_append || !curl_dl.slist_free_all) {
		snprintf(err, errlen, "libcurl.so.4 lacks a function abusedesk needs");
		memset(&curl_dl, 0, sizeof(curl_dl));
		dlclose(h);
		return -1;
	}
	if (curl_dl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return -1;
	}
	loaded = 1;
	return 0;
}

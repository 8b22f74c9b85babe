/*
 * mhd_dl - load libmicrohttpd on first use (see mhd_dl.h).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "mhd_dl.h"

struct mhd_dl mhd_dl;
static int loaded;

int mhd_dl_load(char *err, size_t errlen)
{
	void *h;

	if (loaded)
		return 0;
	if ((h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load libmicrohttpd (install libmicrohttpd12): %s", dlerror());
		return -1;
	}
	*(void **)&mhd_dl.start_daemon = dlsym(h, "MHD_start_daemon");
	*(void **)&mhd_dl.stop_daemon = dlsym(h, "MHD_stop_daemon");
	*(void **)&mhd_dl.lookup_connection_value = dlsym(h, "MHD_lookup_connection_value");
	*(void **)&mhd_dl.create_response_from_buffer = dlsym(h, "MHD_create_response_from_buffer");
	*(void **)&mhd_dl.add_response_header = dlsym(h, "MHD_add_response_header");
	*(void **)&mhd_dl.queue_response = dlsym(h, "MHD_queue_response");
	*(void **)&mhd_dl.destroy_response = dlsym(h, "MHD_destroy_response");
	*(void **)&mhd_dl.get_connection_info = dlsym(h, "MHD_get_connection_info");
	if (!mhd_dl.start_daemon || !mhd_dl.stop_daemon || !mhd_dl.lookup_connection_value ||
	    !mhd_dl.create_response_from_buffer || !mhd_dl.add_response_header || !mhd_dl.queue_response ||
	    !mhd_dl.destroy_response || !mhd_dl.get_connection_info) {
		snprintf(err, errlen, "libmicrohttpd.so.12 lacks a function abusedesk needs");
		memset(&mhd_dl, 0, sizeof(mhd_dl));
		dlclose(h);
		return -1;
	}
	loaded = 1;
	return 0;
}

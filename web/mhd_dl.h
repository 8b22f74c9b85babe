/*
 * mhd_dl - libmicrohttpd, loaded when `abusedesk web` runs.
 *
 * Linked into the one binary, libmicrohttpd and the TLS libraries it pulls
 * in (GnuTLS, nettle, p11-kit, ...) are mapped and relocated at every
 * process start: `abusedesk ingest` starts once per message and never
 * serves HTTP. So the web code reaches libmicrohttpd through this table,
 * filled by dlopen("libmicrohttpd.so.12") when the server starts; every
 * other command starts without it (docs/benchmarks.md, start-up). Include
 * this instead of <microhttpd.h>.
 */
#ifndef AD_MHD_DL_H
#define AD_MHD_DL_H

#include <stddef.h>
#include <microhttpd.h>

struct mhd_dl {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_get_connection_info) *get_connection_info;
};

extern struct mhd_dl mhd_dl;

/* mhd_dl_load - load libmicrohttpd once; 0, or -1 with the reason in err */
int mhd_dl_load(char *err, size_t errlen);

#define MHD_start_daemon                mhd_dl.start_daemon
#define MHD_stop_daemon                 mhd_dl.stop_daemon
#define MHD_lookup_connection_value     mhd_dl.lookup_connection_value
#define MHD_create_response_from_buffer mhd_dl.create_response_from_buffer
#define MHD_add_response_header         mhd_dl.add_response_header
#define MHD_queue_response              mhd_dl.queue_response
#define MHD_destroy_response            mhd_dl.destroy_response
#define MHD_get_connection_info         mhd_dl.get_connection_info

#endif

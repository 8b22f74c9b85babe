/*
 * web - `abusedesk web`: the web helpdesk (HTML pages usable without
 * JavaScript) and the JSON API (/api/v1), one libmicrohttpd server on app/.
 */
#ifndef AD_WEB_H
#define AD_WEB_H

#include "../db/db.h"
#include "../util/config.h"

struct web_opts {
	const char *listen;     /* "ADDR:PORT" or "[V6]:PORT"; NULL: 127.0.0.1:8025 */
	int secure_cookie;      /* mark the session cookie Secure (TLS in front) */
	long session_ttl;       /* seconds a login lasts */
	const char *tls_cert;   /* PEM certificate chain (the text, not a path), or NULL: plain HTTP */
	const char *tls_key;    /* PEM private key (the text), with tls_cert */
};

/* web_run - serve until SIGTERM or SIGINT; 0, or -1 when the server cannot start (printed) */
int web_run(const struct config *cfg, struct db *d, const struct web_opts *o);

#endif

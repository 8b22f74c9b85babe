/*
 * web/internal - what the server, the pages and the API share: one request
 * with its body, one response with its headers, HTML escaping.
 */
#ifndef AD_WEB_INTERNAL_H
#define AD_WEB_INTERNAL_H

#include <stddef.h>

#include "../db/users.h"
#include "../util/buf.h"
#include "web.h"

#define WEB_BODY_MAX   (16 * 1024)      /* bytes of a request body */
#define WEB_NOTE_MAX   1000             /* bytes of a note */
#define WEB_PAGE_ROWS  50               /* incidents on one page */

struct MHD_Connection;

struct web {
	const struct config *cfg;
	struct db *d;
	const struct web_opts *o;
	char secret[65];                /* random per process: the CSRF tokens of proxied users */
};

struct req {
	struct MHD_Connection *conn;
	const char *method, *url;
	struct buf body;                /* capped at WEB_BODY_MAX */
	int toobig;
	char addr[64];                  /* the client's address */
};

struct resp {
	int status;
	const char *type;               /* Content-Type */
	struct buf body;
	char location[256];             /* a redirect's target (ours, never report text) */
	char cookie[256];               /* Set-Cookie */
	char disposition[128];          /* Content-Disposition */
	int bearer;                     /* add WWW-Authenticate: Bearer */
};

/* web_arg - a query argument (decoded by the server) or NULL */
const char *web_arg(const struct req *r, const char *name);
/* web_header - a request header or NULL */
const char *web_header(const struct req *r, const char *name);
/* web_cookie - a cookie or NULL */
const char *web_cookie(const struct req *r, const char *name);
/* web_form - a field of the urlencoded body, decoded into out (size n); 0, -1 absent or too long */
int web_form(const struct req *r, const char *name, char *out, size_t n);

/* html_esc - s escaped for HTML text and quoted attributes (& < > " ' `) */
void html_esc(struct buf *b, const char *s);
/* url_esc - s percent-encoded for a query value */
void url_esc(struct buf *b, const char *s);

/* web_pages - an HTML page or form action (not /api/); fills rs */
void web_pages(struct web *w, struct req *r, struct resp *rs);
/* web_api - a request under /api/v1; fills rs with JSON */
void web_api(struct web *w, struct req *r, struct resp *rs);
/* web_css - the style sheet */
extern const char web_css[];

/* rate limit of failed logins per address */
/* web_login_allowed - the address may try to log in now */
int web_login_allowed(const char *addr);
/* web_login_failed - count a failure of addr */
void web_login_failed(const char *addr);

#endif

/*
 * server - the libmicrohttpd daemon of `abusedesk web`: one polling thread
 * (epoll where there is one), so a client that sends half a request holds
 * only its own connection until the connection timeout. Caps: connections,
 * connections per address, the memory of one connection (request line and
 * headers), the body (WEB_BODY_MAX), and the time a connection may idle.
 * Every response carries the same security headers (a strict CSP without
 * inline script, no framing, no referrer, nosniff, no caching).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "../app/users.h"
#include "internal.h"
#include "mhd_dl.h"

#define WEB_CONNECTIONS     512        /* open connections */
#define WEB_PER_ADDRESS     256        /* open connections of one address (a reverse proxy is one) */
#define WEB_CONN_MEMORY     (32 * 1024) /* request line and headers of one connection */
#define WEB_TIMEOUT         15         /* seconds a connection may idle */
#define LOGIN_SLOTS         256        /* addresses the login limit remembers */
#define LOGIN_FAILS         10         /* failed logins of one address ... */
#define LOGIN_WINDOW        300        /* ... within this many seconds */

static const char csp[] = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
			  " frame-ancestors 'none'; base-uri 'none'";

/* ---- the login rate limit (the server's one thread uses it) ---- */
static struct {
	char addr[64];
	int fails;
	time_t start;
} slots[LOGIN_SLOTS];

/* slot - the slot of addr, a free or the oldest one when create */
static int slot(const char *addr, int create)
{
	time_t now = time(NULL);
	int old = 0;

	for (int i = 0; i < LOGIN_SLOTS; i++) {
		if (strcmp(slots[i].addr, addr) == 0) {
			if (now - slots[i].start >= LOGIN_WINDOW) {
				slots[i].fails = 0;
				slots[i].start = now;
			}
			return i;
		}
		if (slots[i].start < slots[old].start)
			old = i;
	}
	if (!create)
		return -1;
	str_copy(slots[old].addr, sizeof(slots[old].addr), addr);
	slots[old].fails = 0;
	slots[old].start = now;
	return old;
}

int web_login_allowed(const char *addr)
{
	int i = slot(addr, 0);

	return i < 0 || slots[i].fails < LOGIN_FAILS;
}

void web_login_failed(const char *addr)
{
	slots[slot(addr, 1)].fails++;
}

/* ---- the request ---- */
const char *web_arg(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *web_header(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *web_cookie(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

int web_form(const struct req *r, const char *name, char *out, size_t n)
{
	const char *p = r->body.data, *end = p + r->body.len;
	size_t nl = strlen(name);

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *e = amp ? amp : end;

		if ((size_t)(e - p) > nl && memcmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t k = 0;

			for (const char *q = p + nl + 1; q < e; q++) {
				int c = (unsigned char)*q;

				if (c == '+')
					c = ' ';
				else if (c == '%' && e - q > 2 && str_hexval(q[1]) >= 0 && str_hexval(q[2]) >= 0) {
					c = str_hexval(q[1]) * 16 + str_hexval(q[2]);
					q += 2;
				}
				if (k + 1 >= n || c == 0)
					return -1;
				out[k++] = (char)c;
			}
			out[k] = '\0';
			return 0;
		}
		p = e + 1;
	}
	return -1;
}

/* ---- the response ---- */
/* respond - queue rs with the security headers */
static enum MHD_Result respond(struct req *r, struct resp *rs)
{
	struct MHD_Response *m = MHD_create_response_from_buffer(rs->body.len, rs->body.data,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (m == NULL)
		return MHD_NO;
	MHD_add_response_header(m, "Content-Type", rs->type ? rs->type : "text/html; charset=utf-8");
	MHD_add_response_header(m, "Content-Security-Policy", csp);
	MHD_add_response_header(m, "X-Frame-Options", "DENY");
	MHD_add_response_header(m, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(m, "Cache-Control", "no-store");
	if (rs->location[0])
		MHD_add_response_header(m, "Location", rs->location);
	if (rs->cookie[0])
		MHD_add_response_header(m, "Set-Cookie", rs->cookie);
	if (rs->disposition[0])
		MHD_add_response_header(m, "Content-Disposition", rs->disposition);
	if (rs->bearer)
		MHD_add_response_header(m, "WWW-Authenticate", "Bearer realm=\"abusedesk\"");
	ret = MHD_queue_response(r->conn, (unsigned)rs->status, m);
	MHD_destroy_response(m);
	return ret;
}

/* client_addr - the numeric address of the peer */
static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	str_copy(out, n, "?");
	if (sa == NULL)
		return;
	getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
		    out, (socklen_t)n, NULL, 0, NI_NUMERICHOST);
}

/* handle - MHD's access handler: gather the body, then answer */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	struct web *w = cls;
	struct req *r = *ctx;
	struct resp rs;
	enum MHD_Result ret;

	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->conn = conn;
		r->method = method;
		r->url = url;
		buf_init(&r->body, WEB_BODY_MAX);
		client_addr(conn, r->addr, sizeof(r->addr));
		*ctx = r;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->toobig && buf_append(&r->body, upload, *upload_size) < 0)
			r->toobig = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&rs, 0, sizeof(rs));
	buf_init(&rs.body, 0);
	rs.status = 500;
	/* a connection the server dropped (a restart, or an answer that never
	 * came) is opened again before the request: otherwise every later
	 * request of this long-lived process would fail as well */
	(void)db_reconnect(w->d);
	if (r->toobig) {
		rs.status = 413;
		rs.type = "text/plain; charset=utf-8";
		buf_puts(&rs.body, "request body too large\n");
	} else if (strncmp(url, "/api/", 5) == 0) {
		web_api(w, r, &rs);
	} else if (strcmp(url, "/style.css") == 0 && strcmp(method, "GET") == 0) {
		rs.status = 200;
		rs.type = "text/css; charset=utf-8";
		buf_puts(&rs.body, web_css);
	} else {
		web_pages(w, r, &rs);
	}
	if (rs.status == 503)
		msg_warn("web: a request answered 503: database %s: %s", w->d->path, db_errmsg(w->d));
	ret = respond(r, &rs);
	buf_free(&rs.body);
	return ret;
}

/* done - MHD's completion callback: free the request */
static void done(void *cls, struct MHD_Connection *conn, void **ctx, enum MHD_RequestTerminationCode why)
{
	struct req *r = *ctx;

	if (r) {
		buf_free(&r->body);
		free(r);
		*ctx = NULL;
	}
}

/* parse_listen - "ADDR:PORT" or "[V6]:PORT" into ss; 0 or -1 */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon, *h = s;
	size_t hl;
	long port;
	struct addrinfo hints, *ai = NULL;

	if (s[0] == '[') {
		const char *e = strchr(s, ']');

		if (e == NULL || e[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(e - h);
		colon = e + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host) || str_to_long(colon + 1, 1, 65535, &port) < 0)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || ai == NULL)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	return 0;
}

int web_run(const struct config *cfg, struct db *d, const struct web_opts *o)
{
	const char *listen = o->listen ? o->listen : "127.0.0.1:8025";
	struct web w = { cfg, d, o, "" };
	struct sockaddr_storage ss;
	struct MHD_Daemon *mhd;
	socklen_t sslen = 0;
	sigset_t set;
	char err[256];
	int sig = 0;

	if (mhd_dl_load(err, sizeof(err)) < 0) {
		msg_error("%s", err);
		return -1;
	}
	if (app_random_hex(w.secret, 32) < 0)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (parse_listen(listen, &ss, &sslen) < 0) {
		msg_error("--listen %s: want ADDRESS:PORT, e.g. 127.0.0.1:8025", listen);
		return -1;
	}
	/* the server's thread inherits the blocked signals; this one waits for them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert },
		{ MHD_OPTION_END, 0, NULL },
	};
	int use_tls = o->tls_cert && o->tls_key;

	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			       (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (use_tls ? MHD_USE_TLS : 0),
			       0, NULL, NULL, handle, &w,
			       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			       MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONNECTIONS,
			       MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WEB_PER_ADDRESS,
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_TIMEOUT,
			       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_CONN_MEMORY,
			       MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			       MHD_OPTION_ARRAY, use_tls ? tls : tls + 2,
			       MHD_OPTION_END);
	if (mhd == NULL) {
		msg_error("cannot listen on %s%s", listen, use_tls ? " (or the TLS certificate or key is not usable)" : "");
		return -1;
	}
	msg_info("web helpdesk on %s://%s/", use_tls ? "https" : "http", listen);
	while (sig != SIGTERM && sig != SIGINT)
		if (sigwait(&set, &sig) != 0)
			break;
	MHD_stop_daemon(mhd);
	msg_info("web helpdesk stopped");
	return 0;
}

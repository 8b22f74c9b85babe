/*
 * probe_proxy - the open proxy test: on each port, would the target connect
 * an outside client to the outside host?
 *
 * Methods, each on its own connection: HTTP CONNECT to the outside host's
 * SMTP port (a 2xx is open; the tunnel's first line, normally the SMTP
 * banner, is recorded and the tunnel is closed with QUIT), HTTP GET of
 * http://OUTSIDE/ (a 2xx/3xx answer is open). A port that answered HTTP is
 * not tried as SOCKS; any other port gets a SOCKS4(a) and a SOCKS5 CONNECT
 * (a grant is open). 403/407 and SOCKS refusals are closed.
 */
#include <stdio.h>
#include <string.h>

#include "../../util/str.h"
#include "probe_int.h"

struct ptest {
	const struct probe_target *t;
	const struct probe_opts *o;
	struct probe_res *r;
	char host[256];        /* outside host */
	int port;              /* outside port (CONNECT, SOCKS) */
	char hostport[300];    /* host:port, IPv6 in brackets */
	char urlhost[280];     /* host for the GET URL */
	char open[300];        /* what was open, for the detail line */
	char summary[300];     /* what each port said */
	int connected;         /* a port accepted a TCP connection */
	int refused;           /* ports that refused */
};

/* note - append s to a "; "-separated detail list, cut when full */
static void note(char *dst, size_t size, const char *s)
{
	size_t l = strlen(dst), n = strlen(s);

	if (l + 4 >= size)
		return;
	if (l) {
		memcpy(dst + l, "; ", 2);
		l += 2;
	}
	if (n > size - l - 1)
		n = size - l - 1;
	memcpy(dst + l, s, n);
	dst[l + n] = '\0';
}

/* http_status - read the status line and headers; the status code, 0 not HTTP, -1 no answer */
static int http_status(struct pio *p)
{
	char line[PIO_LINE_MAX];
	int code = 0;

	if (pio_line(p, line, sizeof(line)) < 0)
		return -1;
	if (strncmp(line, "HTTP/", 5) != 0 || sscanf(line, "HTTP/%*s %3d", &code) != 1 ||
	    code < 100 || code > 599)
		return 0;
	for (int i = 0; i < PIO_REPLY_LINES; i++)
		if (pio_line(p, line, sizeof(line)) < 0 || line[0] == '\0')
			break;
	return code;
}

/* try_connect - HTTP CONNECT; the HTTP status, 0 not HTTP, -1 no answer,
 * -2 connection refused, -3 cannot connect */
static int try_connect(struct ptest *x, int pport)
{
	struct pio p;
	char req[700], line[PIO_LINE_MAX];
	int rc = pio_connect(&p, x->t, pport, x->o->timeout, &x->r->transcript);

	if (rc < 0) {
		if (rc == PIO_REFUSED)
			x->refused++;
		return rc == PIO_REFUSED ? -2 : -3;
	}
	x->connected = 1;
	snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: abusedesk-probe\r\n\r\n",
		 x->hostport, x->hostport);
	rc = pio_sendstr(&p, req) < 0 ? -1 : http_status(&p);
	if (rc >= 200 && rc < 300) {
		tr_note(&x->r->transcript, "tunnel open: reading the outside host's greeting");
		if (pio_line(&p, line, sizeof(line)) == 0)
			pio_sendstr(&p, "QUIT\r\n");
	}
	pio_close(&p);
	return rc;
}

/* try_get - HTTP GET of an absolute URI; the HTTP status, 0 not HTTP, -1 none */
static int try_get(struct ptest *x, int pport)
{
	struct pio p;
	char req[800];
	int rc;

	if (pio_connect(&p, x->t, pport, x->o->timeout, &x->r->transcript) < 0)
		return -1;
	snprintf(req, sizeof(req), "GET http://%s/ HTTP/1.1\r\nHost: %s\r\nUser-Agent: abusedesk-probe\r\n"
		 "Connection: close\r\n\r\n", x->urlhost, x->urlhost);
	rc = pio_sendstr(&p, req) < 0 ? -1 : http_status(&p);
	pio_close(&p);
	return rc;
}

/* socks4_req - a SOCKS4 (IPv4 literal) or SOCKS4a (name) CONNECT request; its length */
static size_t socks4_req(const struct ptest *x, unsigned char *q, size_t size)
{
	struct ipaddr ip;
	size_t n = 0, hl = strlen(x->host);

	if (hl + 20 > size)
		return 0;
	q[n++] = 4;
	q[n++] = 1;
	q[n++] = (unsigned char)(x->port >> 8);
	q[n++] = (unsigned char)(x->port & 0xff);
	if (ip_parse(x->host, &ip) == 0 && ip_is_v4(&ip)) {
		memcpy(q + n, ip.b + 12, 4);
		n += 4;
		memcpy(q + n, "abusedesk", 10);
		return n + 10;
	}
	memcpy(q + n, "\0\0\0\1", 4);       /* 0.0.0.1: SOCKS4a, the name follows */
	n += 4;
	memcpy(q + n, "abusedesk", 10);
	n += 10;
	memcpy(q + n, x->host, hl + 1);
	return n + hl + 1;
}

/* try_socks4 - 1 granted, 0 refused / not SOCKS4, -1 no connection */
static int try_socks4(struct ptest *x, int pport)
{
	struct pio p;
	unsigned char req[300], rep[8];
	size_t n = socks4_req(x, req, sizeof(req));
	int rc;

	if (n == 0 || pio_connect(&p, x->t, pport, x->o->timeout, &x->r->transcript) < 0)
		return -1;
	tr_note(&x->r->transcript, "SOCKS4 CONNECT %s", x->hostport);
	rc = pio_send(&p, req, n) == 0 && pio_readn(&p, rep, 8) == 0 && rep[0] == 0 && rep[1] == 0x5a;
	pio_close(&p);
	return rc;
}

/* socks5_req - a SOCKS5 CONNECT request for the outside host; its length */
static size_t socks5_req(const struct ptest *x, unsigned char *q, size_t size)
{
	struct ipaddr ip;
	size_t n = 0, hl = strlen(x->host);

	if (hl > 255 || hl + 8 > size)
		return 0;
	q[n++] = 5;
	q[n++] = 1;
	q[n++] = 0;
	if (ip_parse(x->host, &ip) == 0) {
		int v4 = ip_is_v4(&ip);
		q[n++] = v4 ? 1 : 4;
		memcpy(q + n, v4 ? ip.b + 12 : ip.b, v4 ? 4 : 16);
		n += v4 ? 4 : 16;
	} else {
		q[n++] = 3;
		q[n++] = (unsigned char)hl;
		memcpy(q + n, x->host, hl);
		n += hl;
	}
	q[n++] = (unsigned char)(x->port >> 8);
	q[n++] = (unsigned char)(x->port & 0xff);
	return n;
}

/* try_socks5 - 1 granted, 0 refused / not SOCKS5, -1 no connection */
static int try_socks5(struct ptest *x, int pport)
{
	struct pio p;
	unsigned char req[300], rep[4];
	size_t n = socks5_req(x, req, sizeof(req));
	int rc = 0;

	if (n == 0 || pio_connect(&p, x->t, pport, x->o->timeout, &x->r->transcript) < 0)
		return -1;
	tr_note(&x->r->transcript, "SOCKS5 no-auth greeting, then CONNECT %s", x->hostport);
	if (pio_send(&p, "\x05\x01\x00", 3) == 0 && pio_readn(&p, rep, 2) == 0 && rep[0] == 5) {
		if (rep[1] == 0xff || rep[1] != 0)
			tr_note(&x->r->transcript, "SOCKS5 wants authentication (method %u): not open", rep[1]);
		else
			rc = pio_send(&p, req, n) == 0 && pio_readn(&p, rep, 4) == 0 && rep[0] == 5 &&
			     rep[1] == 0;
	}
	pio_close(&p);
	return rc;
}

/* one_port - every method on one port */
static void one_port(struct ptest *x, int pport)
{
	char what[400];
	int c, g;

	tr_note(&x->r->transcript, "--- port %d", pport);
	c = try_connect(x, pport);
	if (c == -2 || c == -3) {
		snprintf(what, sizeof(what), "port %d %s", pport, c == -2 ? "refuses connections" : "unreachable");
		note(x->summary, sizeof(x->summary), what);
		return;
	}
	if (c >= 200 && c < 300) {
		snprintf(what, sizeof(what), "HTTP CONNECT to %s on port %d", x->hostport, pport);
		note(x->open, sizeof(x->open), what);
	}
	if (c > 0) {
		g = try_get(x, pport);
		if (g >= 200 && g < 400) {
			snprintf(what, sizeof(what), "HTTP GET http://%s/ on port %d", x->urlhost, pport);
			note(x->open, sizeof(x->open), what);
		}
		snprintf(what, sizeof(what), "port %d: CONNECT %d, GET %d", pport, c, g);
		note(x->summary, sizeof(x->summary), what);
		return;
	}
	if (try_socks4(x, pport) == 1) {
		snprintf(what, sizeof(what), "SOCKS4 CONNECT to %s on port %d", x->hostport, pport);
		note(x->open, sizeof(x->open), what);
	}
	if (try_socks5(x, pport) == 1) {
		snprintf(what, sizeof(what), "SOCKS5 CONNECT to %s on port %d", x->hostport, pport);
		note(x->open, sizeof(x->open), what);
	}
	snprintf(what, sizeof(what), "port %d: no HTTP answer, no SOCKS grant", pport);
	note(x->summary, sizeof(x->summary), what);
}

/* probe_proxy - the open proxy test against t on every port of o */
void probe_proxy(const struct probe_target *t, const struct probe_opts *o, struct probe_res *r)
{
	struct ptest x;

	probe_res_start(r, PROBE_PROXY);
	memset(&x, 0, sizeof(x));
	x.t = t;
	x.o = o;
	x.r = r;
	if (split_hostport(o->outside_host, x.host, sizeof(x.host), &x.port, 25) < 0) {
		probe_set(r, PROBE_ERROR, "probe_outside_host must be host:port");
		return;
	}
	if (strchr(x.host, ':')) {
		snprintf(x.hostport, sizeof(x.hostport), "[%s]:%d", x.host, x.port);
		snprintf(x.urlhost, sizeof(x.urlhost), "[%s]", x.host);
	} else {
		snprintf(x.hostport, sizeof(x.hostport), "%s:%d", x.host, x.port);
		snprintf(x.urlhost, sizeof(x.urlhost), "%s", x.host);
	}
	for (size_t i = 0; i < o->nports; i++)
		one_port(&x, o->ports[i]);
	if (x.open[0])
		probe_set(r, PROBE_OPEN, "open proxy: %s", x.open);
	else if (x.connected || x.refused == (int)o->nports)
		probe_set(r, PROBE_CLOSED, "%s", x.summary);
	else
		probe_set(r, PROBE_ERROR, "no proxy port could be tested: %s", x.summary);
}

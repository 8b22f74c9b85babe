/*
 * probe - the policy (what may be probed), option parsing, name resolution
 * and the result model of the open relay / open proxy probe.
 *
 * A complaint may be forged to make us probe a third party, so the policy is
 * strict: an address must be inside our_networks AND known to the inventory
 * (a host address or a network), and for a name every address it resolves to
 * must pass. The tests themselves live in probe_smtp.c and probe_proxy.c.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../util/json.h"
#include "../../util/str.h"
#include "probe_int.h"

const char *probe_kind_name(enum probe_kind k)
{
	return k == PROBE_RELAY ? "relay" : "proxy";
}

const char *probe_result_name(enum probe_result r)
{
	return r == PROBE_OPEN ? "open" : r == PROBE_CLOSED ? "closed" : "error";
}

/* probe_opts_init - the defaults of abusedesk.conf(5) */
void probe_opts_init(struct probe_opts *o)
{
	static const int dflt[] = { 3128, 8080, 8000, 1080 };

	memset(o, 0, sizeof(*o));
	o->helo = "probe.abusedesk.invalid";
	o->outside_domain = "example.org";
	o->outside_host = "mx.example.org:25";
	o->smtp_port = 25;
	o->timeout = 10;
	for (size_t i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
		o->ports[o->nports++] = dflt[i];
}

/* probe_parse_ports - comma/space separated ports; 0, or -1 with the bad token */
int probe_parse_ports(struct probe_opts *o, const char *s, char *bad, size_t badlen)
{
	char tok[32];
	long v;

	o->nports = 0;
	while (s && *s) {
		size_t n = strcspn(s, ", \t");
		if (n > 0) {
			snprintf(tok, sizeof(tok), "%.*s", (int)(n < 31 ? n : 31), s);
			if (n > 31 || str_to_long(tok, 1, 65535, &v) < 0 || o->nports >= PROBE_MAX_PORTS) {
				snprintf(bad, badlen, "%.*s", (int)(n < 40 ? n : 40), s);
				return -1;
			}
			o->ports[o->nports++] = (int)v;
		}
		s += n;
		s += strspn(s, ", \t");
	}
	if (o->nports == 0) {
		snprintf(bad, badlen, "(no port)");
		return -1;
	}
	return 0;
}

/* probe_opts_from_config - the probe_* keys of abusedesk.conf */
int probe_opts_from_config(struct probe_opts *o, const struct config *cfg, char *err, size_t errlen)
{
	char bad[64];

	probe_opts_init(o);
	if (cfg->probe_helo && *cfg->probe_helo)
		o->helo = cfg->probe_helo;
	if (cfg->probe_outside_domain && *cfg->probe_outside_domain)
		o->outside_domain = cfg->probe_outside_domain;
	if (cfg->probe_outside_host && *cfg->probe_outside_host)
		o->outside_host = cfg->probe_outside_host;
	if (cfg->probe_timeout > 0)
		o->timeout = cfg->probe_timeout;
	if (cfg->probe_proxy_ports && *cfg->probe_proxy_ports &&
	    probe_parse_ports(o, cfg->probe_proxy_ports, bad, sizeof(bad)) < 0) {
		snprintf(err, errlen, "probe_proxy_ports: bad port '%s'", bad);
		return -1;
	}
	return 0;
}

/* probe_resolve - every address of an IP literal or host name */
int probe_resolve(const char *name, struct ipaddr *out, size_t max, size_t *n, char *why, size_t whylen)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	*n = 0;
	if (name == NULL || *name == '\0' || strlen(name) > 253 || str_has_ctl(name, strlen(name))) {
		snprintf(why, whylen, "not a host name or address");
		return -1;
	}
	if (ip_parse(name, &out[0]) == 0) {
		*n = 1;
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		snprintf(why, whylen, "cannot resolve %s: %s", name, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		struct ipaddr ip = { { 0 } };
		int dup = 0;
		if (a->ai_family == AF_INET) {
			ip.b[10] = ip.b[11] = 0xff;
			memcpy(ip.b + 12, &((struct sockaddr_in *)a->ai_addr)->sin_addr, 4);
		} else if (a->ai_family == AF_INET6)
			memcpy(ip.b, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, 16);
		else
			continue;
		for (size_t i = 0; i < *n; i++)
			dup |= ip_cmp(&out[i], &ip) == 0;
		if (dup)
			continue;
		if (*n >= max) {
			freeaddrinfo(res);
			snprintf(why, whylen, "%s resolves to more than %zu addresses", name, max);
			return -1;
		}
		out[(*n)++] = ip;
	}
	freeaddrinfo(res);
	if (*n == 0) {
		snprintf(why, whylen, "%s has no address", name);
		return -1;
	}
	return 0;
}

/* probe_check_target - inside ours AND in the inventory, or refused */
int probe_check_target(const struct netlist *ours, const struct trace_env *env, const struct ipaddr *ip,
		       struct probe_target *t, char *why, size_t whylen)
{
	struct inv_entry e;
	char text[46];

	memset(t, 0, sizeof(*t));
	ip_format(ip, text);
	if (ours == NULL || !netlist_contains(ours, ip)) {
		snprintf(why, whylen, "%s is not inside our_networks: refusing to probe it", text);
		return -1;
	}
	memset(&e, 0, sizeof(e));
	if (env && env->lookup)
		env->lookup(env->ctx, ip, &e);
	if (!e.found) {
		snprintf(why, whylen, "%s is not in the inventory (hosts or networks): refusing to probe it", text);
		return -1;
	}
	t->ip = *ip;
	str_copy(t->text, sizeof(t->text), text);
	str_copy(t->name, sizeof(t->name), e.host);
	t->role = e.role;
	t->approved = PROBE_APPROVED;
	return 0;
}

void probe_res_init(struct probe_res *r, enum probe_kind k)
{
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->result = PROBE_ERROR;
	buf_init(&r->transcript, PROBE_TRANSCRIPT_MAX);
}

/* probe_res_start - a test begins: kind set, result error until decided, transcript empty */
void probe_res_start(struct probe_res *r, enum probe_kind k)
{
	r->kind = k;
	r->result = PROBE_ERROR;
	r->detail[0] = '\0';
	buf_reset(&r->transcript);
	r->transcript.toobig = 0;
}

void probe_res_free(struct probe_res *r)
{
	buf_free(&r->transcript);
}

/* probe_set - set the result and a sanitised one-line detail */
void probe_set(struct probe_res *r, enum probe_result res, const char *fmt, ...)
{
	char raw[sizeof(r->detail)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	r->result = res;
	sanitize_line(raw, strlen(raw), r->detail, sizeof(r->detail));
}

/* split_hostport - "host:port", "[v6]:port" or "host" (port = dflt); 0 or -1 */
int split_hostport(const char *s, char *host, size_t hsize, int *port, int dflt)
{
	const char *colon, *h = s;
	size_t hl;
	long v = dflt;

	if (s == NULL || *s == '\0')
		return -1;
	if (*s == '[') {
		const char *e = strchr(s, ']');
		if (e == NULL)
			return -1;
		h = s + 1;
		hl = (size_t)(e - h);
		colon = e[1] == ':' ? e + 1 : NULL;
		if (e[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL;                   /* a bare IPv6 address */
		hl = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (colon && str_to_long(colon + 1, 1, 65535, &v) < 0)
		return -1;
	if (hl == 0 || hl >= hsize)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	for (size_t i = 0; i < hl; i++)
		if (!((host[i] >= 'a' && host[i] <= 'z') || (host[i] >= 'A' && host[i] <= 'Z') ||
		      (host[i] >= '0' && host[i] <= '9') || strchr(".-:_", host[i])))
			return -1;
	*port = (int)v;
	return 0;
}

/* probe_res_json - one JSON object for the result */
void probe_res_json(const struct probe_target *t, const struct probe_res *r, struct buf *out)
{
	int first = 1;

	buf_putc(out, '{');
	json_kv_str(out, &first, "target", t->text);
	json_kv_str(out, &first, "host", t->name[0] ? t->name : NULL);
	json_kv_str(out, &first, "kind", probe_kind_name(r->kind));
	json_kv_str(out, &first, "result", probe_result_name(r->result));
	json_kv_str(out, &first, "detail", r->detail);
	json_kv_str(out, &first, "transcript", r->transcript.data);
	buf_putc(out, '}');
}

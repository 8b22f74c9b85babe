/*
 * trace_nonmail - reports that carry no message: a login attack, a scan, a
 * DDoS, a phishing or malware URL, a copyright notice. There is no Received
 * chain to walk; the address the report names (Source, a log line, the host
 * of a reported URL) is our host or not, and its role decides:
 *
 *   URL host ours (phishing, malware, copyright: the URL's host name is an
 *   inventory host, or its address is ours)      web_compromise "url-host-ROLE"
 *   source a proxy                                open_proxy "attack-proxy"
 *   source a customer / dynamic address           infected_host "attack-customer"...
 *                                                 ("copyright-customer" for copyright)
 *   source a NAT gateway: with the report's port and time the NAT record names
 *   the inside host, whose role decides ("nat-inside-..."); without them
 *                                                 unknown "nat-no-port" / "nat-no-record"
 *   source a web, mta or server host: phishing, copyright, or malware with a URL
 *                                                 web_compromise "content-ROLE"
 *     an attack (login, scan, ddos, fraud; malware without a URL, a bot a feed saw)
 *                                                 compromised_server "attack-ROLE"
 *     other                                       unknown "nonmail-other-ROLE"
 *   source ours, no role                          unknown "nonmail-not-in-inventory"
 *   source not ours                               not_ours "nonmail-not-ours"
 *
 * Spam reports, bounces and reports with a message (or its headers) take
 * the mail trace. Confidence is the rule's, capped by how sure the parser
 * was of the source (report.source_sure).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"

#define NONMAIL_MAX_URLS 50    /* reported URLs looked at */

/* nonmail - r is traced here, not along a Received chain */
static int nonmail(const struct report *r)
{
	return r->nhops == 0 && !r->orig.present && r->format != FMT_DSN &&
	       r->abuse_category != CAT_SPAM && r->abuse_category != CAT_NONE;
}

/* content - a category about what a host serves, not what it sends */
static int content(enum report_category c)
{
	return c == CAT_PHISHING || c == CAT_MALWARE || c == CAT_COPYRIGHT;
}

/* label - "web1.example.net (192.0.2.40)" or the address */
static const char *label(const struct tnode *n, char *out, size_t size)
{
	if (n->name[0] && n->ip[0])
		snprintf(out, size, "%s (%s)", n->name, n->ip);
	else
		snprintf(out, size, "%s", n->ip[0] ? n->ip : n->name);
	return out;
}

/* decide - the verdict on host n */
static void decide(struct tstate *t, const struct tnode *n, enum verdict_class cls, const char *rule,
		   enum confidence c, const char *expl)
{
	enum source_sure s = t->r->source_sure;

	if (n) {
		trace_set(&t->v->abused_ip, n->ip[0] ? n->ip : NULL);
		trace_set(&t->v->abused_host, n->name[0] ? n->name : NULL);
		trace_set(&t->v->owner, n->inv.owner[0] ? n->inv.owner : NULL);
		t->v->role = n->inv.role;
	}
	if (s == SRC_SURE_LOW && c > CONF_LOW)
		c = CONF_LOW;
	else if (s == SRC_SURE_MEDIUM && c > CONF_MEDIUM)
		c = CONF_MEDIUM;
	t->v->cls = cls;
	t->v->confidence = c < t->conf_level ? c : t->conf_level;
	trace_set(&t->v->rule, rule);
	trace_set(&t->v->explanation, expl);
}

/* what - "login attack", "port scan" ... for a sentence */
static const char *what(enum report_category c)
{
	switch (c) {
	case CAT_LOGIN_ATTACK: return "login attack";
	case CAT_SCAN: return "scan";
	case CAT_DDOS: return "denial-of-service attack";
	case CAT_PHISHING: return "phishing";
	case CAT_MALWARE: return "malware";
	case CAT_COPYRIGHT: return "copyright infringement";
	case CAT_FRAUD: return "fraud";
	default: return "abuse";
	}
}

/* by_role - the verdict for host n (the source, or the host inside our NAT); rp: rule prefix */
static void by_role(struct tstate *t, const struct tnode *n, const char *rp)
{
	enum report_category c = t->r->abuse_category;
	const char *w = what(c), *role = role_name(n->inv.role);
	char l[400], s[1024], rule[64];

	label(n, l, sizeof(l));
	switch (n->inv.role) {
	case ROLE_PROXY:
		snprintf(rule, sizeof(rule), "%s-proxy", rp);
		snprintf(s, sizeof(s), "%s is a proxy and the reported %s came from it, so the real "
			 "source is an outside client using it: open proxy.", l, w);
		decide(t, n, V_OPEN_PROXY, rule, CONF_HIGH, s);
		return;
	case ROLE_CUSTOMER:
	case ROLE_DYNAMIC:
		if (c == CAT_COPYRIGHT) {
			snprintf(rule, sizeof(rule), "copyright-%s", role);
			snprintf(s, sizeof(s), "%s is a %s address of ours and the copyright notice names "
				 "it: the copyright policy's notice goes to that customer.", l, role);
		} else {
			snprintf(rule, sizeof(rule), "%s-%s", rp, role);
			snprintf(s, sizeof(s), "%s is a %s address of ours and the reported %s came from "
				 "it: the machine there is probably infected (infected host).", l, role, w);
		}
		decide(t, n, V_INFECTED_HOST, rule, CONF_HIGH, s);
		return;
	case ROLE_WEB:
	case ROLE_MTA:
	case ROLE_SERVER:
		/* malware without a URL is a bot phoning home (a feed, a sinkhole): an attack */
		if (content(c) && (c != CAT_MALWARE || t->r->reported_uris.n > 0)) {
			snprintf(rule, sizeof(rule), "content-%s", role);
			snprintf(s, sizeof(s), "%s is a %s host of ours and serves the reported %s: a "
				 "site there was probably broken into (web compromise).", l, role, w);
			decide(t, n, V_WEB_COMPROMISE, rule, n->inv.role == ROLE_WEB ? CONF_HIGH :
			       CONF_MEDIUM, s);
		} else if (c == CAT_OTHER) {
			snprintf(rule, sizeof(rule), "nonmail-other-%s", role);
			snprintf(s, sizeof(s), "The report names %s, a %s host of ours, but does not say "
				 "what kind of abuse: check that host for the reported activity.", l, role);
			decide(t, n, V_UNKNOWN, rule, CONF_LOW, s);
		} else {
			snprintf(rule, sizeof(rule), "%s-%s", rp, role);
			snprintf(s, sizeof(s), "%s is a %s host of ours and the reported %s came from it: "
				 "the server is probably compromised (compromised server).", l, role, w);
			decide(t, n, V_COMPROMISED_SERVER, rule, CONF_HIGH, s);
		}
		return;
	default:
		snprintf(s, sizeof(s), "The report names %s, which is ours, but the inventory does not "
			 "say what that host is: add it with a role to classify this %s report.", l, w);
		decide(t, n, V_UNKNOWN, "nonmail-not-in-inventory", CONF_LOW, s);
		return;
	}
}

/* url_host - the host part of a URL into out ("" when none); 1 when an address literal */
static int url_host(const char *u, char *out, size_t size)
{
	const char *p = strstr(u, "://"), *e, *at;
	size_t n;

	out[0] = '\0';
	p = p ? p + 3 : u;
	e = p + strcspn(p, "/?#");
	if ((at = memchr(p, '@', (size_t)(e - p))) != NULL)
		p = at + 1;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(e - p));

		if (rb == NULL)
			return 0;
		n = (size_t)(rb - p - 1);
		if (n >= size)
			return 0;
		memcpy(out, p + 1, n);
		out[n] = '\0';
		return 1;
	}
	n = strcspn(p, ":/?#");
	if (p + n > e)
		n = (size_t)(e - p);
	if (n == 0 || n >= size)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	while (n && out[n - 1] == '.')
		out[--n] = '\0';
	return strspn(out, "0123456789.") == n;
}

/* url_trace - a reported URL served by a host of ours; 1 decided */
static int url_trace(struct tstate *t)
{
	const struct strlist *u = &t->r->reported_uris;
	char host[256], ip[46], l[400], s[1024], rule[64], sane[120];
	struct tnode n;

	for (size_t i = 0; i < u->n && i < NONMAIL_MAX_URLS; i++) {
		int literal = url_host(u->v[i], host, sizeof(host));
		const char *how;

		if (!host[0])
			continue;
		ip[0] = '\0';
		if (literal || strchr(host, ':')) {
			str_copy(ip, sizeof(ip), host);
			how = "its address";
		} else if (t->env && t->env->lookup_name && t->env->lookup_name(t->env->ctx, host, ip) == 0) {
			ip[45] = '\0';
			how = "its host name, an inventory host";
		} else if (trace_name_ours(t, host)) {
			str_copy(sane, sizeof(sane), u->v[i]);
			trace_evidence(t, "reported URL %s: host %s is in our domains but not in the "
				       "inventory", sane, host);
			memset(&n, 0, sizeof(n));
			str_copy(n.name, sizeof(n.name), host);
			snprintf(s, sizeof(s), "The reported %s URL is on %s, a name in our domains that "
				 "the inventory does not know: find the web host that serves it.", what(t->r->abuse_category), host);
			decide(t, &n, V_UNKNOWN, "url-host-not-in-inventory", CONF_MEDIUM, s);
			return 1;
		} else {
			continue;
		}
		if (!trace_ip_ours(t, ip))
			continue;
		trace_node(t, &n, ip, literal ? NULL : host);
		if (!n.ip[0])
			continue;
		str_copy(sane, sizeof(sane), u->v[i]);
		trace_evidence(t, "reported URL %s: %s names %s, ours", sane, how, n.ip);
		label(&n, l, sizeof(l));
		if (n.inv.role == ROLE_PROXY || n.inv.role == ROLE_NAT || n.inv.role == ROLE_CUSTOMER ||
		    n.inv.role == ROLE_DYNAMIC) {
			by_role(t, &n, "url");
			return 1;
		}
		snprintf(rule, sizeof(rule), "url-host-%s", n.inv.role ? role_name(n.inv.role) : "none");
		snprintf(s, sizeof(s), "The reported %s URL is served by %s%s: a site there was probably "
			 "broken into, or its owner publishes it (web compromise).", what(t->r->abuse_category),
			 n.inv.role == ROLE_WEB ? "our web server " : "", l);
		decide(t, &n, V_WEB_COMPROMISE, rule, n.inv.role == ROLE_WEB ? CONF_HIGH : CONF_MEDIUM, s);
		return 1;
	}
	return 0;
}

/* nat_inside - the source is our NAT gateway n: the record for the report's port and time */
static void nat_inside(struct tstate *t, const struct tnode *gw)
{
	const struct report *r = t->r;
	char l[400], s[1024], inside[46] = "", when[32], nat[80];
	struct ipaddr a;
	struct tnode in;
	int iport = 0;

	label(gw, l, sizeof(l));
	if (r->source_port <= 0 || r->arrival == 0) {
		snprintf(s, sizeof(s), "%s is a NAT gateway and the report gives no source port and "
			 "time, so the inside host cannot be found without asking the reporter for them "
			 "and reading the NAT log.", l);
		decide(t, gw, V_UNKNOWN, "nat-no-port", CONF_LOW, s);
		return;
	}
	time_rfc3339(r->arrival, when);
	if (t->env == NULL || t->env->nat == NULL || ip_parse(gw->ip, &a) < 0 ||
	    t->env->nat(t->env->ctx, &a, r->source_port, r->arrival, inside, &iport) < 0) {
		snprintf(s, sizeof(s), "%s is a NAT gateway; the NAT log for port %d at %s is needed to "
			 "find the inside host.", l, r->source_port, when);
		decide(t, gw, V_UNKNOWN, "nat-no-record", CONF_LOW, s);
		return;
	}
	inside[45] = '\0';
	trace_node(t, &in, inside, NULL);
	if (!in.ip[0]) {
		decide(t, gw, V_UNKNOWN, "nat-no-record", CONF_LOW, "The NAT record names no usable "
		       "inside address.");
		return;
	}
	if (iport > 0)
		snprintf(nat, sizeof(nat), strchr(in.ip, ':') ? "[%s]:%d" : "%s:%d", in.ip, iport);
	else
		snprintf(nat, sizeof(nat), "%s", in.ip);
	trace_set(&t->v->nat_inside, nat);
	trace_evidence(t, "nat: %s port %d at %s was %s", gw->ip, r->source_port, when, nat);
	str_copy(t->injector, sizeof(t->injector), in.ip);
	by_role(t, &in, "nat-inside");
}

/* trace_nonmail - see above; 1 when decided here */
int trace_nonmail(struct tstate *t)
{
	const struct report *r = t->r;
	const char *src = r->source_ip, *field = r->source_field ? r->source_field : "the report";
	char s[1024];
	struct tnode n;

	if (!nonmail(r))
		return 0;
	if (r->content_title || r->protocol)
		trace_evidence(t, "the notice names the work \"%.120s\"%s%.40s", r->content_title ? r->content_title : "?",
			       r->protocol ? ", protocol " : "", r->protocol ? r->protocol : "");
	if (content(r->abuse_category) && url_trace(t))
		return 1;
	if (src == NULL || !*src) {
		if (!url_trace(t)) {
			decide(t, NULL, V_UNKNOWN, "nonmail-no-address", CONF_LOW, "The report names no "
			       "address or URL host of ours to trace: ask the reporter for the source "
			       "address, port and time.");
		}
		return 1;
	}
	if (!trace_ip_ours(t, src)) {
		if (url_trace(t))
			return 1;
		trace_evidence(t, "%s named %s, not in our networks", field, src);
		str_copy(t->injector, sizeof(t->injector), src);
		snprintf(s, sizeof(s), "The reported %s came from %s, which is not in our networks: "
			 "not ours.", what(r->abuse_category), src);
		decide(t, NULL, V_NOT_OURS, "nonmail-not-ours", CONF_HIGH, s);
		return 1;
	}
	trace_node(t, &n, src, NULL);
	if (r->source_port > 0)
		trace_evidence(t, "%s named %s port %d, ours (role %s)", field, src, r->source_port,
			       n.inv.role ? role_name(n.inv.role) : "none");
	else
		trace_evidence(t, "%s named %s, ours (role %s)", field, src,
			       n.inv.role ? role_name(n.inv.role) : "none");
	trace_set(&t->v->egress_ip, n.ip);
	if (n.inv.role == ROLE_NAT) {
		nat_inside(t, &n);
		return 1;
	}
	str_copy(t->injector, sizeof(t->injector), n.ip);
	by_role(t, &n, "attack");
	return 1;
}

/*
 * trace_classify - turn the walk's outcome (egress, the host that held the
 * message last, how the walk stopped) into a verdict class, the abused host,
 * a rule id, a confidence and one plain sentence. The rules are listed in
 * trace.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_int.h"

/* label - "mx2.example.net (192.0.2.25)", "192.0.2.25" or "mx2.example.net" */
static const char *label(const struct tnode *n, char *out, size_t size)
{
	if (n->name[0] && n->ip[0])
		snprintf(out, size, "%s (%s)", n->name, n->ip);
	else if (n->ip[0])
		snprintf(out, size, "%s", n->ip);
	else if (n->name[0])
		snprintf(out, size, "%s", n->name);
	else
		snprintf(out, size, "a host of ours");
	return out;
}

/* set_injector - n handed the message to the first MTA that recorded it: the injector */
static void set_injector(struct tstate *t, const struct tnode *n)
{
	str_copy(t->injector, sizeof(t->injector), n->ip);
}

/* set_abused - the verdict names host n */
static void set_abused(struct tstate *t, const struct tnode *n)
{
	trace_set(&t->v->abused_ip, n->ip);
	trace_set(&t->v->abused_host, n->name);
	trace_set(&t->v->owner, n->inv.owner);
	t->v->role = n->inv.role;
}

/* decide - class, rule, confidence (capped by the walk's doubts), sentence */
static void decide(struct tstate *t, enum verdict_class cls, const char *rule, enum confidence c,
		   const char *fmt, ...) AD_PRINTF(5, 6);
static void decide(struct tstate *t, enum verdict_class cls, const char *rule, enum confidence c,
		   const char *fmt, ...)
{
	char s[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	t->v->cls = cls;
	t->v->confidence = c < t->conf_level ? c : t->conf_level;
	trace_set(&t->v->rule, rule);
	trace_set(&t->v->explanation, s);
}

/*
 * by_role - proxy / customer / dynamic host n: open proxy or infected host.
 * how: "left our network from", "was handed to our mail server by" ...
 */
static int by_role(struct tstate *t, const struct tnode *n, const char *where, const char *how)
{
	char l[400], rule[64];

	if (n->inv.role == ROLE_PROXY) {
		set_abused(t, n);
		set_injector(t, n);
		snprintf(rule, sizeof(rule), "%s-proxy", where);
		decide(t, V_OPEN_PROXY, rule, CONF_HIGH, "%s is a proxy and the message %s it, so "
		       "the real sender is behind it: open proxy.", label(n, l, sizeof(l)), how);
		return 1;
	}
	if (n->inv.role == ROLE_CUSTOMER || n->inv.role == ROLE_DYNAMIC) {
		set_abused(t, n);
		set_injector(t, n);
		snprintf(rule, sizeof(rule), "%s-%s", where, role_name(n->inv.role));
		decide(t, V_INFECTED_HOST, rule, CONF_HIGH, "%s is a %s address of ours and the message "
		       "%s it: the machine there is probably infected (infected host).",
		       label(n, l, sizeof(l)), role_name(n->inv.role), how);
		return 1;
	}
	return 0;
}

/*
 * nat_lookup - inside host behind gateway gw for the connection from its
 * port at time 'when' (what the receiver on the far side recorded); 1 found
 */
static int nat_lookup(struct tstate *t, const struct tnode *gw, int port, time_t when,
		      struct tnode *in)
{
	char inside[46] = "", nat[80], ts[32];
	struct ipaddr a;
	int iport = 0;

	if (t->env == NULL || t->env->nat == NULL || ip_parse(gw->ip, &a) < 0)
		return 0;
	if (t->env->nat(t->env->ctx, &a, port, when, inside, &iport) < 0)
		return 0;
	inside[45] = '\0';
	trace_node(t, in, inside, NULL);
	if (!in->ip[0])
		return 0;
	if (iport > 0)
		snprintf(nat, sizeof(nat), strchr(in->ip, ':') ? "[%s]:%d" : "%s:%d", in->ip, iport);
	else
		snprintf(nat, sizeof(nat), "%s", in->ip);
	trace_set(&t->v->nat_inside, nat);
	time_rfc3339(when, ts);
	trace_evidence(t, "nat: %s port %d at %s was %s", gw->ip, port, ts, nat);
	return 1;
}

/*
 * inside_verdict - the NAT record named the inside host 'in' behind our
 * gateway: it handed the message on (to the complainant, or to our MTA), so
 * it is the injector, and its role decides
 */
static void inside_verdict(struct tstate *t, const struct tnode *in, const char *how)
{
	char l[400];

	set_injector(t, in);
	if (by_role(t, in, "nat-inside", how))
		return;
	set_abused(t, in);
	label(in, l, sizeof(l));
	if (in->inv.role == ROLE_WEB)
		decide(t, V_WEB_SCRIPT, "nat-inside-web", CONF_MEDIUM, "The message came from web server "
		       "%s behind our NAT gateway: a web script there was probably abused (web script).", l);
	else
		decide(t, V_UNKNOWN, "nat-inside-host", CONF_MEDIUM, "The message came from %s behind our "
		       "NAT gateway (%s): check that host and its logs.", l,
		       in->inv.role ? role_name(in->inv.role) : "not in the inventory");
}

/*
 * nat_verdict - the egress is a NAT gateway: the report's Source-Port and
 * arrival time (the complainant's side of the connection) find the inside host
 */
static void nat_verdict(struct tstate *t)
{
	const struct report *r = t->r;
	char l[400], when[32];
	struct tnode in;

	set_abused(t, &t->egress);
	label(&t->egress, l, sizeof(l));
	if (r->source_port <= 0 || r->arrival == 0 || !(t->src_agrees || t->src_only)) {
		decide(t, V_UNKNOWN, "nat-no-port", CONF_LOW, "%s is a NAT gateway and the report gives "
		       "no Source-IP, source port and time for it, so the inside host cannot be found "
		       "without asking the complainant for them and reading the NAT log.", l);
		return;
	}
	time_rfc3339(r->arrival, when);
	if (!nat_lookup(t, &t->egress, r->source_port, r->arrival, &in)) {
		decide(t, V_UNKNOWN, "nat-no-record", CONF_LOW, "%s is a NAT gateway; the NAT log for "
		       "port %d at %s is needed to find the inside host that sent this.", l,
		       r->source_port, when);
		return;
	}
	inside_verdict(t, &in, "left our network through our NAT gateway from");
}

/*
 * chain_nat - our chain ends at a NAT gateway that handed the message to our
 * MTA: the client port our MTA recorded for it (in its Received header, or
 * in its mail log for that queue id) and that hop's time find the inside
 * host. The report's Source-Port is the complainant's side and is not used.
 */
static void chain_nat(struct tstate *t)
{
	const struct tnode *gw = &t->cur;
	char l[400], when[32];
	struct tnode in;
	const struct hop *h = t->role_hop >= 0 ? &t->r->hops[t->role_hop] : NULL;
	int port = h ? h->port : 0;
	time_t at = h ? h->when : 0;

	set_abused(t, gw);
	label(gw, l, sizeof(l));
	if (port <= 0 && t->maillog_port > 0 && strcmp(t->maillog_ip, gw->ip) == 0) {
		port = t->maillog_port;
		trace_evidence(t, "maillog: client port %d of %s", port, gw->ip);
	}
	if (port <= 0 || at == 0) {
		decide(t, V_UNKNOWN, "nat-no-port", CONF_LOW, "%s is a NAT gateway inside our chain; the "
		       "NAT log and the mail server's log of the client port are needed to find the "
		       "inside host.", l);
		return;
	}
	time_rfc3339(at, when);
	if (!nat_lookup(t, gw, port, at, &in)) {
		decide(t, V_UNKNOWN, "nat-no-record", CONF_LOW, "%s is a NAT gateway inside our chain; "
		       "the NAT log for port %d at %s is needed to find the inside host that sent this.",
		       l, port, when);
		return;
	}
	inside_verdict(t, &in, "was handed to our mail server through our NAT gateway by");
}

/* compromised - the ingress authenticated */
static void compromised(struct tstate *t)
{
	char l[400], rule[32];
	const char *from = t->injector[0] ? t->injector : "a client";

	set_abused(t, &t->cur);
	label(&t->cur, l, sizeof(l));
	trace_set(&t->v->auth_user, t->auth_user);
	snprintf(rule, sizeof(rule), "auth-%s", t->auth_from ? t->auth_from : "hop");
	if (t->auth_user[0])
		decide(t, V_COMPROMISED_ACCOUNT, rule, CONF_HIGH, "%s accepted this message from %s "
		       "after it logged in as %s: that account's password is probably stolen "
		       "(compromised account).", l, from, t->auth_user);
	else
		decide(t, V_COMPROMISED_ACCOUNT, "auth-hop-no-user", CONF_MEDIUM, "%s accepted this "
		       "message from %s after a login, but the header does not name the account: "
		       "find it in that server's mail log (compromised account).", l, from);
}

/* relay - an outside client handed the message to our host without authentication */
static void relay(struct tstate *t)
{
	char l[400], dom[256];
	int out = trace_rcpt_outside(t, dom, sizeof(dom));

	set_abused(t, &t->cur);
	label(&t->cur, l, sizeof(l));
	if (out == 1)
		decide(t, V_OPEN_RELAY, "relay-unauth-outside-rcpt", CONF_HIGH, "%s accepted this message "
		       "from %s without authentication and relayed it to an outside recipient (%s): "
		       "open relay.", l, t->injector, dom);
	else if (out < 0)
		decide(t, V_OPEN_RELAY, "relay-unauth-rcpt-unknown", CONF_MEDIUM, "%s accepted this "
		       "message from %s without authentication and passed it on to the outside "
		       "(recipient not known): probably an open relay.", l, t->injector);
	else
		decide(t, V_UNKNOWN, "relay-inside-rcpt", CONF_MEDIUM, "%s accepted this message from %s "
		       "for a recipient in our own domains and forwarded it on: check that forwarding, "
		       "this is not an open relay.", l, t->injector);
}

/* local - the chain ends at one of our hosts: nothing handed it over */
static void local(struct tstate *t)
{
	const struct tnode *n = &t->cur;
	char l[400], line[200];
	int web = trace_web_marker(t, line, sizeof(line));
	/* the header below the last one of ours names another writer: the submitter wrote it */
	const char *below = t->stop == STOP_UNBELIEVED ? " The Received headers below the last one "
			    "our hosts wrote were not written by them (whoever submitted the message wrote "
			    "them, perhaps naming our addresses): they are not believed." : "";

	set_abused(t, n);
	label(n, l, sizeof(l));
	if (web)
		trace_evidence(t, "web submission: %s", line);
	if (!web && t->r->nhops == 0 && !t->r->orig.present) {
		/* only an address: nothing shows a message was submitted there */
		const char *what = t->r->feedback_type ? t->r->feedback_type :
				   t->r->category ? t->r->category : "abuse";
		char *w = str_sanitize(what, 64);

		decide(t, V_UNKNOWN, "source-only-no-message", CONF_LOW, "The report names %s, which is "
		       "ours%s%s, but carries no message to trace: check that host for the reported "
		       "activity (%s).", l, n->inv.role ? ", role " : "",
		       n->inv.role ? role_name(n->inv.role) : "", w);
		free(w);
		return;
	}
	if (n->inv.role != ROLE_NAT)
		set_injector(t, n);   /* a program on n handed it to the MTA (pickup or SMTP) */
	if (n->inv.role == ROLE_WEB || web) {
		decide(t, V_WEB_SCRIPT, web ? "web-script-marker" : "local-web-host",
		       n->inv.role == ROLE_WEB && web ? CONF_HIGH : CONF_MEDIUM,
		       "The message was submitted locally on %s%s, so a web script there was "
		       "probably abused (web script).%s", n->inv.role == ROLE_WEB ? "web server " : "", l,
		       below);
	} else if (n->inv.role == ROLE_MTA || n->inv.role == ROLE_SERVER) {
		decide(t, V_LOCAL_INJECTION, "local-submission", CONF_MEDIUM, "The message was submitted "
		       "on %s itself, with no outside client handing it over: a local user or program "
		       "sent it (local injection).%s", l, below);
	} else if (n->inv.role == ROLE_NAT) {
		decide(t, V_UNKNOWN, "nat-no-port", CONF_LOW, "%s is a NAT gateway inside our chain; the "
		       "NAT log and the mail server's log of the client port are needed to find the "
		       "inside host.", l);
	} else {
		decide(t, V_UNKNOWN, "origin-not-in-inventory", CONF_LOW, "The message started at %s, "
		       "which is ours, but the inventory does not say what that host is: add it with "
		       "a role to classify this report.%s", l, below);
	}
}

/* trace_classify - the verdict from the walk's outcome */
void trace_classify(struct tstate *t)
{
	if (t->noip_skips || t->stop == STOP_UNBELIEVED)
		trace_lower(t, CONF_MEDIUM);
	if (by_role(t, &t->egress, "egress", "left our network from"))
		return;
	if (t->egress.inv.role == ROLE_NAT) {
		nat_verdict(t);
		return;
	}
	switch (t->stop) {
	case STOP_AUTH:
		compromised(t);
		break;
	case STOP_OUTSIDE:
		relay(t);
		break;
	case STOP_ROLE:
		if (t->cur.inv.role == ROLE_NAT)
			chain_nat(t);
		else if (!by_role(t, &t->cur, "chain-ends", "was handed to our mail server by"))
			local(t);
		break;
	default:
		local(t);
		break;
	}
}

/*
 * trace_chain - find where the message left our network (egress), walk down
 * the headers our own hosts wrote to where it came in (ingress), and ask the
 * mail log about the entry hop. The rules are described in trace.c.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"

/* find_hop - topmost hop whose client address equals ip, -1 */
static int find_hop(const struct report *r, const char *ip)
{
	struct ipaddr a, b;

	if (ip_parse(ip, &a) < 0)
		return -1;
	for (size_t k = 0; k < r->nhops && k < PARSE_MAX_HOPS; k++)
		if (r->hops[k].from_ip && ip_parse(r->hops[k].from_ip, &b) == 0 && ip_cmp(&a, &b) == 0)
			return (int)k;
	return -1;
}

/*
 * first_ours - topmost hop from index 'from' whose client is in our_networks
 * and could have reached the receiver over the Internet: a private or
 * loopback client counts only when the receiver is one of ours (the
 * complainant's own relays use private addresses too). -1 when none.
 */
static int first_ours(const struct tstate *t, int from)
{
	for (int k = from < 0 ? 0 : from; k < (int)t->r->nhops && k < PARSE_MAX_HOPS; k++) {
		const struct hop *h = &t->r->hops[k];

		if (!trace_ip_ours(t, h->from_ip) || trace_ip_loopback(h->from_ip))
			continue;
		if (trace_ip_private(h->from_ip) && !trace_name_ours(t, h->by))
			continue;
		return k;
	}
	return -1;
}

/* hop_name - the client's name as the receiver recorded it */
static const char *hop_name(const struct hop *h)
{
	if (h->from_rdns && *h->from_rdns && strcasecmp(h->from_rdns, "unknown") != 0)
		return h->from_rdns;
	return h->helo;
}

/* complainant_hop - hop looks like a relay inside the receiving organization */
static int complainant_hop(const struct hop *h)
{
	if (h->from_ip == NULL || *h->from_ip == '\0' || trace_ip_private(h->from_ip))
		return 1;
	return trace_same_org(h->from_rdns, h->by) || trace_same_org(h->helo, h->by);
}

/*
 * not_ours - decide not_ours now; inj is the client of the complainant's
 * topmost hop from outside its own relays (the address that handed the
 * message to the complainant: the injector), NULL when none
 */
static int not_ours(struct tstate *t, const char *inj, const char *rule, enum confidence c,
		    const char *expl)
{
	str_copy(t->injector, sizeof(t->injector), inj ? inj : "");
	t->v->cls = V_NOT_OURS;
	t->conf_level = c;
	trace_set(&t->v->rule, rule);
	trace_set(&t->v->explanation, expl);
	return 0;
}

/* egress_from_source - the report's Source-IP decides; 1 walk on, 0 decided */
static int egress_from_source(struct tstate *t, const char *src)
{
	char msg[512];
	int s = find_hop(t->r, src), k;

	if (trace_ip_ours(t, src)) {
		if (s >= 0) {
			t->egress_hop = s;
			t->src_agrees = 1;
			trace_node(t, &t->egress, src, hop_name(&t->r->hops[s]));
			trace_hop_evidence(t, s, "egress: the client is the report's Source-IP, ours");
			return 1;
		}
		t->src_only = 1;
		trace_lower(t, CONF_MEDIUM);
		trace_node(t, &t->egress, src, NULL);
		if (t->r->format == FMT_SES)    /* SES's notification carries no message */
			trace_evidence(t, "SES mail.sourceIp %s is ours: the host that handed the message "
				       "to Amazon SES, taken as the egress", src);
		else
			trace_evidence(t, "Source-IP %s is ours but no Received header names it "
				       "(headers cut or stripped): taken as the egress", src);
		return 1;
	}
	k = first_ours(t, s + 1);
	if (k >= 0) {
		if (s >= 0)
			trace_hop_evidence(t, s, "the complainant's entry point: Source-IP, not ours");
		else
			trace_evidence(t, "Source-IP %s is not ours", src);
		trace_hop_evidence(t, k, "names our address below the complainant's entry point: not believed");
		snprintf(msg, sizeof(msg), "The complainant received this message from %s, which is not "
			 "ours; the Received header naming our address %s was written by outsiders "
			 "(forged, or a third party forwarded the message), so it is not ours.",
			 src, t->r->hops[k].from_ip);
		return not_ours(t, src, "source-ip-foreign-forged-hop", CONF_MEDIUM, msg);
	}
	trace_evidence(t, "Source-IP %s is not in our networks; no Received header names our address", src);
	snprintf(msg, sizeof(msg), "The message came from %s, which is not in our networks, and "
		 "nothing in its headers points at us: not ours.", src);
	return not_ours(t, src, "source-ip-not-ours", CONF_HIGH, msg);
}

/* egress_from_headers - no usable Source-IP: the topmost header naming us */
static int egress_from_headers(struct tstate *t)
{
	char msg[512];
	int e = first_ours(t, 0);

	trace_lower(t, CONF_MEDIUM);
	if (e < 0) {
		const char *inj = NULL;

		for (size_t j = 0; j < t->r->nhops && j < PARSE_MAX_HOPS && inj == NULL; j++)
			if (!complainant_hop(&t->r->hops[j]))
				inj = t->r->hops[j].from_ip;
		trace_evidence(t, "no Source-IP; none of %zu Received hops names an address of ours",
			       t->r->nhops);
		return not_ours(t, inj, "no-hop-ours", t->r->nhops ? CONF_MEDIUM : CONF_LOW,
				"No Received header of the reported message names an address in our "
				"networks and the report gives no Source-IP: not ours.");
	}
	for (int j = 0; j < e; j++) {
		if (complainant_hop(&t->r->hops[j])) {
			trace_hop_evidence(t, j, "the receiver's own relay");
			continue;
		}
		trace_hop_evidence(t, j, "an outside client wrote the headers below");
		trace_hop_evidence(t, e, "names our address below it: forged, not believed");
		snprintf(msg, sizeof(msg), "The Received header naming our address %s sits below one "
			 "showing the message came from %s, so it was written by outsiders (forged): "
			 "not ours.", t->r->hops[e].from_ip, t->r->hops[j].from_ip);
		return not_ours(t, t->r->hops[j].from_ip, "forged-hop-below-foreign", CONF_MEDIUM, msg);
	}
	t->egress_hop = e;
	trace_node(t, &t->egress, t->r->hops[e].from_ip, hop_name(&t->r->hops[e]));
	trace_hop_evidence(t, e, "egress: topmost header naming our address (no Source-IP)");
	return 1;
}

/* trace_egress - 1 when an egress of ours was found, 0 when decided not_ours */
int trace_egress(struct tstate *t)
{
	char src[46];

	if (t->r->source_ip && ip_normalize(t->r->source_ip, src) == 0) {
		if (!trace_ip_private(src) || trace_ip_ours(t, src))
			return egress_from_source(t, src);
		trace_evidence(t, "Source-IP %s is a private address outside our networks: ignored", src);
	}
	return egress_from_headers(t);
}

/* role_stops - headers below such a host are not written by our MTAs */
static int role_stops(enum host_role r)
{
	return r == ROLE_PROXY || r == ROLE_CUSTOMER || r == ROLE_DYNAMIC || r == ROLE_NAT;
}

/* is_localhost - a client named localhost without an address */
static int is_localhost(const struct hop *h)
{
	const char *n = hop_name(h);

	return n && (strcasecmp(n, "localhost") == 0 || strcasecmp(n, "localhost.localdomain") == 0);
}

/* take_name - cur has no name yet: the name it gives itself in the header it wrote */
static void take_name(struct tstate *t, int cur_is_egress, const char *by)
{
	if (t->cur.name[0] || by == NULL || !strchr(by, '.') || by[0] == '[')
		return;
	str_copy(t->cur.name, sizeof(t->cur.name), by);
	if (cur_is_egress)
		str_copy(t->egress.name, sizeof(t->egress.name), by);
}

/* same_host - two names for one host: equal, or one is the other's first label */
static int same_host(const char *a, const char *b)
{
	size_t la = strcspn(a, "."), lb = strcspn(b, ".");

	if (strcasecmp(a, b) == 0)
		return 1;
	if (a[la] && b[lb])
		return 0;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* names_ip - by is ip itself, bare or as an address literal ("[192.0.2.25]") */
static int names_ip(const char *by, const char *ip)
{
	char lit[64];
	size_t n = strlen(by);
	struct ipaddr a, b;

	if (!ip[0] || ip_parse(ip, &b) < 0)
		return 0;
	if (by[0] == '[' && n > 2 && n - 2 < sizeof(lit)) {
		memcpy(lit, by + 1, n - 2);
		lit[n - 2] = '\0';
		by = strncasecmp(lit, "IPv6:", 5) == 0 ? lit + 5 : lit;
	}
	return ip_parse(by, &a) == 0 && ip_cmp(&a, &b) == 0;
}

/*
 * recorded_name - by is the name the believed receiver above (hop k-1)
 * recorded for cur, its client there: the rDNS or the HELO name cur gave,
 * when that name is in our domains. An inventory may name a host otherwise
 * than its MTA names itself (myhostname); what our receiver above wrote
 * about cur is as believable as the inventory.
 */
static int recorded_name(const struct tstate *t, int k, const char *by)
{
	const struct hop *h;
	const char *n[2];

	if (k < 1 || k > (int)t->r->nhops || k > PARSE_MAX_HOPS || !t->cur.ip[0])
		return 0;
	h = &t->r->hops[k - 1];
	if (h->from_ip == NULL || strcmp(h->from_ip, t->cur.ip) != 0)
		return 0;
	n[0] = h->from_rdns;
	n[1] = h->helo;
	for (int i = 0; i < 2; i++)
		if (n[i] && strchr(n[i], '.') && trace_name_ours(t, n[i]) && strcasecmp(by, n[i]) == 0)
			return 1;
	return 0;
}

/*
 * writer_is_cur - by names cur: its inventory or recorded name, the name
 * the receiver above recorded for it (recorded_name), or its
 * address; after a loopback handoff also "localhost" or a loopback literal
 * (a content filter on cur, such as amavisd-new, writes "by localhost")
 */
static int writer_is_cur(const struct tstate *t, int k, const char *by)
{
	const char *name = t->cur.inv.host[0] ? t->cur.inv.host : t->cur.name;
	char lit[64];

	if ((name[0] && same_host(by, name)) || names_ip(by, t->cur.ip) || recorded_name(t, k, by))
		return 1;
	if (!t->local)
		return 0;
	if (strcasecmp(by, "localhost") == 0 || strcasecmp(by, "localhost.localdomain") == 0)
		return 1;
	if (by[0] == '[' && strlen(by) < sizeof(lit)) {
		str_copy(lit, sizeof(lit), by + 1);
		lit[strcspn(lit, "]")] = '\0';
		by = lit;
	}
	return trace_ip_loopback(by);
}

/*
 * gap_ends - the headers the parser left out between the believed hop k-1
 * and hop k (no client address, a pickup, junk) were written by cur too, or
 * the chain ends: a local submission there means the message started at cur
 * (what lies below was written by the submitter); one written under another
 * name than cur's was written by whoever handed cur the message. 1 ended.
 */
static int gap_ends(struct tstate *t, int k)
{
	const struct tgap *g = trace_gap(t, k);

	if (g->pickup) {
		t->stop = STOP_END;
		trace_hop_evidence(t, k, "below a local submission on the host above (a header "
				   "without a client): written by the submitter, not believed");
		return 1;
	}
	if (g->n == 0 || writer_is_cur(t, k, g->by) ||
	    (!t->cur.inv.host[0] && !t->cur.name[0] && trace_name_ours(t, g->by)))
		return 0;
	t->stop = STOP_UNBELIEVED;
	trace_evidence(t, "a Received header without a client address above hop %d was written by "
		       "%.100s, not by the host above: it and what lies below are not believed, our "
		       "chain ends here", k + 1, g->by);
	return 1;
}

/*
 * check_writer - hop k's "by" should be cur; 1 when the header is believed,
 * 0 when it ends our chain. A header written under a name that is not ours
 * was not written by cur: whoever handed cur the message wrote it (a
 * spammer's fake header), so it and everything below it are not believed
 * and the walk stops at cur. An inventory host whose header names another
 * of our hosts means a hop was left out (one without an address): the
 * message was with that host, address unknown - believed only when the
 * left-out header is there, right below the believed one, naming cur as
 * its writer and that host as its client; otherwise it ends the chain too.
 */
static int check_writer(struct tstate *t, int k)
{
	const char *by = t->r->hops[k].by, *name;
	const struct tgap *g;

	if (by == NULL || *by == '\0' || writer_is_cur(t, k, by))
		return 1;
	name = t->cur.inv.host[0] ? t->cur.inv.host : t->cur.name;
	if (!trace_name_ours(t, by)) {
		t->stop = STOP_UNBELIEVED;
		trace_hop_evidence(t, k, "written under another name than the host above: not "
				   "believed, our chain ends here");
		return 0;
	}
	if (!name[0])
		return 1;
	g = trace_gap(t, k);
	if (g->n != 1 || !same_host(g->by, name) || !g->from[0] || !same_host(g->from, by)) {
		t->stop = STOP_UNBELIEVED;
		trace_hop_evidence(t, k, "written under another of our names, and no header left out "
				   "above it shows the host above handing it there: not believed, our chain "
				   "ends here");
		return 0;
	}
	trace_evidence(t, "hop %d was written by %.100s, not by %.100s: a hop in between has no address "
		       "or is missing", k + 1, by, name);
	trace_node(t, &t->cur, NULL, by);
	t->noip_skips++;
	trace_lower(t, CONF_MEDIUM);
	return 1;
}

/*
 * other_loopback_host - cur itself has a loopback address and the client
 * another one (not "localhost"): two hosts of a network laid out on 127.0.0.x
 * (a test bed), judged like any other addresses, not a handoff on one host.
 */
static int other_loopback_host(const struct tstate *t, const struct hop *h)
{
	struct ipaddr a, b;

	if (!t->cur.ip[0] || !trace_ip_loopback(t->cur.ip) || is_localhost(h))
		return 0;
	return ip_parse(h->from_ip, &a) == 0 && ip_parse(t->cur.ip, &b) == 0 && ip_cmp(&a, &b) != 0;
}

/* step_client - one believed hop's client; 1 to walk on, 0 stopped */
static int step_client(struct tstate *t, int k)
{
	const struct hop *h = &t->r->hops[k];
	int lab;

	if (h->from_ip == NULL || *h->from_ip == '\0') {
		if (is_localhost(h)) {
			t->local = 1;
			trace_hop_evidence(t, k, "local handoff");
			return 1;
		}
		t->noip_skips++;
		trace_lower(t, CONF_MEDIUM);
		trace_hop_evidence(t, k, "no client address: skipped");
		trace_node(t, &t->cur, NULL, hop_name(h));
		t->local = 0;
		return 1;
	}
	lab = trace_ip_loopback(h->from_ip) && other_loopback_host(t, h);
	if (trace_ip_loopback(h->from_ip) && !lab) {
		t->local = 1;
		trace_hop_evidence(t, k, "local handoff");
		return 1;
	}
	if (trace_ip_ours(t, h->from_ip) || (trace_ip_private(h->from_ip) && !lab)) {
		trace_node(t, &t->cur, h->from_ip, hop_name(h));
		if (!trace_ip_ours(t, h->from_ip) && !t->cur.inv.found) {
			t->private_assumed = 1;
			trace_lower(t, CONF_MEDIUM);
			trace_hop_evidence(t, k, "private address outside our_networks: taken as inside");
		} else {
			trace_hop_evidence(t, k, "our host");
		}
		t->local = 0;
		if (role_stops(t->cur.inv.role)) {
			t->stop = STOP_ROLE;
			t->role_hop = k;
			return 0;
		}
		return 1;
	}
	t->ingress_hop = k;
	t->stop = STOP_OUTSIDE;
	str_copy(t->injector, sizeof(t->injector), h->from_ip);
	trace_hop_evidence(t, k, "ingress: outside client, no authentication");
	return 0;
}

/* trace_walk - down our chain from hop start, the header written by cur = egress */
void trace_walk(struct tstate *t, int start)
{
	t->cur = t->egress;
	t->stop = STOP_END;
	if (role_stops(t->cur.inv.role)) {
		t->stop = STOP_ROLE;
		return;
	}
	for (int k = start; k >= 0 && k < (int)t->r->nhops && k < PARSE_MAX_HOPS; k++) {
		const struct hop *h = &t->r->hops[k];
		char user[256];

		if (k > 0 && k > t->egress_hop && !(t->src_only && k == start) && gap_ends(t, k))
			return;
		if (!t->cur.ip[0] && !trace_name_ours(t, h->by)) {
			t->stop = STOP_UNBELIEVED;
			trace_hop_evidence(t, k, "not written by a host of ours: not believed");
			return;
		}
		if (!check_writer(t, k))
			return;
		t->last_ours_hop = k;
		take_name(t, k == start && t->cur.ip[0] && strcmp(t->cur.ip, t->egress.ip) == 0, h->by);
		if (trace_hop_auth(h, user, sizeof(user))) {
			t->ingress_hop = k;
			t->stop = STOP_AUTH;
			str_copy(t->injector, sizeof(t->injector), h->from_ip ? h->from_ip : "");
			str_copy(t->auth_user, sizeof(t->auth_user), user);
			t->auth_from = "hop";
			trace_hop_evidence(t, k, "ingress: authenticated client");
			return;
		}
		if (!step_client(t, k))
			return;
	}
}

/* entry_qid - queue id of the oldest believed hop written by our MTAs */
static const char *entry_qid(const struct tstate *t, int *at)
{
	for (int k = t->last_ours_hop; k > t->egress_hop && k >= 0; k--)
		if (t->r->hops[k].id && *t->r->hops[k].id) {
			*at = k;
			return t->r->hops[k].id;
		}
	return NULL;
}

/* trace_maillog - the mail log's client and SASL user for our entry hop */
void trace_maillog(struct tstate *t)
{
	struct maillog_entry e;
	const char *qid, *mid = t->r->orig.message_id;
	int at = -1;

	if (t->env == NULL || t->env->maillog == NULL)
		return;
	qid = entry_qid(t, &at);
	if (qid == NULL && (mid == NULL || *mid == '\0'))
		return;
	memset(&e, 0, sizeof(e));
	t->env->maillog(t->env->ctx, qid, mid, &e);
	if (!e.found)
		return;
	str_copy(t->maillog_ip, sizeof(t->maillog_ip), e.client_ip);
	t->maillog_port = e.client_port > 0 && e.client_port <= 65535 ? e.client_port : 0;
	trace_evidence(t, "maillog: %s %s: client=%s[%s]%s%s", e.host[0] ? e.host : "?",
		       e.queue_id[0] ? e.queue_id : "-", e.client_name[0] ? e.client_name : "unknown",
		       e.client_ip, e.sasl_user[0] ? " sasl_username=" : "", e.sasl_user);
	if (e.sasl_user[0] && t->stop != STOP_AUTH && t->stop != STOP_ROLE) {
		t->stop = STOP_AUTH;
		t->auth_from = "maillog";
		t->ingress_hop = at >= 0 ? at : t->ingress_hop;
		str_copy(t->auth_user, sizeof(t->auth_user), e.sasl_user);
		str_copy(t->injector, sizeof(t->injector), e.client_ip);
	} else if (t->stop == STOP_AUTH && !t->auth_user[0]) {
		str_copy(t->auth_user, sizeof(t->auth_user), e.sasl_user);
	} else if (t->stop == STOP_END && e.client_ip[0] && !trace_ip_ours(t, e.client_ip) &&
		   !trace_ip_private(e.client_ip)) {
		t->stop = STOP_OUTSIDE;
		str_copy(t->injector, sizeof(t->injector), e.client_ip);
	}
}

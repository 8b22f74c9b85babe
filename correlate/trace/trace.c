/*
 * NAME
 *	trace - follow a report's Received chain into our networks
 * SUMMARY
 *	trace_report() decides which host of ours was abused and how;
 *	verdict_to_json() prints the verdict; the *_name() functions map the
 *	enums to the names used in JSON, the database and the CLI.
 * DESCRIPTION
 *	The hops are newest first. Header k was written by hop k's "by" host,
 *	which is the client of hop k-1; so a header can be believed only when
 *	the client of the hop above it is trusted. The complainant wrote the
 *	top; our own hosts wrote the part below the egress.
 *
 *	1. Egress (trace_chain.c), where the message left our network:
 *	   - Source-IP ours and a hop whose client equals it: that hop (the
 *	     topmost such), confidence high.
 *	   - Source-IP ours, no hop names it (headers cut or stripped): the
 *	     Source-IP host is the egress; the walk starts at the topmost hop
 *	     whose "by" is in our_domains or is the egress host's name;
 *	     confidence at most medium.
 *	   - Source-IP foreign: any hop naming our address sits below the
 *	     complainant's entry point and was written by outsiders: not_ours
 *	     "source-ip-foreign-forged-hop" (medium), else "source-ip-not-ours".
 *	     A private Source-IP outside our networks is ignored.
 *	   - No Source-IP: the topmost hop whose client is ours, believed only
 *	     if every hop above it looks like a relay of the receiving
 *	     organization (no address, a private one, or a client name in the
 *	     same registered domain as the "by" name). Otherwise an outside
 *	     client wrote the header naming us: not_ours
 *	     "forged-hop-below-foreign". Confidence at most medium.
 *	   - A private or loopback client is an egress only when the hop's
 *	     "by" is ours: the complainant's own relays use 10/8 as well.
 *	2. Walk down from the egress while the headers are ours: a hop's
 *	   header is believed when the client above is one of our addresses,
 *	   or, after a hop without an address, when its "by" is in
 *	   our_domains. Loopback clients and "localhost" are local handoffs
 *	   on the same host (content filters), unless the host holding the
 *	   message has a loopback address itself and the client another one:
 *	   a network laid out on 127.0.0.x (a test bed), whose addresses are
 *	   judged like any others. A hop without an address is
 *	   skipped (confidence at most medium). Each header must be written
 *	   by the host above (its inventory or recorded name, or its
 *	   address): the first that is not ends the chain, as does a header
 *	   below a local submission (a pickup line the parser leaves out);
 *	   what lies below was written by whoever handed the message over.
 *	   A header written under another of our names is believed only when
 *	   the left-out header between (a hop without an address) shows the
 *	   host above handing it to that name (the walk goes on at that
 *	   name). A private client outside
 *	   our_networks is taken as inside (medium). The walk stops at:
 *	   an authenticated hop (ESMTPA/ESMTPSA..., auth=, user=, Authenticated
 *	   sender) = ingress by login; an outside client = ingress; a host of
 *	   role proxy, customer, dynamic or nat (what it wrote is not
 *	   believed); a header the host above did not write; or the end of
 *	   the chain (the message started at the last host of ours).
 *	3. Mail log: the queue id of the oldest hop our MTAs wrote (or the
 *	   Message-ID) is looked up; a SASL user makes the verdict
 *	   compromised_account ("auth-maillog"); an outside client where the
 *	   chain ended turns it into a relay case.
 *	4. Verdict (trace_classify.c), first match wins; rule ids in quotes:
 *	   - egress role proxy: open_proxy "egress-proxy"; customer/dynamic:
 *	     infected_host "egress-customer"/"egress-dynamic".
 *	   - egress role nat: with Source-IP, Source-Port and arrival time the
 *	     NAT record names the inside host ("nat_inside") and its role
 *	     decides ("nat-inside-*"); without: unknown "nat-no-port" or
 *	     "nat-no-record", low, saying the NAT log is needed.
 *	   - authenticated ingress: compromised_account "auth-hop".
 *	   - outside ingress without authentication: open_relay
 *	     "relay-unauth-outside-rcpt" when a recipient (ARF Original-Rcpt-To,
 *	     DSN recipients, "for" clauses, To:) is outside our_domains;
 *	     "relay-unauth-rcpt-unknown" (medium) when none is known; unknown
 *	     "relay-inside-rcpt" when all are ours (forwarding, not a relay).
 *	   - the walk stopped at a proxy / customer / dynamic host:
 *	     "chain-ends-proxy" / "chain-ends-customer" ...
 *	   - the chain ends at our host: web_script when its role is web or the
 *	     headers show a web submission (X-PHP-Originating-Script, "from
 *	     userid 33", www-data...); local_injection on an mta/server;
 *	     unknown "origin-not-in-inventory" otherwise.
 *	5. A DSN (format dsn) is backscatter: the rule gets the prefix
 *	   "dsn-backscatter-" and the explanation starts with "backscatter:".
 *
 *	Confidence: the rule's own, capped by the doubts met on the way.
 * SEE ALSO
 *	trace.h, docs/trace.md, DESIGN.md "Trace"
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../util/json.h"
#include "../../util/mem.h"
#include "trace_int.h"

static const char *verdict_names[] = { "unknown", "not_ours", "open_relay", "open_proxy",
	"compromised_account", "infected_host", "web_script", "local_injection", "compromised_server",
	"web_compromise" };
static const char *conf_names[] = { "low", "medium", "high" };
static const char *role_names[] = { "none", "mta", "proxy", "nat", "web", "customer",
	"dynamic", "server" };

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

/* verdict_name - JSON/DB name of a verdict class */
const char *verdict_name(enum verdict_class c)
{
	return (int)c >= 0 && (int)c < NELEM(verdict_names) ? verdict_names[c] : "unknown";
}

/* name_index - position of s in names (case-insensitive), -1 */
static int name_index(const char **names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcasecmp(names[i], s) == 0)
			return i;
	return -1;
}

/* verdict_from_name - inverse of verdict_name, -1 when unknown */
int verdict_from_name(const char *s)
{
	return name_index(verdict_names, NELEM(verdict_names), s);
}

/* confidence_name - low / medium / high */
const char *confidence_name(enum confidence c)
{
	return (int)c >= 0 && (int)c < NELEM(conf_names) ? conf_names[c] : "low";
}

/* role_name - inventory role name ("none" for ROLE_NONE) */
const char *role_name(enum host_role r)
{
	return (int)r >= 0 && (int)r < NELEM(role_names) ? role_names[r] : "none";
}

/* role_from_name - inverse of role_name, -1 when unknown */
int role_from_name(const char *s)
{
	return name_index(role_names, NELEM(role_names), s);
}

/* verdict_init - empty verdict: unknown, low, no hops */
void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->cls = V_UNKNOWN;
	v->confidence = CONF_LOW;
	v->egress_hop = -1;
	v->ingress_hop = -1;
}

/* verdict_free - release the strings; v is left initialised */
void verdict_free(struct verdict *v)
{
	char **s[] = { &v->abused_ip, &v->abused_host, &v->owner, &v->egress_ip, &v->injector_ip,
		&v->auth_user, &v->nat_inside, &v->rule, &v->explanation };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(*s[i]);
	strlist_free(&v->evidence);
	verdict_init(v);
}

/* dsn_backscatter - a bounce: prefix rule and explanation */
static void dsn_backscatter(struct verdict *v)
{
	struct buf b;

	buf_init(&b, 2048);
	buf_printf(&b, "dsn-backscatter-%s", v->rule ? v->rule : "unknown");
	trace_set(&v->rule, b.data);
	buf_reset(&b);
	if (v->cls == V_NOT_OURS)
		buf_puts(&b, "backscatter: this bounce is for a message that did not pass through our "
			 "network, so our address was probably forged as its sender; nothing of ours "
			 "to fix.");
	else
		buf_printf(&b, "backscatter: this bounce is for a message that went out through our "
			   "network; %s", v->explanation ? v->explanation : "");
	trace_set(&v->explanation, b.data);
	buf_free(&b);
}

/* walk_start - with the egress from Source-IP alone: the topmost header our hosts wrote */
static int walk_start(const struct tstate *t)
{
	if (!t->src_only)
		return t->egress_hop + 1;
	for (size_t k = 0; k < t->r->nhops && k < PARSE_MAX_HOPS; k++) {
		const char *by = t->r->hops[k].by;

		if (trace_name_ours(t, by) || (by && t->egress.name[0] && strcasecmp(by, t->egress.name) == 0))
			return (int)k;
	}
	return -1;
}

/* trace_report - decide the verdict for r; never fails (unknown at worst) */
void trace_report(const struct report *r, const struct trace_conf *conf,
		  const struct trace_env *env, struct verdict *v)
{
	struct tstate t;

	verdict_free(v);
	if (r == NULL || conf == NULL) {
		trace_set(&v->rule, "no-input");
		trace_set(&v->explanation, "Nothing to trace.");
		return;
	}
	/* gap[] (17 KB, the last member) is filled by read_gaps when first asked for */
	memset(&t, 0, offsetof(struct tstate, gap));
	t.r = r;
	t.conf = conf;
	t.env = env;
	t.v = v;
	t.conf_level = CONF_HIGH;
	t.egress_hop = t.ingress_hop = t.last_ours_hop = t.role_hop = -1;
	v->category = r->abuse_category;
	if (trace_nonmail(&t)) {
		trace_set(&v->injector_ip, t.injector);
		return;
	}
	if (trace_egress(&t)) {
		trace_walk(&t, walk_start(&t));
		trace_maillog(&t);
		trace_classify(&t);
		trace_set(&v->egress_ip, t.egress.ip);
	} else {
		v->confidence = t.conf_level;
	}
	trace_set(&v->injector_ip, t.injector);
	v->egress_hop = t.egress_hop;
	v->ingress_hop = t.ingress_hop;
	if (r->format == FMT_DSN)
		dsn_backscatter(v);
}

/* kv_hop - hop index or null */
static void kv_hop(struct buf *b, int *first, const char *key, int k)
{
	if (k >= 0)
		json_kv_int(b, first, key, k);
	else
		json_kv_null(b, first, key);
}

/* verdict_to_json - one JSON object, no newline */
void verdict_to_json(const struct verdict *v, const char *file, struct buf *out)
{
	int first = 1;

	buf_putc(out, '{');
	if (file)
		json_kv_str(out, &first, "file", file);
	json_kv_str(out, &first, "verdict", verdict_name(v->cls));
	json_kv_str(out, &first, "category", report_category_name(v->category));
	json_kv_str(out, &first, "confidence", confidence_name(v->confidence));
	json_kv_str(out, &first, "abused_ip", v->abused_ip);
	json_kv_str(out, &first, "abused_host", v->abused_host);
	json_kv_str(out, &first, "owner", v->owner);
	json_kv_str(out, &first, "role", v->role ? role_name(v->role) : NULL);
	json_kv_str(out, &first, "egress_ip", v->egress_ip);
	json_kv_str(out, &first, "injector_ip", v->injector_ip);
	json_kv_str(out, &first, "auth_user", v->auth_user);
	json_kv_str(out, &first, "nat_inside", v->nat_inside);
	kv_hop(out, &first, "egress_hop", v->egress_hop);
	kv_hop(out, &first, "ingress_hop", v->ingress_hop);
	json_kv_str(out, &first, "rule", v->rule);
	json_key(out, &first, "evidence");
	buf_putc(out, '[');
	for (size_t i = 0; i < v->evidence.n; i++) {
		if (i)
			buf_putc(out, ',');
		json_str(out, v->evidence.v[i]);
	}
	buf_putc(out, ']');
	json_kv_str(out, &first, "explanation", v->explanation);
	buf_putc(out, '}');
}

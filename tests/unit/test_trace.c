/*
 * test_trace - unit tests for correlate/trace/ and correlate/inventory/.
 *
 * Reports are built by hand: hops from real-looking Received values through
 * rcvd_parse (or filled directly where a shape matters), a CSV inventory
 * parsed from a string, and the verdict's class, rule, hosts and confidence
 * checked for each rule and trap of the tracer.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../correlate/inventory/inventory_csv.h"
#include "../../correlate/trace/trace.h"
#include "../../parse/received.h"
#include "../../util/buf.h"
#include "../../util/mem.h"
#include "../../fuzz/trace_property.h"

static const char inventory[] =
	"kind,name_or_cidr,ips,role,owner\n"
	"# our hosts\n"
	"host,mx2.example.net,192.0.2.25 2001:db8:25::25,mta,mail-team\n"
	"host,smtp.example.net,192.0.2.26,mta,mail-team\n"
	"host,proxy1.example.net,192.0.2.80,proxy,net-team\n"
	"host,web1.example.net,192.0.2.40,web,web-team\n"
	"host,nat1.example.net,192.0.2.1,nat,net-team\n"
	"host,shell.example.net,192.0.2.50,server,ops\n"
	"network,192.0.2.0/24,,,ops\n"
	"network,198.51.100.0/24,,customer,access-team\n"
	"network,10.20.0.0/16,,dynamic,access-team\n"
	"nat,192.0.2.1:40000-40999,10.20.3.4:51000,2024-05-01T10:00:00Z,2024-05-01T11:00:00Z\n"
	"maillog,4MLog1,203.0.113.77,bob@example.net,smtp.example.net\n"
	"maillog,4NatQ1,192.0.2.1:40777,,mx2.example.net\n";

static struct inventory_csv *inv;
static struct trace_env env;
static struct trace_conf conf;

#define EGRESS_MX2 "from mx2.example.net (mx2.example.net [192.0.2.25]) by mx.complainant.example " \
	"(Postfix) with ESMTPS id 4VabcD for <victim@complainant.example>; Wed, 1 May 2024 10:30:05 +0000"
#define RELAY_IN "from spammer.example.org (unknown [203.0.113.9]) by mx2.example.net (Postfix) " \
	"with ESMTP id 4Xyz for <victim@complainant.example>; Wed, 1 May 2024 10:30:01 +0000"

static int setup(void **state)
{
	char err[512];
	char *bad = NULL;

	parse_init();
	rcvd_init();
	assert_int_equal(inventory_csv_parse(inventory, strlen(inventory), "inv", &inv, err, sizeof(err)), 0);
	inventory_csv_env(inv, &env);
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(netlist_parse(&conf.our_networks, "192.0.2.0/24 198.51.100.0/24 10.0.0.0/8 "
				       "100.64.0.0/10 2001:db8:25::/48", &bad), 0);
	strlist_add(&conf.our_domains, "example.net");
	return 0;
}

static int teardown(void **state)
{
	inventory_csv_free(inv);
	netlist_free(&conf.our_networks);
	strlist_free(&conf.our_domains);
	rcvd_shutdown();
	parse_shutdown();
	return 0;
}

/* add_hop - append a hop parsed from a Received value */
static void add_hop(struct report *r, const char *value)
{
	r->hops = xrealloc(r->hops, (r->nhops + 1) * sizeof(*r->hops));
	assert_int_equal(rcvd_parse(value, strlen(value), &r->hops[r->nhops]), 1);
	r->nhops++;
}

/* mk - a report with Source-IP src (or NULL) and the given hops, newest first */
static void mk(struct report *r, const char *src, const char *h0, const char *h1, const char *h2)
{
	report_init(r);
	r->format = FMT_ARF;
	r->source_ip = xstrdup(src);
	if (h0)
		add_hop(r, h0);
	if (h1)
		add_hop(r, h1);
	if (h2)
		add_hop(r, h2);
}

/* run - trace r into v */
static void run(struct report *r, struct verdict *v)
{
	verdict_init(v);
	trace_report(r, &conf, &env, v);
}

static void done(struct report *r, struct verdict *v)
{
	verdict_free(v);
	report_free(r);
}

/* nm - a report without a message: category c, source src (may be NULL), port, time, one URL */
static void nm(struct report *r, enum report_category c, const char *src, int port, time_t at,
	       const char *url)
{
	report_init(r);
	r->format = FMT_XARF;
	r->abuse_category = c;
	r->source_ip = src ? xstrdup(src) : NULL;
	r->source_field = src ? xstrdup("X-ARF Source") : NULL;
	r->source_sure = src ? SRC_SURE_HIGH : SRC_SURE_NONE;
	r->source_port = port;
	r->arrival = at;
	if (url)
		strlist_add(&r->reported_uris, url);
}

/* reports without a message: the named address's role decides, by category */
static void test_nonmail(void **state)
{
	static const struct {
		enum report_category c; const char *src; int port; time_t at; const char *url;
		const char *verdict, *rule, *ip;
	} cases[] = {
		{ CAT_LOGIN_ATTACK, "192.0.2.80", 0, 0, NULL, "open_proxy", "attack-proxy", "192.0.2.80" },
		{ CAT_SCAN, "198.51.100.23", 0, 0, NULL, "infected_host", "attack-customer", "198.51.100.23" },
		{ CAT_DDOS, "192.0.2.50", 0, 0, NULL, "compromised_server", "attack-server", "192.0.2.50" },
		{ CAT_LOGIN_ATTACK, "192.0.2.25", 0, 0, NULL, "compromised_server", "attack-mta", "192.0.2.25" },
		{ CAT_LOGIN_ATTACK, "192.0.2.40", 0, 0, NULL, "compromised_server", "attack-web", "192.0.2.40" },
		{ CAT_PHISHING, "192.0.2.40", 0, 0, NULL, "web_compromise", "content-web", "192.0.2.40" },
		{ CAT_MALWARE, NULL, 0, 0, "http://WEB1.example.net./x.exe", "web_compromise", "url-host-web",
		  "192.0.2.40" },
		{ CAT_PHISHING, "203.0.113.5", 0, 0, "https://u:p@[2001:db8:25::25]:8443/a", "web_compromise",
		  "url-host-mta", "2001:db8:25::25" },
		{ CAT_PHISHING, NULL, 0, 0, "http://new.example.net/login", "unknown",
		  "url-host-not-in-inventory", NULL },
		{ CAT_PHISHING, NULL, 0, 0, "http://bank.example.org/login", "unknown", "nonmail-no-address", NULL },
		{ CAT_COPYRIGHT, "198.51.100.30", 51413, 0, NULL, "infected_host", "copyright-customer",
		  "198.51.100.30" },
		{ CAT_LOGIN_ATTACK, "192.0.2.1", 40123, 1714559400, NULL, "infected_host",
		  "nat-inside-dynamic", "10.20.3.4" },
		{ CAT_LOGIN_ATTACK, "192.0.2.1", 0, 0, NULL, "unknown", "nat-no-port", "192.0.2.1" },
		{ CAT_LOGIN_ATTACK, "192.0.2.1", 41000, 1714559400, NULL, "unknown", "nat-no-record", "192.0.2.1" },
		{ CAT_SCAN, "192.0.2.99", 0, 0, NULL, "unknown", "nonmail-not-in-inventory", "192.0.2.99" },
		{ CAT_OTHER, "192.0.2.50", 0, 0, NULL, "unknown", "nonmail-other-server", "192.0.2.50" },
		{ CAT_SCAN, "203.0.113.5", 0, 0, NULL, "not_ours", "nonmail-not-ours", NULL },
	};
	struct report r;
	struct verdict v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nm(&r, cases[i].c, cases[i].src, cases[i].port, cases[i].at, cases[i].url);
		run(&r, &v);
		if (strcmp(verdict_name(v.cls), cases[i].verdict) != 0 || strcmp(v.rule, cases[i].rule) != 0 ||
		    (cases[i].ip == NULL) != (v.abused_ip == NULL) ||
		    (cases[i].ip && strcmp(cases[i].ip, v.abused_ip) != 0))
			fail_msg("case %zu: %s %s %s, want %s %s %s", i, verdict_name(v.cls), v.rule,
				 v.abused_ip ? v.abused_ip : "-", cases[i].verdict, cases[i].rule,
				 cases[i].ip ? cases[i].ip : "-");
		assert_int_equal(v.category, cases[i].c);
		assert_true(v.evidence.n > 0 || cases[i].src == NULL);
		done(&r, &v);
	}
	/* a low-confidence source caps the verdict's confidence */
	nm(&r, CAT_LOGIN_ATTACK, "192.0.2.80", 0, 0, NULL);
	r.source_sure = SRC_SURE_LOW;
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_PROXY);
	assert_int_equal(v.confidence, CONF_LOW);
	done(&r, &v);
	/* a spam report without a message keeps the mail trace's rules */
	nm(&r, CAT_SPAM, "192.0.2.50", 0, 0, NULL);
	run(&r, &v);
	assert_string_equal(v.rule, "source-only-no-message");
	done(&r, &v);
}

static void test_open_relay(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.25", EGRESS_MX2, RELAY_IN, NULL);
	run(&r, &v);
	assert_string_equal(verdict_name(v.cls), "open_relay");
	assert_int_equal(v.confidence, CONF_HIGH);
	assert_string_equal(v.abused_ip, "192.0.2.25");
	assert_string_equal(v.abused_host, "mx2.example.net");
	assert_string_equal(v.owner, "mail-team");
	assert_int_equal(v.role, ROLE_MTA);
	assert_string_equal(v.injector_ip, "203.0.113.9");
	assert_string_equal(v.egress_ip, "192.0.2.25");
	assert_string_equal(v.rule, "relay-unauth-outside-rcpt");
	assert_int_equal(v.egress_hop, 0);
	assert_int_equal(v.ingress_hop, 1);
	assert_non_null(strstr(v.explanation, "open relay"));
	assert_non_null(strstr(v.explanation, "203.0.113.9"));
	assert_true(v.evidence.n >= 2);
	assert_non_null(strstr(v.evidence.v[1], "hop 2: from 203.0.113.9"));
	done(&r, &v);
}

static void test_relay_inside_rcpt(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.25", EGRESS_MX2, RELAY_IN, NULL);
	free(r.hops[0].for_addr);
	free(r.hops[1].for_addr);
	r.hops[0].for_addr = r.hops[1].for_addr = NULL;
	strlist_add(&r.original_rcpt_to, "alias@example.net");
	run(&r, &v);
	assert_int_equal(v.cls, V_UNKNOWN);
	assert_string_equal(v.rule, "relay-inside-rcpt");
	done(&r, &v);
}

static void test_compromised(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.25", EGRESS_MX2, "from laptop (dsl.example.com [203.0.113.44]) "
	   "(Authenticated sender: alice@example.net) by mx2.example.net (Postfix) with ESMTPSA "
	   "id 4Auth1; Wed, 1 May 2024 10:30:00 +0000", NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_COMPROMISED_ACCOUNT);
	assert_string_equal(v.auth_user, "alice@example.net");
	assert_string_equal(v.injector_ip, "203.0.113.44");
	assert_string_equal(v.abused_host, "mx2.example.net");
	assert_string_equal(v.rule, "auth-hop");
	assert_int_equal(v.confidence, CONF_HIGH);
	done(&r, &v);
}

/* Yahoo-style qmail SMTP AUTH written by our MX: "(user@ip with login)" is a
 * login, so a stolen password, not an open relay */
static void test_compromised_sasl_comment(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.25", EGRESS_MX2, "from laptop (alice@203.0.113.44 with login) by mx2.example.net "
	   "with SMTP; 1 May 2024 10:30:00 -0000", NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_COMPROMISED_ACCOUNT);
	assert_string_equal(v.auth_user, "alice");
	assert_string_equal(v.injector_ip, "203.0.113.44");
	assert_string_equal(v.rule, "auth-hop");
	done(&r, &v);
}

static void test_maillog_sasl(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.26", "from smtp.example.net (smtp.example.net [192.0.2.26]) by "
	   "mx.complainant.example with ESMTP id X1; Wed, 1 May 2024 10:30:05 +0000",
	   "from pc (unknown [203.0.113.77]) by smtp.example.net (Postfix) with ESMTP id 4MLog1; "
	   "Wed, 1 May 2024 10:30:00 +0000", NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_COMPROMISED_ACCOUNT);
	assert_string_equal(v.auth_user, "bob@example.net");
	assert_string_equal(v.rule, "auth-maillog");
	done(&r, &v);
}

static void test_forged_lower_hop(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, NULL, "from bad.example.org (bad.example.org [203.0.113.50]) by mx.complainant.example "
	   "with SMTP id Q1; Wed, 1 May 2024 10:30:05 +0000",
	   "from mx2.example.net ([192.0.2.25]) by relay.example.com with SMTP id Q0; "
	   "Wed, 1 May 2024 10:20:05 +0000", NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_NOT_OURS);
	assert_string_equal(v.rule, "forged-hop-below-foreign");
	assert_null(v.abused_ip);
	done(&r, &v);
}

static void test_source_ip_disagrees(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "203.0.113.50", "from bad.example.org (bad.example.org [203.0.113.50]) by "
	   "mx.complainant.example with SMTP id Q1; Wed, 1 May 2024 10:30:05 +0000", EGRESS_MX2, NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_NOT_OURS);
	assert_string_equal(v.rule, "source-ip-foreign-forged-hop");
	assert_int_equal(v.confidence, CONF_MEDIUM);
	done(&r, &v);
	mk(&r, "203.0.113.50", "from bad.example.org (bad.example.org [203.0.113.50]) by "
	   "mx.complainant.example with SMTP id Q1; Wed, 1 May 2024 10:30:05 +0000", NULL, NULL);
	run(&r, &v);
	assert_string_equal(v.rule, "source-ip-not-ours");
	assert_int_equal(v.confidence, CONF_HIGH);
	done(&r, &v);
}

static void test_source_only(void **state)
{
	struct report r;
	struct verdict v;

	/* the complainant's own header was stripped: only ours is left */
	mk(&r, "192.0.2.25", RELAY_IN, NULL, NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_int_equal(v.confidence, CONF_MEDIUM);
	assert_int_equal(v.egress_hop, -1);
	assert_int_equal(v.ingress_hop, 0);
	assert_string_equal(v.abused_host, "mx2.example.net");
	done(&r, &v);
}

static void test_source_only_no_message(void **state)
{
	struct report r;
	struct verdict v;

	/* an X-ARF login-attack about our web server: an address, no message */
	mk(&r, "192.0.2.40", NULL, NULL, NULL);
	r.format = FMT_XARF;
	r.feedback_type = xstrdup("login-attack");
	run(&r, &v);
	assert_int_equal(v.cls, V_UNKNOWN);
	assert_string_equal(v.rule, "source-only-no-message");
	assert_string_equal(v.abused_ip, "192.0.2.40");
	assert_non_null(strstr(v.explanation, "login-attack"));
	done(&r, &v);
	/* the same about a customer address is still an infected host */
	mk(&r, "198.51.100.7", NULL, NULL, NULL);
	r.format = FMT_XARF;
	run(&r, &v);
	assert_int_equal(v.cls, V_INFECTED_HOST);
	done(&r, &v);
}

static void test_no_source_ip(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, NULL, "from mx1.complainant.example (mx1.complainant.example [198.18.0.5]) by "
	   "store.complainant.example with LMTP id L1; Wed, 1 May 2024 10:30:06 +0000",
	   "from mx2.example.net (mx2.example.net [192.0.2.25]) by mx1.complainant.example with "
	   "ESMTPS id C1 for <victim@complainant.example>; Wed, 1 May 2024 10:30:05 +0000", RELAY_IN);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_int_equal(v.confidence, CONF_MEDIUM);
	assert_int_equal(v.egress_hop, 1);
	assert_int_equal(v.ingress_hop, 2);
	done(&r, &v);
	/* the complainant's private relay is in a range we use too: not our egress */
	mk(&r, NULL, "from mx-int.complainant.example (mx-int.complainant.example [10.1.2.3]) by "
	   "store.complainant.example with LMTP id L1; Wed, 1 May 2024 10:30:06 +0000",
	   "from mx2.example.net (mx2.example.net [192.0.2.25]) by mx-int.complainant.example with "
	   "ESMTPS id C1 for <victim@complainant.example>; Wed, 1 May 2024 10:30:05 +0000", RELAY_IN);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_int_equal(v.egress_hop, 1);
	done(&r, &v);
}

static void test_ipv6(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "2001:db8:25:0::25", "from mx2.example.net (mx2.example.net [IPv6:2001:db8:25::25]) by "
	   "mx.complainant.example with ESMTPS id 6A for <victim@complainant.example>; "
	   "Wed, 1 May 2024 10:30:05 +0000", "from spam.example.org (spam.example.org "
	   "[IPv6:2001:db8:99::7]) by mx2.example.net (Postfix) with ESMTP id 6B; "
	   "Wed, 1 May 2024 10:30:01 +0000", NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_int_equal(v.confidence, CONF_HIGH);
	assert_string_equal(v.abused_ip, "2001:db8:25::25");
	assert_string_equal(v.injector_ip, "2001:db8:99::7");
	done(&r, &v);
	/* an MTA writing IPv4 as ::ffff: mapped matches a dotted Source-IP */
	mk(&r, "192.0.2.25", "from mx2.example.net (mx2.example.net [IPv6:::ffff:192.0.2.25]) by "
	   "mx.complainant.example with ESMTP id 6C; Wed, 1 May 2024 10:30:05 +0000", RELAY_IN, NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_int_equal(v.egress_hop, 0);
	done(&r, &v);
}

static void test_nat(void **state)
{
	struct report r;
	struct verdict v;
	const char *h = "from nat1.example.net (nat1.example.net [192.0.2.1]) by mx.complainant.example "
		"with SMTP id N1; Wed, 1 May 2024 10:30:05 +0000";

	mk(&r, "192.0.2.1", h, NULL, NULL);
	r.source_port = 40123;
	r.arrival = 1714559405;   /* 2024-05-01T10:30:05Z */
	run(&r, &v);
	assert_int_equal(v.cls, V_INFECTED_HOST);
	assert_string_equal(v.nat_inside, "10.20.3.4:51000");
	assert_string_equal(v.abused_ip, "10.20.3.4");
	assert_string_equal(v.egress_ip, "192.0.2.1");
	assert_string_equal(v.rule, "nat-inside-dynamic");
	done(&r, &v);
	/* outside the record's window: the NAT log is needed */
	mk(&r, "192.0.2.1", h, NULL, NULL);
	r.source_port = 40123;
	r.arrival = 1714559405 + 7200;
	run(&r, &v);
	assert_int_equal(v.cls, V_UNKNOWN);
	assert_string_equal(v.rule, "nat-no-record");
	assert_int_equal(v.confidence, CONF_LOW);
	assert_non_null(strstr(v.explanation, "NAT log"));
	done(&r, &v);
	/* no port */
	mk(&r, "192.0.2.1", h, NULL, NULL);
	run(&r, &v);
	assert_string_equal(v.rule, "nat-no-port");
	done(&r, &v);
}

/* injector_ip is the first address that handed the message to an MTA we (or, for not_ours,
 * the complainant) recorded, for every verdict where it is known */
static void test_injector(void **state)
{
	static const struct {
		const char *src, *h[3], *cls, *inj;
	} c[] = {
		/* infected host straight to the complainant */
		{ "198.51.100.23", { "from pc23.dsl.example.net (pc23.dsl.example.net [198.51.100.23]) by "
		  "mx.complainant.example with SMTP id I1; Wed, 1 May 2024 10:30:05 +0000" },
		  "infected_host", "198.51.100.23" },
		/* infected host through our MTA */
		{ "192.0.2.25", { EGRESS_MX2, "from pc23 (pc23.dsl.example.net [198.51.100.23]) by "
		  "mx2.example.net (Postfix) with ESMTP id 4I2; Wed, 1 May 2024 10:30:01 +0000" },
		  "infected_host", "198.51.100.23" },
		/* an open proxy: the proxy handed it on */
		{ "192.0.2.80", { "from proxy1.example.net (proxy1.example.net [192.0.2.80]) by "
		  "mx.complainant.example with SMTP id P1; Wed, 1 May 2024 10:30:05 +0000" },
		  "open_proxy", "192.0.2.80" },
		/* a web server's script spoke SMTP to our MTA */
		{ "192.0.2.25", { EGRESS_MX2, "from web1.example.net (web1.example.net [192.0.2.40]) by "
		  "mx2.example.net (Postfix) with ESMTP id 4W1; Wed, 1 May 2024 10:30:01 +0000" },
		  "web_script", "192.0.2.40" },
		/* a local submission on our MTA: the host itself */
		{ "192.0.2.50", { "from shell.example.net (shell.example.net [192.0.2.50]) by "
		  "mx.complainant.example with ESMTP id L1; Wed, 1 May 2024 10:30:05 +0000" },
		  "local_injection", "192.0.2.50" },
		/* not ours: the complainant's record (Source-IP) */
		{ "203.0.113.50", { "from bad.example.org (bad.example.org [203.0.113.50]) by "
		  "mx.complainant.example with SMTP id N1; Wed, 1 May 2024 10:30:05 +0000" },
		  "not_ours", "203.0.113.50" },
		/* not ours, no Source-IP: past the complainant's own relay */
		{ NULL, { "from mx-in.complainant.example (mx-in.complainant.example [10.9.9.9]) by "
		  "store.complainant.example with LMTP id N2; Wed, 1 May 2024 10:30:06 +0000",
		  "from bad.example.org (bad.example.org [203.0.113.50]) by mx-in.complainant.example "
		  "with SMTP id N3; Wed, 1 May 2024 10:30:05 +0000" }, "not_ours", "203.0.113.50" },
		/* not ours, a forged hop naming us below the outsider */
		{ NULL, { "from bad.example.org (bad.example.org [203.0.113.50]) by mx.complainant.example "
		  "with SMTP id N4; Wed, 1 May 2024 10:30:05 +0000", EGRESS_MX2 },
		  "not_ours", "203.0.113.50" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct report r;
		struct verdict v;

		mk(&r, c[i].src, c[i].h[0], c[i].h[1], c[i].h[2]);
		run(&r, &v);
		if (strcmp(verdict_name(v.cls), c[i].cls) != 0 || v.injector_ip == NULL ||
		    strcmp(v.injector_ip, c[i].inj) != 0)
			fail_msg("case %zu: %s injector %s, want %s injector %s (%s)", i, verdict_name(v.cls),
				 v.injector_ip ? v.injector_ip : "-", c[i].cls, c[i].inj, v.rule);
		done(&r, &v);
	}
}

/* a customer behind our NAT gateway sends through our Exim smarthost: the client port Exim
 * recorded (not the report's Source-Port, the complainant's side) and that hop's time find
 * the inside host; for Postfix, which writes no port, the mail log's does */
static void test_nat_smarthost(void **state)
{
	static const char egress[] = "from mx2.example.net ([192.0.2.25]) by mx.complainant.example "
		"(Postfix) with ESMTPS id 4VqP1 for <victim@complainant.example>; Wed, 1 May 2024 10:30:05 +0000";
	static const char *const exim[] = {
		"from nat1.example.net ([192.0.2.1]:40123 helo=pc-3-4.lan)\n\tby mx2.example.net with "
		"esmtp (Exim 4.96)\n\t(envelope-from <promo@example.net>)\n\tid 1rNat1-000Q1a-2B\n\t"
		"for victim@complainant.example;\n\tWed, 01 May 2024 10:29:58 +0000",
		"from [192.0.2.1] (port=40123 helo=pc-3-4.lan)\n\tby mx2.example.net with esmtp "
		"(Exim 4.96)\n\t(envelope-from <promo@example.net>)\n\tid 1rNat1-000Q1a-2B\n\t"
		"for victim@complainant.example;\n\tWed, 01 May 2024 10:29:58 +0000",
	};
	struct report r;
	struct verdict v;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		mk(&r, "192.0.2.25", egress, exim[i], NULL);
		r.source_port = 51999;       /* the smarthost's port toward the complainant */
		r.arrival = 1714559405;
		run(&r, &v);
		assert_int_equal(r.hops[1].port, 40123);
		if (v.cls != V_INFECTED_HOST)
			fail_msg("case %zu: %s %s: %s", i, verdict_name(v.cls), v.rule, v.explanation);
		assert_string_equal(v.rule, "nat-inside-dynamic");
		assert_string_equal(v.abused_ip, "10.20.3.4");
		assert_string_equal(v.nat_inside, "10.20.3.4:51000");
		assert_string_equal(v.injector_ip, "10.20.3.4");
		assert_string_equal(v.egress_ip, "192.0.2.25");
		done(&r, &v);
	}
	/* the hop's time outside the NAT record's window: the record decides nothing */
	mk(&r, "192.0.2.25", egress, "from [192.0.2.1] (port=40123 helo=pc)\n\tby mx2.example.net with "
	   "esmtp (Exim 4.96)\n\tid 1rNat2-000Q1a-2B;\n\tWed, 01 May 2024 12:29:58 +0000", NULL);
	run(&r, &v);
	assert_string_equal(v.rule, "nat-no-record");
	assert_null(v.injector_ip);
	done(&r, &v);
	/* Postfix: no port in the header, the mail log for queue 4NatQ1 has it */
	mk(&r, "192.0.2.25", egress, "from nat1.example.net (nat1.example.net [192.0.2.1]) by "
	   "mx2.example.net (Postfix) with ESMTP id 4NatQ1 for <victim@complainant.example>; "
	   "Wed, 1 May 2024 10:29:58 +0000", NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_INFECTED_HOST);
	assert_string_equal(v.abused_ip, "10.20.3.4");
	assert_string_equal(v.injector_ip, "10.20.3.4");
	done(&r, &v);
	/* no port anywhere: the NAT log and the port are needed */
	mk(&r, "192.0.2.25", egress, "from nat1.example.net (nat1.example.net [192.0.2.1]) by "
	   "mx2.example.net (Postfix) with ESMTP id 4NatQ9; Wed, 1 May 2024 10:29:58 +0000", NULL);
	r.source_port = 40123;       /* the complainant's side: not used for our ingress hop */
	r.arrival = 1714559405;
	run(&r, &v);
	assert_string_equal(v.rule, "nat-no-port");
	assert_string_equal(v.abused_ip, "192.0.2.1");
	done(&r, &v);
}

static void test_roles(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.80", "from proxy1.example.net ([192.0.2.80]) by mx.complainant.example with "
	   "SMTP id P1; Wed, 1 May 2024 10:30:05 +0000", "from x ([192.0.2.25]) by forged.example "
	   "with SMTP id P0; Wed, 1 May 2024 10:30:04 +0000", NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_PROXY);
	assert_string_equal(v.rule, "egress-proxy");
	assert_string_equal(v.abused_host, "proxy1.example.net");
	done(&r, &v);
	mk(&r, "198.51.100.23", "from pc23 (pc23.dsl.example.net [198.51.100.23]) by "
	   "mx.complainant.example with SMTP id P2; Wed, 1 May 2024 10:30:05 +0000", NULL, NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_INFECTED_HOST);
	assert_string_equal(v.rule, "egress-customer");
	assert_string_equal(v.owner, "access-team");
	done(&r, &v);
	mk(&r, "192.0.2.50", "from shell.example.net ([192.0.2.50]) by mx.complainant.example with "
	   "ESMTP id P3; Wed, 1 May 2024 10:30:05 +0000", NULL, NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_LOCAL_INJECTION);
	done(&r, &v);
	/* an address of ours that the inventory does not describe */
	mk(&r, "192.0.2.99", "from h99 ([192.0.2.99]) by mx.complainant.example with "
	   "ESMTP id P4; Wed, 1 May 2024 10:30:05 +0000", NULL, NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_UNKNOWN);
	assert_string_equal(v.rule, "origin-not-in-inventory");
	assert_string_equal(v.owner, "ops");
	done(&r, &v);
}

static void test_web_script(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.40", "from web1.example.net (web1.example.net [192.0.2.40]) by "
	   "mx.complainant.example with ESMTP id W1; Wed, 1 May 2024 10:30:05 +0000", NULL, NULL);
	r.orig.headers = xstrdup("Received: from web1.example.net ([192.0.2.40]) by mx.complainant.example\n"
				 "Received: by web1.example.net (Postfix, from userid 33)\n\tid 4W; Wed, 1 May 2024\n"
				 "Subject: hi\n");
	run(&r, &v);
	assert_int_equal(v.cls, V_WEB_SCRIPT);
	assert_int_equal(v.confidence, CONF_HIGH);
	assert_string_equal(v.rule, "web-script-marker");
	done(&r, &v);
}

/* a header written under a foreign name below our host ends our chain: its client is not believed */
static void test_forged_hop_ends_chain(void **state)
{
	struct report r;
	struct verdict v;
	size_t hop2 = 0;

	mk(&r, "192.0.2.26", "from smtp.example.net (smtp.example.net [192.0.2.26]) by "
	   "mx.complainant.example (Postfix) with SMTP id 4VqP1; Wed, 01 May 2024 10:30:05 +0000",
	   "from trusted.example.net ([192.0.2.25]) by mail.lottery.example.org with SMTP id FAKE1; "
	   "Wed, 01 May 2024 10:29:59 +0000",
	   "from spammer.example.org (unknown [203.0.113.9]) by mx2.example.net (Postfix) with ESMTP "
	   "id 4Xyz; Wed, 01 May 2024 10:29:00 +0000");
	run(&r, &v);
	assert_int_equal(v.cls, V_LOCAL_INJECTION);
	assert_string_equal(v.abused_ip, "192.0.2.26");
	assert_string_equal(v.abused_host, "smtp.example.net");
	/* the forged header's client is not the injector: the host the chain ends at is */
	assert_string_equal(v.injector_ip, "192.0.2.26");
	assert_int_equal(v.confidence, CONF_MEDIUM);
	for (size_t i = 0; i < v.evidence.n; i++)
		if (strncmp(v.evidence.v[i], "hop 2:", 6) == 0)
			hop2++;
	assert_int_equal(hop2, 1);
	done(&r, &v);
}

/* an MTA that names itself otherwise than the inventory (myhostname
 * mailout.example.net for smtp.example.net): the name our receiver above
 * recorded for it (rDNS, HELO) makes its header believed; another of our
 * names still ends the chain */
static void test_writer_recorded_name(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.26", "from mailout.example.net (mailout.example.net [192.0.2.26]) by "
	   "mx.complainant.example (Postfix) with ESMTPS id 4VqP1; Wed, 01 May 2024 10:30:05 +0000",
	   "from spammer.example.org (unknown [203.0.113.9]) by mailout.example.net (Postfix) with "
	   "ESMTP id 4Xyz for <victim@complainant.example>; Wed, 01 May 2024 10:30:01 +0000", NULL);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_string_equal(v.abused_ip, "192.0.2.26");
	assert_string_equal(v.injector_ip, "203.0.113.9");
	done(&r, &v);
	mk(&r, "192.0.2.26", "from mailout.example.net (mailout.example.net [192.0.2.26]) by "
	   "mx.complainant.example (Postfix) with ESMTPS id 4VqP1; Wed, 01 May 2024 10:30:05 +0000",
	   "from spammer.example.org (unknown [203.0.113.9]) by gateway.example.net (Postfix) with "
	   "ESMTP id 4Xyz for <victim@complainant.example>; Wed, 01 May 2024 10:30:01 +0000", NULL);
	run(&r, &v);
	assert_int_not_equal(v.cls, V_OPEN_RELAY);
	assert_string_equal(v.abused_ip, "192.0.2.26");
	assert_string_equal(v.injector_ip, "192.0.2.26");
	done(&r, &v);
}

/* amavisd-new writes "by localhost" below a loopback handoff: still our host's header */
static void test_content_filter_localhost(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.25", EGRESS_MX2,
	   "from localhost (localhost [127.0.0.1]) by mx2.example.net (Postfix) with ESMTP id 4Re1; "
	   "Wed, 1 May 2024 10:30:03 +0000",
	   "from mx2.example.net ([127.0.0.1]) by localhost (mx2.example.net [127.0.0.1]) "
	   "(amavisd-new, port 10024) with ESMTP id Av1; Wed, 1 May 2024 10:30:02 +0000");
	add_hop(&r, RELAY_IN);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_string_equal(v.abused_host, "mx2.example.net");
	assert_string_equal(v.injector_ip, "203.0.113.9");
	done(&r, &v);
}

/* A configuration and inventory as tests/golden/trace.sh uses them. */
struct lab {
	struct trace_conf conf;
	struct inventory_csv *inv;
	struct trace_env env;
};

/* lab_load - our_networks nets, our_domains example.net, inventory ROOT/csv */
static void lab_load(struct lab *l, const char *nets, const char *csv)
{
	const char *root = getenv("ABUSEDESK_ROOT");
	char path[4096], err[512], *bad = NULL;

	memset(l, 0, sizeof(*l));
	assert_int_equal(netlist_parse(&l->conf.our_networks, nets, &bad), 0);
	strlist_add(&l->conf.our_domains, "example.net");
	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", csv);
	assert_int_equal(inventory_csv_load(path, &l->inv, err, sizeof(err)), 0);
	inventory_csv_env(l->inv, &l->env);
}

static void lab_free(struct lab *l)
{
	inventory_csv_free(l->inv);
	netlist_free(&l->conf.our_networks);
	strlist_free(&l->conf.our_domains);
}

/* read_all - a whole file in a new string; NULL when unreadable */
static char *read_all(const char *path, size_t *len)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return NULL;
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return buf_steal(&b);
}

/* seed - the property tests' random seed: TRACE_PROPERTY_SEED or def */
static uint64_t seed(uint64_t def)
{
	const char *s = getenv("TRACE_PROPERTY_SEED");
	uint64_t v = s && *s ? strtoull(s, NULL, 0) : 0;

	return v ? v * 0x9e3779b97f4a7c15ULL + def : def;
}

/* declared_believed - "believed=N" of the sample's X-Sample truth, -1 when absent */
static int declared_believed(const char *msg)
{
	const char *eol = strchr(msg, '\n'), *t = strstr(msg, "believed=");

	if (strncmp(msg, "X-Sample:", 9) != 0 || t == NULL || (eol && t > eol))
		return -1;
	return (int)strtol(t + 9, NULL, 10);
}

#define SAMPLE_ROUNDS 400   /* mutations per sample */
#define CHAIN_COUNT 2000    /* generated chains */
#define CHAIN_ROUNDS 20     /* mutations per chain */

/*
 * the forged-hop property on every trace sample: no change below the first
 * header our hosts did not write (declared by the sample) moves the verdict
 */
static void test_forged_property_samples(void **state)
{
	const char *root = getenv("ABUSEDESK_ROOT");
	char pat[4096], why[8192];
	struct lab doc, loop;
	struct tp_rng g = { seed(0x9e3779b97f4a7c15ULL), NULL, 0, 0 };
	glob_t gl;
	size_t checked = 0;

	lab_load(&doc, "192.0.2.0/24 198.51.100.0/24 10.0.0.0/8 100.64.0.0/10 2001:db8:25::/48",
		 "tests/golden/inventory.csv");
	lab_load(&loop, "127.0.0.0/28", "tests/golden/inventory-postfix.csv");
	snprintf(pat, sizeof(pat), "%s/samples/trace-*.eml", root ? root : ".");
	assert_int_equal(glob(pat, 0, NULL, &gl), 0);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		size_t len = 0;
		char *msg = read_all(gl.gl_pathv[i], &len);
		int f = msg ? declared_believed(msg) : -1;
		const struct lab *l = strstr(gl.gl_pathv[i], "/trace-postfix-") ? &loop : &doc;

		if (f < 0)
			fail_msg("%s: no X-Sample believed=N", gl.gl_pathv[i]);
		if (tp_check(msg, len, (size_t)f, &g, SAMPLE_ROUNDS, &l->conf, &l->env, why, sizeof(why)) != 0) {
			print_message("%s\n", why);
			fail_msg("%s: a change below header %d moved the verdict", gl.gl_pathv[i], f + 1);
		}
		free(msg);
		checked++;
	}
	globfree(&gl);
	assert_true(checked >= 20);
	print_message("forged-hop property: %zu samples, %lu mutations\n", checked, tp_mutations);
	assert_true(tp_mutations >= checked * SAMPLE_ROUNDS);
	lab_free(&doc);
	lab_free(&loop);
}

/* the same property on generated Postfix / Exim / Sendmail chains through our hosts */
static void test_forged_property_chains(void **state)
{
	char why[8192];
	struct lab doc;
	struct tp_rng g = { seed(0x2545f4914f6cdd1dULL), NULL, 0, 0 };
	struct buf b;

	lab_load(&doc, "192.0.2.0/24 198.51.100.0/24 10.0.0.0/8 100.64.0.0/10 2001:db8:25::/48",
		 "tests/golden/inventory.csv");
	buf_init(&b, 0);
	for (int i = 0; i < CHAIN_COUNT; i++) {
		size_t f = tp_chain(&g, &b);

		if (tp_check(b.data, b.len, f, &g, CHAIN_ROUNDS, &doc.conf, &doc.env, why, sizeof(why)) != 0)
		{
			print_message("message:\n%s\n%s\n", b.data, why);
			fail_msg("chain %d: a change below header %zu moved the verdict", i, f + 1);
		}
	}
	buf_free(&b);
	lab_free(&doc);
	print_message("forged-hop property: %d chains, %lu mutations in all\n", CHAIN_COUNT, tp_mutations);
	assert_true(tp_mutations >= (unsigned long)CHAIN_COUNT * CHAIN_ROUNDS);
}

static void test_noip_middle(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "192.0.2.25", EGRESS_MX2, NULL, NULL);
	r.hops = xrealloc(r.hops, 3 * sizeof(*r.hops));
	memset(&r.hops[1], 0, sizeof(r.hops[1]));
	r.hops[1].from_rdns = xstrdup("relay-int.example.net");
	r.hops[1].by = xstrdup("mx2.example.net");
	r.hops[1].with = xstrdup("ESMTP");
	r.nhops = 2;
	add_hop(&r, "from spammer.example.org (unknown [203.0.113.9]) by relay-int.example.net "
		"(Postfix) with ESMTP id 4Int for <victim@complainant.example>; Wed, 1 May 2024 10:29:00 +0000");
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_int_equal(v.confidence, CONF_MEDIUM);
	assert_string_equal(v.abused_host, "relay-int.example.net");
	assert_null(v.abused_ip);
	assert_int_equal(v.ingress_hop, 2);
	done(&r, &v);
}

static void test_loopback_and_private(void **state)
{
	struct report r;
	struct verdict v;
	char *bad = NULL;

	mk(&r, "192.0.2.25", EGRESS_MX2, "from localhost (localhost [127.0.0.1]) by mx2.example.net "
	   "(Postfix) with ESMTP id 4L; Wed, 1 May 2024 10:30:03 +0000", RELAY_IN);
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_string_equal(v.abused_ip, "192.0.2.25");
	done(&r, &v);
	/* a private client outside our_networks is inside, with less confidence */
	struct trace_conf c2 = conf;
	memset(&c2.our_networks, 0, sizeof(c2.our_networks));
	assert_int_equal(netlist_parse(&c2.our_networks, "192.0.2.0/24", &bad), 0);
	mk(&r, "192.0.2.25", EGRESS_MX2, "from pc (pc.lan [172.16.5.5]) by mx2.example.net (Postfix) "
	   "with ESMTP id 4P; Wed, 1 May 2024 10:30:03 +0000", NULL);
	verdict_init(&v);
	trace_report(&r, &c2, &env, &v);
	assert_int_not_equal(v.cls, V_OPEN_RELAY);
	assert_string_equal(v.abused_ip, "172.16.5.5");
	assert_true(v.confidence <= CONF_MEDIUM);
	done(&r, &v);
	netlist_free(&c2.our_networks);
}

/* lab_trace - trace r with our_networks 127.0.0.0/28 and a loopback inventory */
static void lab_trace(struct report *r, struct verdict *v)
{
	static const char lab_inv[] = "host,mx2.example.net,127.0.0.2,mta,mail-team\n"
				      "network,127.0.0.8/29,,customer,access-team\n";
	struct inventory_csv *li;
	struct trace_env le;
	struct trace_conf lc = conf;
	char err[256], *bad = NULL;

	assert_int_equal(inventory_csv_parse(lab_inv, strlen(lab_inv), "lab", &li, err, sizeof(err)), 0);
	inventory_csv_env(li, &le);
	memset(&lc.our_networks, 0, sizeof(lc.our_networks));
	assert_int_equal(netlist_parse(&lc.our_networks, "127.0.0.0/28", &bad), 0);
	verdict_init(v);
	trace_report(r, &lc, &le, v);
	netlist_free(&lc.our_networks);
	inventory_csv_free(li);
}

#define LAB_EGRESS "from mx2.example.net (unknown [127.0.0.2]) by mx.outside.test (Postfix) with ESMTP " \
	"id 2E401A8EBF3 for <v@outside.test>; Sun, 22 Nov 2026 19:34:26 +0000 (UTC)"

/* a network laid out on 127.0.0.x: other loopback addresses are other hosts */
static void test_loopback_testbed(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, "127.0.0.2", LAB_EGRESS, "from client.test (unknown [127.0.0.70]) by mx2.example.net "
	   "(Postfix) with ESMTP id 1653FA8EC40 for <v@outside.test>; Sun, 22 Nov 2026 19:34:26 +0000", NULL);
	lab_trace(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_string_equal(v.abused_host, "mx2.example.net");
	assert_string_equal(v.injector_ip, "127.0.0.70");
	assert_int_equal(v.ingress_hop, 1);
	done(&r, &v);
	/* "localhost" on the relay is still a handoff on that host */
	mk(&r, "127.0.0.2", LAB_EGRESS, "from localhost (localhost [127.0.0.1]) by mx2.example.net "
	   "(Postfix) with ESMTP id 4L; Sun, 22 Nov 2026 19:34:26 +0000", "from client.test (unknown "
	   "[127.0.0.70]) by mx2.example.net (Postfix) with ESMTP id 4M; Sun, 22 Nov 2026 19:34:25 +0000");
	lab_trace(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_string_equal(v.abused_ip, "127.0.0.2");
	assert_string_equal(v.injector_ip, "127.0.0.70");
	done(&r, &v);
	/* a customer address in our_networks relaying through our MTA */
	mk(&r, "127.0.0.2", LAB_EGRESS, "from DESKTOP-7Q3K9 (unknown [127.0.0.9]) by mx2.example.net "
	   "(Postfix) with ESMTP id 4N; Sun, 22 Nov 2026 19:34:26 +0000", NULL);
	lab_trace(&r, &v);
	assert_int_equal(v.cls, V_INFECTED_HOST);
	assert_string_equal(v.rule, "chain-ends-customer");
	assert_string_equal(v.abused_ip, "127.0.0.9");
	done(&r, &v);
}

static void test_dsn_backscatter(void **state)
{
	struct report r;
	struct verdict v;

	mk(&r, NULL, "from spam.example.org (spam.example.org [203.0.113.9]) by mx.other.example "
	   "with SMTP id B1; Wed, 1 May 2024 10:30:05 +0000", NULL, NULL);
	r.format = FMT_DSN;
	run(&r, &v);
	assert_int_equal(v.cls, V_NOT_OURS);
	assert_string_equal(v.rule, "dsn-backscatter-no-hop-ours");
	assert_true(strncmp(v.explanation, "backscatter: ", 13) == 0);
	done(&r, &v);
	mk(&r, NULL, EGRESS_MX2, RELAY_IN, NULL);
	r.format = FMT_DSN;
	run(&r, &v);
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_string_equal(v.rule, "dsn-backscatter-relay-unauth-outside-rcpt");
	assert_non_null(strstr(v.explanation, "backscatter: "));
	done(&r, &v);
}

static void test_no_env_and_empty(void **state)
{
	struct report r;
	struct verdict v;

	report_init(&r);
	verdict_init(&v);
	trace_report(&r, &conf, NULL, &v);
	assert_int_equal(v.cls, V_NOT_OURS);
	assert_int_equal(v.confidence, CONF_LOW);
	/* tracing twice into one verdict frees the first */
	trace_report(&r, &conf, NULL, &v);
	trace_report(NULL, &conf, NULL, &v);
	assert_int_equal(v.cls, V_UNKNOWN);
	done(&r, &v);
	mk(&r, "192.0.2.25", EGRESS_MX2, RELAY_IN, NULL);
	verdict_init(&v);
	trace_report(&r, &conf, NULL, &v);   /* no inventory: still a relay by its hops */
	assert_int_equal(v.cls, V_OPEN_RELAY);
	assert_null(v.owner);
	done(&r, &v);
}

static void test_hostile(void **state)
{
	struct report r;
	struct verdict v;
	char big[9000];

	report_init(&r);
	r.source_ip = xstrdup("192.0.2.25");
	r.hops = xcalloc(PARSE_MAX_HOPS, sizeof(*r.hops));
	r.nhops = PARSE_MAX_HOPS;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (size_t i = 0; i < r.nhops; i++) {
		r.hops[i].from_ip = xstrdup(i % 2 ? "192.0.2.25" : "");
		r.hops[i].by = xstrdup(i % 3 ? big : "x.example.net");
		r.hops[i].id = xstrdup("\x01\xff\"id");
		r.hops[i].auth = i == 63 ? xstrdup(big) : NULL;
	}
	run(&r, &v);
	assert_non_null(v.rule);
	assert_true(v.evidence.n <= 40);
	for (size_t i = 0; i < v.evidence.n; i++)
		assert_true(strlen(v.evidence.v[i]) <= 300);
	done(&r, &v);
}

static void test_json_and_names(void **state)
{
	static const char want[] = "{\"file\":\"a\\\"b.eml\",\"verdict\":\"open_relay\",\"category\":null,\"confidence\":\"high\","
		"\"abused_ip\":\"192.0.2.25\",\"abused_host\":\"mx2.example.net\",\"owner\":\"mail-team\","
		"\"role\":\"mta\",\"egress_ip\":\"192.0.2.25\",\"injector_ip\":\"203.0.113.9\","
		"\"auth_user\":null,\"nat_inside\":null,\"egress_hop\":0,\"ingress_hop\":1,"
		"\"rule\":\"relay-unauth-outside-rcpt\",\"evidence\":[\"hop 1:";
	struct report r;
	struct verdict v;
	struct buf b;

	for (int i = 0; i <= V_WEB_COMPROMISE; i++)
		assert_int_equal(verdict_from_name(verdict_name((enum verdict_class)i)), i);
	for (int i = 0; i <= ROLE_SERVER; i++)
		assert_int_equal(role_from_name(role_name((enum host_role)i)), i);
	assert_int_equal(verdict_from_name("nonsense"), -1);
	assert_int_equal(role_from_name("MTA"), ROLE_MTA);
	assert_string_equal(confidence_name(CONF_MEDIUM), "medium");
	mk(&r, "192.0.2.25", EGRESS_MX2, RELAY_IN, NULL);
	run(&r, &v);
	buf_init(&b, 0);
	verdict_to_json(&v, "a\"b.eml", &b);
	assert_true(strncmp(b.data, want, strlen(want)) == 0);
	assert_non_null(strstr(b.data, "\"explanation\":\"mx2.example.net (192.0.2.25) accepted"));
	buf_free(&b);
	done(&r, &v);
}

static void test_inventory_csv(void **state)
{
	static const char csv[] =
		"host,a.example.net,192.0.2.7,mta,x\n"
		"host,b.example.net,not-an-ip,mta,x\n"
		"network,192.0.2.0/33,,,x\n"
		"\"host\",\"c.example.net\",\"192.0.2.8; 2001:db8::8\",\"web\",\"o,1\"\n"
		"host,d.example.net,192.0.2.9,wizard,x\n"
		"nat,192.0.2.1:9-8,10.0.0.1,,\n"
		"frobnicate,1,2,3,4\n"
		"maillog,Q1,192.0.2.7,,a.example.net,<m@x>\n";
	struct inventory_csv *i = NULL;
	struct trace_env e;
	struct inv_entry ent;
	struct maillog_entry ml;
	struct ipaddr a;
	char err[256];

	assert_int_equal(inventory_csv_parse(csv, strlen(csv), "t.csv", &i, err, sizeof(err)), -1);
	assert_string_equal(err, "t.csv:2: bad IP address in the third column (and more bad rows)");
	assert_int_equal(inventory_csv_errors(i)->n, 5);
	assert_string_equal(inventory_csv_errors(i)->v[1], "t.csv:3: bad CIDR in the second column");
	assert_non_null(strstr(inventory_csv_errors(i)->v[2], "t.csv:5: unknown role"));
	assert_non_null(strstr(inventory_csv_errors(i)->v[3], "t.csv:6:"));
	assert_non_null(strstr(inventory_csv_errors(i)->v[4], "t.csv:7: unknown kind"));
	assert_int_equal(inventory_csv_rows(i), 3);
	inventory_csv_env(i, &e);
	ip_parse("2001:db8::8", &a);
	e.lookup(e.ctx, &a, &ent);
	assert_true(ent.found);
	assert_string_equal(ent.host, "c.example.net");
	assert_string_equal(ent.owner, "o,1");
	assert_int_equal(ent.role, ROLE_WEB);
	ip_parse("203.0.113.1", &a);
	e.lookup(e.ctx, &a, &ent);
	assert_false(ent.found);
	e.maillog(e.ctx, NULL, "m@x", &ml);
	assert_true(ml.found);
	assert_string_equal(ml.queue_id, "Q1");
	inventory_csv_free(i);
	assert_int_equal(inventory_csv_load("/nonexistent/inv.csv", &i, err, sizeof(err)), -1);
	assert_null(i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_relay),
		cmocka_unit_test(test_relay_inside_rcpt),
		cmocka_unit_test(test_compromised),
		cmocka_unit_test(test_compromised_sasl_comment),
		cmocka_unit_test(test_maillog_sasl),
		cmocka_unit_test(test_forged_lower_hop),
		cmocka_unit_test(test_source_ip_disagrees),
		cmocka_unit_test(test_source_only),
		cmocka_unit_test(test_source_only_no_message),
		cmocka_unit_test(test_no_source_ip),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_injector),
		cmocka_unit_test(test_nat_smarthost),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_web_script),
		cmocka_unit_test(test_noip_middle),
		cmocka_unit_test(test_forged_hop_ends_chain),
		cmocka_unit_test(test_writer_recorded_name),
		cmocka_unit_test(test_content_filter_localhost),
		cmocka_unit_test(test_forged_property_samples),
		cmocka_unit_test(test_forged_property_chains),
		cmocka_unit_test(test_loopback_and_private),
		cmocka_unit_test(test_loopback_testbed),
		cmocka_unit_test(test_dsn_backscatter),
		cmocka_unit_test(test_no_env_and_empty),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_json_and_names),
		cmocka_unit_test(test_nonmail),
		cmocka_unit_test(test_inventory_csv),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

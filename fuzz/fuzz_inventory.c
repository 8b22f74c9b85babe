/*
 * fuzz_inventory - libFuzzer target: the CSV inventory (correlate/
 * inventory_csv.h) and the trace_env it backs.
 *
 * The input is an inventory file. Once loaded (good rows kept, bad rows
 * reported), the env's inventory, NAT and mail-log callbacks are asked about
 * fixed addresses, and fixed relay chains are traced against it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../correlate/inventory/inventory_csv.h"
#include "../correlate/trace/trace.h"
#include "../util/mem.h"
#include "fixed_inventory.h"

static const char *const probe_ips[] = {
	"192.0.2.25", "192.0.2.1", "198.51.100.7", "10.20.3.4", "2001:db8:25::25", "203.0.113.9",
	"::", "255.255.255.255"
};

static const char *const chains[][2] = {
	{ "from mx2.example.net (mx2.example.net [192.0.2.25]) by mx.complainant.example "
	  "(Postfix) with ESMTPS id 4VabcD for <victim@complainant.example>; Wed, 1 May 2024 10:30:05 +0000",
	  "from spammer.example.org (unknown [203.0.113.9]) by mx2.example.net (Postfix) "
	  "with ESMTP id 4Xyz for <victim@complainant.example>; Wed, 1 May 2024 10:30:01 +0000" },
	{ "from nat1.example.net (nat1.example.net [192.0.2.1]) by mx.complainant.example "
	  "with ESMTP id 77; Wed, 1 May 2024 10:30:05 +0000",
	  "from smtp.example.net ([192.0.2.26]) by smtp.example.net with ESMTPSA id 4MLog1 "
	  "(Authenticated sender: bob@example.net); Wed, 1 May 2024 10:30:01 +0000" },
};

static struct trace_conf conf;

/* trace_chain - a report of two fixed hops traced against env */
static void trace_chain(const struct trace_env *env, size_t which)
{
	struct report r;
	struct verdict v;

	report_init(&r);
	r.hops = xcalloc(2, sizeof(*r.hops));
	for (size_t i = 0; i < 2; i++)
		if (rcvd_parse(chains[which][i], strlen(chains[which][i]), &r.hops[r.nhops]) == 1)
			r.nhops++;
	r.source_ip = xstrdup(which ? "192.0.2.1" : "192.0.2.25");
	r.source_port = 40123;
	r.arrival = 1714559400;
	verdict_init(&v);
	trace_report(&r, &conf, env, &v);
	verdict_free(&v);
	report_free(&r);
}

/* ask - every callback once per fixed address */
static void ask(const struct trace_env *env)
{
	for (size_t i = 0; i < sizeof(probe_ips) / sizeof(*probe_ips); i++) {
		struct ipaddr a;
		struct inv_entry e;
		char inside[46];
		int port = 0;

		if (ip_parse(probe_ips[i], &a) != 0)
			abort();
		memset(&e, 0, sizeof(e));
		env->lookup(env->ctx, &a, &e);
		if (memchr(e.host, '\0', sizeof(e.host)) == NULL || (int)e.role < 0)
			abort();
		if (env->nat(env->ctx, &a, 40123, 1714559400, inside, &port) == 0 &&
		    memchr(inside, '\0', sizeof(inside)) == NULL)
			abort();
	}
	if (env->maillog) {
		struct maillog_entry m;

		memset(&m, 0, sizeof(m));
		env->maillog(env->ctx, "4MLog1", NULL, &m);
		memset(&m, 0, sizeof(m));
		env->maillog(env->ctx, NULL, "abc@example.org", &m);
	}
}

/* LLVMFuzzerTestOneInput - load data as an inventory, ask it, trace against it */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct inventory_csv *inv = NULL;
	struct trace_env env = {0};
	char err[256];
	int rc;

	if (!ready) {
		char *bad = NULL;

		rcvd_init();
		if (netlist_parse(&conf.our_networks, FUZZ_OUR_NETWORKS, &bad) != 0)
			abort();
		strlist_add(&conf.our_domains, FUZZ_OUR_DOMAIN);
		ready = 1;
	}
	if (size > 1024 * 1024)
		return 0;
	rc = inventory_csv_parse((const char *)data, size, "fuzz", &inv, err, sizeof(err));
	if (inv == NULL)
		abort();   /* from memory there is always a (possibly empty) inventory */
	if (rc != 0 && (err[0] == '\0' || inventory_csv_errors(inv)->n == 0))
		abort();   /* a failure says which row */
	inventory_csv_env(inv, &env);
	ask(&env);
	for (size_t i = 0; i < sizeof(chains) / sizeof(*chains); i++)
		trace_chain(&env, i);
	inventory_csv_free(inv);
	return 0;
}

/*
 * fuzz_trace - libFuzzer target: a whole message through parse_message and
 * trace_report with a fixed configuration and CSV inventory.
 *
 * Checks: the verdict's class is a known one, hop indexes point into the
 * report's hops, and the verdict's JSON has no control byte.
 *
 * Then the forged-hop property (trace_property.h): the same bytes pick a
 * lab-like chain through our hosts and the changes made below the first
 * header the spammer wrote (forged headers naming our hosts, proxies,
 * customers, logins; removals; reordering); abort when one moves the
 * verdict's class, host, address or injector.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../correlate/inventory/inventory_csv.h"
#include "../correlate/trace/trace.h"
#include "fixed_inventory.h"
#include "trace_property.h"

static struct inventory_csv *inv;
static struct trace_env env;
static struct trace_conf conf;

/* setup - parser, configuration and inventory, once */
static void setup(void)
{
	char err[512], *bad = NULL;

	parse_init();
	if (netlist_parse(&conf.our_networks, FUZZ_OUR_NETWORKS, &bad) != 0)
		abort();
	strlist_add(&conf.our_domains, FUZZ_OUR_DOMAIN);
	if (inventory_csv_parse(fuzz_inventory, sizeof(fuzz_inventory) - 1, "fuzz", &inv,
				err, sizeof(err)) != 0)
		abort();
	inventory_csv_env(inv, &env);
}

/* property - the forged-hop property on the chain and changes the bytes choose */
static void property(const uint8_t *data, size_t size)
{
	struct tp_rng g = { 0, data, size, 0 };
	char why[8192];
	struct buf b;
	size_t f;

	buf_init(&b, 0);
	f = tp_chain(&g, &b);
	if (tp_check(b.data, b.len, f, &g, 4, &conf, &env, why, sizeof(why)) != 0) {
		fprintf(stderr, "forged-hop property broken: %s\nmessage:\n%s\n", why, b.data);
		abort();
	}
	buf_free(&b);
}

/* LLVMFuzzerTestOneInput - parse data as a message, trace it */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct report r;
	struct verdict v;
	struct buf out;

	if (!ready) {
		setup();
		ready = 1;
	}
	report_init(&r);
	parse_message((const char *)data, size, &r);
	verdict_init(&v);
	trace_report(&r, &conf, &env, &v);
	if ((int)v.cls < V_UNKNOWN || v.cls > V_WEB_COMPROMISE || verdict_name(v.cls) == NULL)
		abort();
	if (v.egress_hop < -1 || v.egress_hop >= (int)r.nhops ||
	    v.ingress_hop < -1 || v.ingress_hop >= (int)r.nhops)
		abort();
	buf_init(&out, 0);
	verdict_to_json(&v, "fuzz", &out);
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.data[i] < 0x20)
			abort();
	buf_free(&out);
	verdict_free(&v);
	report_free(&r);
	property(data, size);
	return 0;
}

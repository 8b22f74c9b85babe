/*
 * fuzz_trace - libFuzzer target: a whole message through parse_message and
 * trace_report with a fixed configuration and CSV inventory.
 *
 * Checks: the verdict's class is a known one, hop indexes point into the
 * report's hops, and the verdict's JSON has no control byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../correlate/inventory_csv.h"
#include "../correlate/trace.h"
#include "fixed_inventory.h"

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
	if ((int)v.cls < V_UNKNOWN || v.cls > V_LOCAL_INJECTION || verdict_name(v.cls) == NULL)
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
	return 0;
}

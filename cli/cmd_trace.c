/*
 * NAME
 *	cmd_trace - "abusedesk trace": which of our hosts was abused, and how
 * SYNOPSIS
 *	abusedesk trace [--json] [--inventory CSV] FILE... | -
 * DESCRIPTION
 *	Parses each FILE ("-" for standard input) as one message, traces it
 *	(correlate/trace/trace.h) against our_networks, our_domains and the CSV
 *	inventory (inventory_csv in the configuration, or --inventory) and
 *	prints, with --json, one verdict_to_json object a line; without it a
 *	few readable lines a message. Nothing is stored.
 * DIAGNOSTICS
 *	Exit 0; 64 on a usage error; 65 when the inventory has bad rows (they
 *	are reported with line numbers on stderr and the good rows are used);
 *	66 when a file or the inventory could not be read; 74 when output fails.
 */
#include <errno.h>
#include <sysexits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../app/message.h"
#include "../app/process.h"
#include "../correlate/inventory/inventory_csv.h"
#include "../correlate/trace/trace.h"
#include "../parse/report.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "commands.h"


/* readable - a few lines for a person */
static void readable(const struct verdict *v, const char *file, struct buf *o)
{
	buf_printf(o, "%s: %s (%s confidence)", file, verdict_name(v->cls), confidence_name(v->confidence));
	if (v->abused_host && v->abused_ip)
		buf_printf(o, " %s (%s)", v->abused_host, v->abused_ip);
	else if (v->abused_host || v->abused_ip)
		buf_printf(o, " %s", v->abused_host ? v->abused_host : v->abused_ip);
	if (v->owner)
		buf_printf(o, ", owner %s", v->owner);
	buf_printf(o, "\n  %s\n  rule %s", v->explanation ? v->explanation : "", v->rule ? v->rule : "-");
	if (v->egress_ip)
		buf_printf(o, "; egress %s", v->egress_ip);
	if (v->injector_ip)
		buf_printf(o, "; injector %s", v->injector_ip);
	if (v->auth_user)
		buf_printf(o, "; account %s", v->auth_user);
	if (v->nat_inside)
		buf_printf(o, "; inside %s", v->nat_inside);
	buf_putc(o, '\n');
	for (size_t i = 0; i < v->evidence.n; i++)
		buf_printf(o, "  - %s\n", v->evidence.v[i]);
}

/* trace_one - parse, trace and print one file; 0, or 66 when unreadable */
static int trace_one(const char *file, int json, const struct trace_conf *tc, const struct trace_env *env)
{
	struct report r;
	struct verdict v;
	struct buf out;
	char *data;

	if ((data = app_parse_file(file, &r)) == NULL)
		return 66;
	verdict_init(&v);
	trace_report(&r, tc, env, &v);
	buf_init(&out, 0);
	if (json) {
		verdict_to_json(&v, file, &out);
		buf_putc(&out, '\n');
	} else {
		readable(&v, file, &out);
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	verdict_free(&v);
	report_free(&r);
	free(data);
	return 0;
}

/* load_inventory - the CSV inventory, if any; 0, 65 bad rows, 66 unreadable */
static int load_inventory(const char *path, struct inventory_csv **inv, struct trace_env *env)
{
	char err[1024];
	const struct strlist *bad;

	memset(env, 0, sizeof(*env));
	*inv = NULL;
	if (path == NULL || *path == '\0')
		return 0;
	if (inventory_csv_load(path, inv, err, sizeof(err)) == 0) {
		inventory_csv_env(*inv, env);
		return 0;
	}
	if (*inv == NULL) {
		msg_error("%s", err);
		return 66;
	}
	bad = inventory_csv_errors(*inv);
	for (size_t i = 0; i < bad->n; i++)
		msg_warn("%s", bad->v[i]);
	inventory_csv_env(*inv, env);
	return 65;
}

/* cmd_trace - abusedesk trace [--json] [--inventory CSV] FILE... | - */
int cmd_trace(struct cli *c, int argc, char **argv)
{
	const char *invpath = NULL;
	struct inventory_csv *inv;
	struct trace_conf tc;
	struct trace_env env;
	int i, json = 0, rc, first = 1;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--inventory") && i + 1 < argc)
			invpath = argv[++i];
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else
			return cli_usage("trace");
	}
	first = i;
	if (first >= argc)
		return cli_usage("trace");
	if (cli_config(c) < 0)
		return EX_CONFIG;
	tc.our_networks = c->cfg.our_networks;
	tc.our_domains = c->cfg.our_domains;
	if (c->cfg.our_networks.n == 0)
		msg_warn("our_networks is empty: every report will be not_ours");
	if (invpath == NULL) {
		/* the database inventory, mail and NAT logs, then inventory_csv: as ingest does */
		struct app_proc p;

		proc_open(&p, &c->cfg);
		rc = 0;
		parse_init();
		for (i = first; i < argc; i++)
			if (trace_one(argv[i], json, &tc, &p.env))
				rc = 66;
		proc_close(&p);
	} else {
		rc = load_inventory(invpath, &inv, &env);
		if (rc == 66)
			return rc;
		parse_init();
		for (i = first; i < argc; i++)
			if (trace_one(argv[i], json, &tc, &env))
				rc = 66;
		inventory_csv_free(inv);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return 74;
	return rc;
}

/*
 * cmd_probe - check whether one of our hosts is an open relay or proxy.
 *
 *   abusedesk probe HOST|IP [--relay] [--proxy] [--json] [--incident ID]
 *                   [--port N] [--proxy-ports LIST]
 *   abusedesk probe --incident ID    probe the incident's address by its verdict;
 *                                    a resolved incident still open is reopened
 *   abusedesk probe --due            probe active open_relay/open_proxy incidents
 *                                    not probed since they (re)opened (cron)
 *
 * Every address of HOST must be inside our_networks and in the inventory,
 * or nothing is probed (exit 77). Without --relay/--proxy the inventory role
 * decides: mta -> relay, proxy -> proxy, anything else -> both. Each test is
 * recorded in the probes table (with the incident when --incident is given)
 * and rate-limited to one per target and kind per probe_interval.
 *
 * Exit status: 0 every test found the host closed; 2 something is open;
 * 69 a test could not decide (error) and nothing was open; 75 rate-limited;
 * 77 refused by the policy; 68 the name does not resolve; 64 usage.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../app/probe_run.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "commands.h"

struct probe_args {
	const char *target;
	int relay, proxy, json, due;
	long long incident;
	long port;
	const char *ports;
};

/* parse_args - options and the one target; 0 or -1 (usage) */
static int parse_args(int argc, char **argv, struct probe_args *a)
{
	long v;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--relay") == 0)
			a->relay = 1;
		else if (strcmp(s, "--proxy") == 0)
			a->proxy = 1;
		else if (strcmp(s, "--json") == 0)
			a->json = 1;
		else if (strcmp(s, "--due") == 0)
			a->due = 1;
		else if (strcmp(s, "--incident") == 0 && i + 1 < argc &&
			 str_to_long(argv[i + 1], 1, 0x7fffffffL, &v) == 0) {
			a->incident = v;
			i++;
		} else if (strcmp(s, "--port") == 0 && i + 1 < argc &&
			   str_to_long(argv[i + 1], 1, 65535, &a->port) == 0)
			i++;
		else if (strcmp(s, "--proxy-ports") == 0 && i + 1 < argc)
			a->ports = argv[++i];
		else if (s[0] != '-' && a->target == NULL)
			a->target = s;
		else
			return -1;
	}
	if (a->due)
		return a->target || a->incident ? -1 : 0;
	return a->target || a->incident ? 0 : -1;
}

/* incident_only - probe_incident with reopen; its outcome as an exit status */
static int incident_only(struct db *d, struct cli *c, long long id)
{
	static const int ex[] = { EX_OK, 2, 2, EX_TEMPFAIL, EX_NOPERM, EX_UNAVAILABLE, EX_DATAERR };
	static const char *const what[] = { "closed", "still open", "still open: incident reopened",
					    "not probed (verdict, address or probe_interval)",
					    "refused by the probe policy", "probe failed", "no such incident" };
	int rc = probe_incident(d, &c->cfg, id, 1);

	if (rc < 0)
		return EX_TEMPFAIL;
	printf("incident %lld: %s\n", id, what[rc]);
	return ex[rc];
}

/* due - the cron entry: probe what is due */
static int due(struct db *d, struct cli *c)
{
	int n = 0, rc = probe_due_run(d, &c->cfg, 64, &n);

	if (rc < 0)
		return EX_TEMPFAIL;
	printf("%d incident(s) probed\n", n);
	return EX_OK;
}

/* print_res - one result, as JSON or as a line (+ transcript with -v) */
static void print_res(const struct probe_args *a, const struct probe_target *t, const struct probe_res *r,
		      long long id)
{
	struct buf b;

	if (a->json) {
		buf_init(&b, 0);
		probe_res_json(t, r, &b);
		if (b.len > 0)
			b.data[--b.len] = '\0';    /* reopen the object for id and incident */
		buf_printf(&b, ",\"id\":%lld,\"incident\":", id);
		if (a->incident)
			buf_printf(&b, "%lld}", a->incident);
		else
			buf_puts(&b, "null}");
		printf("%s\n", b.data);
		buf_free(&b);
		return;
	}
	printf("%s %s: %s: %s\n", t->text, probe_kind_name(r->kind), probe_result_name(r->result), r->detail);
	if (msg_verbose)
		fputs(r->transcript.data, stdout);
}

/* run_kind - one kind against every address; updates the counters */
static int run_kind(struct db *d, struct cli *c, const struct probe_args *a, const struct probe_opts *o,
		    const struct probe_target *t, size_t n, enum probe_kind k, int cnt[4])
{
	for (size_t i = 0; i < n; i++) {
		struct probe_res r;
		long long wait = 0, id = 0;
		int rc;

		probe_res_init(&r, k);
		rc = probe_one(d, &c->cfg, &t[i], k, o, a->incident, &r, &wait, &id);
		if (rc == 1) {
			fprintf(stderr, "abusedesk: probe: %s %s test was run less than probe_interval ago;"
				" next allowed in %lld s\n", t[i].text, probe_kind_name(k), wait);
			cnt[3]++;
		} else if (rc == 0) {
			print_res(a, &t[i], &r, id);
			cnt[r.result]++;
		}
		probe_res_free(&r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* options - config, then the command line overrides; 0 or exit status */
static int options(struct cli *c, const struct probe_args *a, struct probe_opts *o)
{
	char err[200];

	if (probe_opts_from_config(o, &c->cfg, err, sizeof(err)) < 0 ||
	    (a->ports && probe_parse_ports(o, a->ports, err, sizeof(err)) < 0)) {
		fprintf(stderr, "abusedesk: probe: %s\n", err);
		return EX_CONFIG;
	}
	if (a->port)
		o->smtp_port = (int)a->port;
	return 0;
}

/* check_incident - --incident must name an incident; 0 or exit status */
static int check_incident(struct db *d, long long id)
{
	int rc = probe_incident_exists(d, id);

	if (rc == 1)
		return 0;
	if (rc == 0)
		fprintf(stderr, "abusedesk: probe: no incident %lld\n", id);
	return rc == 0 ? EX_DATAERR : EX_SOFTWARE;
}

/* cmd_probe - abusedesk probe */
int cmd_probe(struct cli *c, int argc, char **argv)
{
	struct probe_args a;
	struct probe_opts o;
	struct probe_target t[PROBE_MAX_ADDRS];
	struct db d;
	char why[400];
	size_t n;
	int rc, cnt[4] = { 0 };   /* closed, open, error, rate-limited */

	if (parse_args(argc, argv, &a) < 0)
		return cli_usage("probe");
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	if ((rc = options(c, &a, &o)) != 0 || (a.incident && (rc = check_incident(&d, a.incident)) != 0) ||
	    a.due || a.target == NULL) {
		if (rc == 0)
			rc = a.due ? due(&d, c) : incident_only(&d, c, a.incident);
		db_close(&d);
		return rc;
	}
	if ((rc = probe_targets(&d, &c->cfg, a.target, t, PROBE_MAX_ADDRS, &n, why, sizeof(why))) < 0) {
		fprintf(stderr, "abusedesk: probe: %s\n", why);
		db_close(&d);
		return rc == -2 ? EX_NOPERM : EX_NOHOST;
	}
	if (!a.relay && !a.proxy) {
		a.relay = t[0].role != ROLE_PROXY;
		a.proxy = t[0].role != ROLE_MTA;
	}
	rc = a.relay ? run_kind(&d, c, &a, &o, t, n, PROBE_RELAY, cnt) : 0;
	if (rc == 0 && a.proxy)
		rc = run_kind(&d, c, &a, &o, t, n, PROBE_PROXY, cnt);
	db_close(&d);
	if (rc < 0)
		return EX_TEMPFAIL;
	if (cnt[PROBE_OPEN])
		return 2;
	if (cnt[PROBE_ERROR])
		return EX_UNAVAILABLE;
	return cnt[PROBE_CLOSED] ? EX_OK : EX_TEMPFAIL;
}

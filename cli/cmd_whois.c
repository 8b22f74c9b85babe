/*
 * cmd_whois - `abusedesk whois IP [--refresh] [--json]`: the abuse contact
 * of an outside network, from the cache or RDAP (app/whois.h).
 *
 * Exit status: 0 a contact is known; 1 the registry answered but names none
 * ("unknown contact"); 75 the lookup failed (offline, refused, 429, timeout:
 * also "unknown contact"); 64 usage.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../app/whois.h"
#include "../util/buf.h"
#include "../util/ipaddr.h"
#include "../util/json.h"
#include "../util/str.h"
#include "cli.h"
#include "commands.h"

/* line - "key: value" with controls shown as '?' */
static void line(const char *key, const char *val)
{
	printf("%-9s ", key);
	for (const char *p = val; *p; p++)
		putchar((unsigned char)*p < ' ' || *p == 0x7f ? '?' : *p);
	putchar('\n');
}

int cmd_whois(struct cli *c, int argc, char **argv)
{
	const char *ip = NULL;
	char canon[46], when[32];
	int refresh = 0, json = 0, cached = 0, rc;
	struct db_rdap r;
	struct ipaddr a;
	struct db d;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--refresh") == 0)
			refresh = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (ip == NULL && argv[i][0] != '-')
			ip = argv[i];
		else
			return cli_usage("whois");
	}
	if (ip == NULL || ip_normalize(ip, canon) < 0 || ip_parse(canon, &a) < 0)
		return cli_usage("whois");
	if (cli_db(c, &d) < 0)      /* loads the configuration too */
		return EX_UNAVAILABLE;
	if (ip_is_private(&a) || netlist_contains(&c->cfg.our_networks, &a)) {
		printf("%s: %s: no registry is asked\n", canon,
		       ip_is_private(&a) ? "a private or reserved address" : "in our_networks, ours");
		db_close(&d);
		return 1;
	}
	rc = app_whois(&d, &c->cfg, canon, refresh, &r, &cached);
	db_close(&d);
	if (rc != DB_OK)
		return EX_TEMPFAIL;
	if (json) {
		struct buf b;
		int first = 1;

		buf_init(&b, 1 << 16);
		buf_putc(&b, '{');
		json_kv_str(&b, &first, "ip", canon);
		json_kv_str(&b, &first, "status", r.status);
		json_kv_str(&b, &first, "contact", r.email[0] ? r.email : NULL);
		json_kv_str(&b, &first, "network", r.network[0] ? r.network : NULL);
		json_kv_str(&b, &first, "registry", r.registry[0] ? r.registry : NULL);
		json_kv_str(&b, &first, "detail", r.detail[0] ? r.detail : NULL);
		json_kv_bool(&b, &first, "cached", cached);
		time_rfc3339((time_t)r.expires_at, when);
		json_kv_str(&b, &first, "expires_at", when);
		buf_puts(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
	} else {
		line("ip:", canon);
		line("contact:", r.email[0] ? r.email : "unknown contact");
		if (r.network[0])
			line("network:", r.network);
		if (r.registry[0])
			line("registry:", r.registry);
		if (r.detail[0])
			line("detail:", r.detail);
		time_rfc3339((time_t)r.expires_at, when);
		printf("%-9s %s%s\n", cached ? "cached:" : "fetched:", cached ? "until " : "kept until ", when);
	}
	return strcmp(r.status, "found") == 0 ? EX_OK : strcmp(r.status, "none") == 0 ? 1 : EX_TEMPFAIL;
}

/*
 * cmd_inventory - `abusedesk inventory import|export|lookup`.
 *
 * import KIND FILE.csv  upsert owners, networks or hosts (all or nothing)
 * export [KIND]         CSV that import reads back (all three when no KIND,
 *                       each after a "# KIND" comment line)
 * lookup IP             host, most specific network, owner and role
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../app/helpdesk.h"
#include "../correlate/trace/trace.h"
#include "../db/inventory.h"
#include "../util/msg.h"
#include "cli.h"
#include "../app/inventory_import.h"
#include "../app/trace_env.h"

/* do_import - open FILE (or - for stdin) and import it */
static int do_import(struct cli *c, const char *kind, const char *file)
{
	FILE *fp;
	struct db d;
	long rows = 0;
	int rc;

	if (strcmp(kind, "owners") && strcmp(kind, "networks") && strcmp(kind, "hosts"))
		return cli_usage("inventory");
	if ((fp = cli_open_input(file)) == NULL)
		return EX_NOINPUT;
	if (cli_db(c, &d) < 0) {
		cli_close_input(fp);
		return EX_UNAVAILABLE;
	}
	rc = inventory_import(&d, kind, fp, file, stderr, &rows);
	cli_close_input(fp);
	if (rc == 0)
		msg_info("%s: %ld %s imported", file, rows, kind);
	else if (rc == 75)
		msg_error("%s: database busy, nothing imported", file);
	else if (rc == 70)
		msg_error("%s: database error, nothing imported", file);
	db_close(&d);
	return rc;
}

/* export_kind - one kind as CSV with a header */
static int export_kind(struct db *d, const char *kind, struct buf *out, size_t *rows)
{
	static const struct { const char *kind, *header; } q[] = {
		{ "owners", "key,name,email,webhook_url,policy,digest" },
		{ "networks", "cidr,owner,role,note" },
		{ "hosts", "name,ips,role,owner,note" },
	};

	for (size_t i = 0; i < 3; i++) {
		struct hd_table t;

		if (strcmp(kind, q[i].kind) != 0)
			continue;
		if (app_inventory_export(d, kind, &t) != DB_OK && t.nrows == 0) {
			hd_table_free(&t);
			return EX_SOFTWARE;
		}
		buf_printf(out, "%s\r\n", q[i].header);
		*rows += t.nrows;
		for (size_t r = 0; r < t.nrows; r++) {
			for (size_t col = 0; col < t.ncols; col++) {
				const struct hd_cell *x = hd_cell_at(&t, r, col);

				if (col)
					buf_putc(out, ',');
				csv_field(out, x->type == HD_NULL ? NULL : x->s);
			}
			buf_puts(out, "\r\n");
		}
		hd_table_free(&t);
		return EX_OK;
	}
	return EX_USAGE;
}

static int do_export(struct cli *c, const char *kind)
{
	static const char *all[] = { "owners", "networks", "hosts" };
	struct db d;
	struct buf out;
	size_t rows = 0;
	int rc = EX_OK;

	if (kind && strcmp(kind, "owners") && strcmp(kind, "networks") && strcmp(kind, "hosts"))
		return cli_usage("inventory");
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	buf_init(&out, 0);
	for (size_t i = 0; i < 3 && rc == EX_OK; i++) {
		if (kind && strcmp(kind, all[i]) != 0)
			continue;
		if (!kind)
			buf_printf(&out, "%s# %s\r\n", i ? "\r\n" : "", all[i]);
		rc = export_kind(&d, all[i], &out, &rows);
	}
	fwrite(out.data, 1, out.len, stdout);
	/* the CSV stays one that import reads back: the message goes to stderr */
	if (rc == EX_OK && rows == 0)
		fprintf(stderr, "%s (no %s in the inventory: 'abusedesk inventory import %s FILE.csv' adds them)\n",
			NOTHING_FOUND, kind ? kind : "owners, networks or hosts", kind ? kind : "owners");
	buf_free(&out);
	db_close(&d);
	return rc;
}

/* print_owner - the owner's contact details under a lookup */
static void print_owner(struct db *d, const char *key)
{
	struct owner_row o;

	if (app_owner(d, key, &o) != 1)
		return;
	printf("owner name:  %s\n", o.name);
	printf("email:       %s\n", o.email);
	if (*o.webhook_url)
		printf("webhook:     %s\n", o.webhook_url);
	printf("policy:      %s, digest %s\n", o.policy, o.digest ? "yes" : "no");
	owner_row_free(&o);
}

static int do_lookup(struct cli *c, const char *ip)
{
	struct ipaddr a;
	struct inv_entry e;
	struct db d;
	char text[46];

	if (ip_parse(ip, &a) < 0) {
		msg_error("%s: not an IP address", ip);
		return EX_USAGE;
	}
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	if (app_inventory_lookup(&d, &a, &e) != DB_OK) {
		db_close(&d);
		return EX_SOFTWARE;
	}
	ip_format(&a, text);
	printf("address:     %s\n", text);
	if (!e.found) {
		printf("not in the inventory\n");
		db_close(&d);
		return 1;
	}
	printf("host:        %s\n", e.host[0] ? e.host : "-");
	printf("network:     %s\n", e.network[0] ? e.network : "-");
	printf("role:        %s\n", e.role != ROLE_NONE ? role_name(e.role) : "-");
	printf("owner:       %s\n", e.owner[0] ? e.owner : "-");
	if (e.owner[0])
		print_owner(&d, e.owner);
	db_close(&d);
	return EX_OK;
}

int cmd_inventory(struct cli *c, int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "import") == 0)
		return do_import(c, argv[2], argv[3]);
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "export") == 0)
		return do_export(c, argc == 3 ? argv[2] : NULL);
	if (argc == 3 && strcmp(argv[1], "lookup") == 0)
		return do_lookup(c, argv[2]);
	return cli_usage("inventory");
}

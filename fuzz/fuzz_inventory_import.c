/*
 * fuzz_inventory_import - libFuzzer target: `abusedesk inventory import`
 * (app/inventory_import.h, util/csv.h, db/inventory.h) into an in-memory
 * database.
 *
 * The first input byte picks the kind (owners, networks, hosts), the rest
 * is the CSV file. The import is all or nothing: after a refused file the
 * tables are as empty as before. After each run fixed addresses are looked
 * up (the indexed most-specific-network search) and the tables emptied.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/db_int.h"
#include "../app/inventory_import.h"
#include "../app/trace_env.h"
#include "../db/inventory.h"

static struct db db;

static const char *const probe_ips[] = {
	"192.0.2.25", "198.51.100.7", "10.20.3.4", "2001:db8:25::25", "::", "255.255.255.255"
};

/* count_rows - rows in the inventory tables */
static long count_rows(void)
{
	struct db_stmt *st;
	long n = -1;

	st = db_prepare(&db, "SELECT (SELECT count(*) FROM owners) + (SELECT count(*) FROM networks)"
			" + (SELECT count(*) FROM hosts) + (SELECT count(*) FROM host_ips)");
	if (st == NULL)
		abort();
	if (db_step(&db, st) == DB_ROW)
		n = db_col_int(st, 0);
	db_finalize(st);
	return n;
}

/* LLVMFuzzerTestOneInput - import data[1..] as kind data[0] */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "owners", "networks", "hosts" };
	static int ready;
	static FILE *devnull;
	FILE *fp;
	long rows = 0;
	int rc;

	if (!ready) {
		char err[256];

		if (db_open(&db, ":memory:", 5, 1, err, sizeof(err)) != 0 || db_migrate(&db, err, sizeof(err)) != 0)
			abort();
		devnull = fopen("/dev/null", "w");
		ready = 1;
	}
	if (size < 1 || size > 256 * 1024)
		return 0;
	/* a fixed owner so networks and hosts can name one */
	if (db_exec(&db, "INSERT OR REPLACE INTO owners(key, name) VALUES('ops', 'Ops')") != 0)
		abort();
	fp = fmemopen(size > 1 ? (void *)(data + 1) : (void *)"", size > 1 ? size - 1 : 1, "r");
	if (!fp)
		abort();
	rc = inventory_import(&db, kinds[data[0] % 3], fp, "fuzz", devnull, &rows);
	fclose(fp);
	if (rc != 0 && rc != 65)
		abort();
	if (rc == 65 && count_rows() != 1)
		abort();   /* a refused file stored nothing */
	for (size_t i = 0; i < sizeof(probe_ips) / sizeof(*probe_ips); i++) {
		struct ipaddr a;
		struct inv_entry e;

		if (ip_parse(probe_ips[i], &a) != 0 || app_inventory_lookup(&db, &a, &e) != 0)
			abort();
	}
	if (db_exec(&db, "DELETE FROM host_ips; DELETE FROM hosts; DELETE FROM networks;"
		    " DELETE FROM owners") != 0)
		abort();
	return 0;
}

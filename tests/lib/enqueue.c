/*
 * enqueue - test driver: enqueue CONFIG INCIDENT REPORT queues the owner's
 * notice of an incident through notify_enqueue, in a transaction (the way
 * app/process.c does), for tests/e2e/test_notify.sh and test_outbox.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include "app/notify.h"
int main(int argc, char **argv)
{
	struct config cfg; struct buf err; struct db d; char e[512];
	struct incident_change ch = { 0 };
	buf_init(&err, 4096);
	if (argc != 4 || config_load(&cfg, argv[1], &err) < 0) { fprintf(stderr, "%s\n", err.data); return 2; }
	if (db_open(&d, cfg.database, 5, 0, e, sizeof(e)) != DB_OK) { fprintf(stderr, "%s\n", e); return 2; }
	ch.id = strtoll(argv[2], NULL, 10); ch.created = 1; ch.reports = 1;
	if (db_begin(&d) != DB_OK || notify_enqueue(&d, &cfg, &ch, strtoll(argv[3], NULL, 10)) != DB_OK ||
	    db_commit(&d) != DB_OK) return 1;
	db_close(&d); config_free(&cfg); buf_free(&err);
	return 0;
}

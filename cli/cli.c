/*
 * cli - configuration and database for the subcommands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"

int cli_db_wait(const char *cmd, const char *arg, long *ms)
{
	long s;

	if (time_parse_span(arg, &s) < 0 || s > 86400) {
		msg_error("%s: --db-wait wants a time such as 60s, 5m or 0 (at most a day), not '%s'", cmd, arg);
		return -1;
	}
	*ms = s * 1000;
	return 0;
}

int cli_config(struct cli *c)
{
	struct buf err;

	if (c->cfg_loaded)
		return 0;
	buf_init(&err, 4096);
	if (config_load(&c->cfg, c->config_path, &err) < 0) {
		msg_error("%s", err.data);
		buf_free(&err);
		config_free(&c->cfg);
		return -1;
	}
	buf_free(&err);
	c->cfg_loaded = 1;
	return 0;
}

int cli_db(struct cli *c, struct db *d)
{
	char err[512];

	if (cli_config(c) < 0)
		return -1;
	if (db_open(d, c->cfg.database, c->cfg.db_busy_timeout, 0, err, sizeof(err)) != DB_OK) {
		msg_error("%s", err);
		return -1;
	}
	if (db_schema_version(d) < DB_SCHEMA_VERSION) {
		msg_error("%s: schema is older than this abusedesk: run 'abusedesk init' to migrate it",
			  d->path);
		db_close(d);
		return -1;
	}
	return 0;
}

FILE *cli_open_input(const char *file)
{
	FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");

	if (fp == NULL)
		msg_error("%s: %s", file, strerror(errno));
	return fp;
}

void cli_close_input(FILE *fp)
{
	if (fp && fp != stdin)
		fclose(fp);
}

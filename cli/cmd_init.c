/*
 * cmd_init - create or migrate the database and the spool folders.
 */
#include <errno.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "../ingest/spool.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "cli.h"

/* give_to - chown path to the run_user when we are root */
static void give_to(const struct passwd *pw, const char *path)
{
	if (pw && chown(path, pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT)
		msg_warn("chown %s to %s: %s", path, pw->pw_name, strerror(errno));
}

/* hand_over - as root with run_user set, the mail user must own what it writes */
static void hand_over(const struct config *cfg)
{
	static const char *subs[] = { "", "/tmp", "/new", "/cur" };
	static const char *dbx[] = { "", "-wal", "-shm" };
	struct passwd *pw;
	char p[4096];
	char *dir;

	if (geteuid() != 0 || cfg->run_user == NULL || *cfg->run_user == '\0')
		return;
	if ((pw = getpwnam(cfg->run_user)) == NULL) {
		msg_warn("run_user %s does not exist: create it (useradd --system %s)", cfg->run_user,
			 cfg->run_user);
		return;
	}
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", cfg->spool_dir, subs[i]);
		give_to(pw, p);
	}
	for (size_t i = 0; i < 3 && db_is_file(cfg->database); i++) {
		snprintf(p, sizeof(p), "%s%s", cfg->database, dbx[i]);
		give_to(pw, p);
	}
	if (!db_is_file(cfg->database))
		return;
	dir = xstrdup(cfg->database);
	give_to(pw, dirname(dir));
	free(dir);
}

int cmd_init(struct cli *c, int argc, char **argv)
{
	struct db d;
	char err[512];
	int before;

	if (argc > 1)
		return cli_usage("init");
	if (cli_config(c) < 0)
		return EX_CONFIG;
	if (spool_init(c->cfg.spool_dir) < 0) {
		msg_error("spool %s: %s (create the parent folder, or set spool_dir)", c->cfg.spool_dir,
			  strerror(errno));
		return EX_CANTCREAT;
	}
	if (db_is_file(c->cfg.database)) {
		char *dir = xstrdup(c->cfg.database);

		if (mkdir(dirname(dir), 0750) < 0 && errno != EEXIST)
			msg_warn("cannot create the database folder %s: %s", dir, strerror(errno));
		free(dir);
	}
	if (db_open(&d, c->cfg.database, c->cfg.db_busy_timeout, 1, err, sizeof(err)) != DB_OK) {
		msg_error("%s", err);
		return EX_CANTCREAT;
	}
	db_answer_unbounded(&d);   /* a migration's index over a big table may rightly take long */
	before = db_schema_version(&d);
	if (db_migrate(&d, err, sizeof(err)) != DB_OK) {
		msg_error("%s", err);
		db_close(&d);
		return EX_SOFTWARE;
	}
	if (before < DB_SCHEMA_VERSION)
		printf("database %s: schema version %d -> %d\n", d.path, before, DB_SCHEMA_VERSION);
	else
		printf("database %s: schema version %d, up to date\n", d.path, before);
	printf("spool %s: ready\n", c->cfg.spool_dir);
	db_close(&d);
	hand_over(&c->cfg);
	return EX_OK;
}

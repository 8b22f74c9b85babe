/*
 * cmd_import - feed a backlog (mbox or maildir) through the ingest path.
 *
 * Each message is spooled durably and processed exactly as if the MTA had
 * piped it, so a re-import of the same backlog adds nothing twice.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../db/db_int.h"
#include "../ingest/privs.h"
#include "../ingest/spool.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "cli.h"
#include "../app/process.h"

struct imp {
	struct app_proc p;
	long stored, dup, pending, failed;
	int tty;
	time_t start;
};

static void progress(struct imp *im, int final)
{
	long n = im->stored + im->dup + im->pending + im->failed;
	double secs = difftime(time(NULL), im->start);

	if (!im->tty || (!final && n % 100 != 0))
		return;
	fprintf(stderr, "\rimport: %ld messages (%ld new, %ld duplicates, %ld pending)  %.0f/s   %s", n,
		im->stored, im->dup, im->pending, secs > 0 ? n / secs : (double)n, final ? "\n" : "");
}

static void import_one(struct imp *im, const char *data, size_t len)
{
	const struct config *cfg = im->p.cfg;
	struct spool_msg m;
	struct proc_result res;

	if (spool_store_mem(cfg->spool_dir, data, len, (size_t)cfg->max_message_size, &m) < 0) {
		msg_error("import: cannot store a message in %s: %m", cfg->spool_dir);
		im->failed++;
		return;
	}
	proc_message(&im->p, &m, data, m.size, (long long)time(NULL), 0, &res);
	if (res.outcome == PROC_PENDING)
		im->pending++;
	else if (res.outcome == PROC_DUPLICATE)
		im->dup++;
	else
		im->stored++;
	if (msg_verbose)
		proc_log(&res);
	progress(im, 0);
}

/* import_mbox - split on "From " lines that start a message; fp is open */
static int import_mbox(struct imp *im, FILE *fp, const char *path)
{
	struct buf msg;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int prev_blank = 1, seen = 0;

	buf_init(&msg, (size_t)im->p.cfg->max_message_size);
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (prev_blank && n >= 5 && memcmp(line, "From ", 5) == 0) {
			if (seen)
				import_one(im, msg.data, msg.len);
			buf_reset(&msg);
			seen = 1;
			prev_blank = 0;
			continue;
		}
		seen = 1;
		buf_append(&msg, line, (size_t)n);
		prev_blank = (n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r' && line[1] == '\n');
	}
	if (seen && msg.len)
		import_one(im, msg.data, msg.len);
	free(line);
	buf_free(&msg);
	cli_close_input(fp);
	return 0;
}

static int import_dir(struct imp *im, const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	struct stat st;
	char p[4096];

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		char *data;
		size_t len;

		if (de->d_name[0] == '.' || snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
			continue;
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((data = spool_read(p, &len)) == NULL) {
			msg_warn("import: cannot read %s", p);
			im->failed++;
			continue;
		}
		import_one(im, data, len);
		free(data);
	}
	closedir(dp);
	return 0;
}

/* import_maildir - PATH/new and PATH/cur, or every file of a plain folder */
static int import_maildir(struct imp *im, const char *path)
{
	char sub[4096];
	int any = 0;

	snprintf(sub, sizeof(sub), "%s/cur", path);
	any |= import_dir(im, sub) == 0;
	snprintf(sub, sizeof(sub), "%s/new", path);
	any |= import_dir(im, sub) == 0;
	if (!any && import_dir(im, path) < 0) {
		msg_error("import: %s: %m (expected a maildir or a folder of message files)", path);
		return -1;
	}
	return 0;
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	struct imp im;
	FILE *mbox = NULL;
	char err[512];
	int rc;

	if (argc != 3 || (strcmp(argv[1], "mbox") != 0 && strcmp(argv[1], "maildir") != 0))
		return cli_usage("import");
	if (cli_config(c) < 0)
		return EX_CONFIG;
	if (spool_check(c->cfg.spool_dir) < 0) {
		msg_error("spool %s is not ready: run 'abusedesk init'", c->cfg.spool_dir);
		return EX_CANTCREAT;
	}
	/* the mbox is opened first, so root can import a file only root reads;
	 * then, as for ingest, hostile mail is never parsed as root */
	if (strcmp(argv[1], "mbox") == 0 && (mbox = cli_open_input(argv[2])) == NULL)
		return EX_NOINPUT;
	if (privs_drop(c->cfg.run_user, c->cfg.spool_dir, err, sizeof(err)) < 0) {
		msg_error("import: %s", err);
		cli_close_input(mbox);
		return EX_NOPERM;
	}
	memset(&im, 0, sizeof(im));
	im.tty = isatty(STDERR_FILENO);
	im.start = time(NULL);
	proc_open(&im.p, &c->cfg);
	if (!im.p.have_db) {
		msg_error("%s", im.p.dberr);
		return EX_UNAVAILABLE;
	}
	/* the backlog stays on disk until we say done: one syncfs at the end
	 * instead of four fsyncs a message */
	spool_sync_each(0);
	rc = mbox ? import_mbox(&im, mbox, argv[2]) : import_maildir(&im, argv[2]);
	progress(&im, 1);
	if (spool_sync(c->cfg.spool_dir) < 0 || sqlite3_wal_checkpoint_v2(im.p.db.h, NULL,
		SQLITE_CHECKPOINT_FULL, NULL, NULL) != SQLITE_OK) {
		msg_error("import: cannot flush the spool or the database to disk: %m");
		rc = -1;
	}
	proc_close(&im.p);
	printf("import: %ld new, %ld duplicates, %ld pending, %ld failed\n", im.stored, im.dup, im.pending,
	       im.failed);
	return rc < 0 ? EX_NOINPUT : im.failed ? EX_IOERR : EX_OK;
}

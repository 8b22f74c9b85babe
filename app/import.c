/*
 * import - a backlog (mbox or maildir) through the ingest path.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../ingest/spool.h"
#include "../util/buf.h"
#include "../util/msg.h"
#include "import.h"

/* import_done - a message's outcome, once its batch committed (or it was left pending) */
static void import_done(void *ctx, const struct proc_batch_item *it)
{
	struct app_import *im = ctx;

	if (it->res.outcome == PROC_PENDING)
		im->n.pending++;
	else if (it->res.outcome == PROC_DUPLICATE)
		im->n.dup++;
	else
		im->n.stored++;
	if (msg_verbose)
		proc_log(&it->res);
	if (im->progress)
		im->progress(im->ctx, &im->n, 0);
}

/* import_one - spool one message and add it to the batch */
static void import_one(struct app_import *im, const char *data, size_t len)
{
	const struct config *cfg = im->p->cfg;
	struct spool_msg m;

	if (spool_store_mem(cfg->spool_dir, data, len, (size_t)cfg->max_message_size, &m) < 0) {
		msg_error("import: cannot store a message in %s: %m", cfg->spool_dir);
		im->n.failed++;
		return;
	}
	proc_batch_add(&im->b, &m, "new", data, m.size, (long long)time(NULL), 0);
}

void app_import_init(struct app_import *im, struct app_proc *p, import_progress_fn progress, void *ctx)
{
	memset(im, 0, sizeof(*im));
	im->p = p;
	im->progress = progress;
	im->ctx = ctx;
	proc_batch_init(&im->b, p, IMPORT_BATCH, IMPORT_BATCH_MS, import_done, im);
	spool_sync_each(0);
}

int app_import_mbox(struct app_import *im, FILE *fp)
{
	struct buf msg;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int prev_blank = 1, seen = 0;

	struct stat st;

	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
		im->n.bytes_total = (long long)st.st_size;
	buf_init(&msg, (size_t)im->p->cfg->max_message_size);
	while ((n = getline(&line, &cap, fp)) > 0) {
		im->n.bytes += n;
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
	proc_batch_flush(&im->b);
	free(line);
	buf_free(&msg);
	return 0;
}

/* count_dir - the regular files import_dir would read; -1 when dir cannot be opened */
static long count_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	struct stat st;
	char p[4096];
	long n = 0;

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.' && snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) < (int)sizeof(p) &&
		    stat(p, &st) == 0 && S_ISREG(st.st_mode))
			n++;
	closedir(dp);
	return n;
}

/* import_dir - every regular file of dir; -1 when dir cannot be opened */
static int import_dir(struct app_import *im, const char *dir)
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
			im->n.failed++;
			continue;
		}
		import_one(im, data, len);
		free(data);
	}
	closedir(dp);
	proc_batch_flush(&im->b);
	return 0;
}

int app_import_maildir(struct app_import *im, const char *path)
{
	char sub[4096];
	int any = 0;
	long k, total = 0;

	snprintf(sub, sizeof(sub), "%s/cur", path);
	if ((k = count_dir(sub)) >= 0)
		total += k, any = 1;
	snprintf(sub, sizeof(sub), "%s/new", path);
	if ((k = count_dir(sub)) >= 0)
		total += k, any = 1;
	if (!any && (k = count_dir(path)) >= 0)
		total = k;
	im->n.total = total;
	any = 0;
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

int app_import_flush(struct app_import *im)
{
	proc_batch_free(&im->b);
	if (spool_sync(im->p->cfg->spool_dir) < 0 || db_flush(&im->p->db) != DB_OK) {
		msg_error("import: cannot flush the spool or the database to disk: %m");
		return -1;
	}
	return 0;
}

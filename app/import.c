/*
 * import - a backlog (mbox or maildir) through the ingest path.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../ingest/spool.h"
#include "../util/buf.h"
#include "../util/mem.h"
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

/*
 * The spool writer: a thread of its own reads the backlog and writes each
 * message into the spool (tmp/, then new/, its lock held), the file system's
 * share of the work, while this thread parses, traces and stores the
 * messages before it in batches. It hands each message over through a short
 * queue (IMPORT_QUEUE messages or IMPORT_QUEUE_BYTES, whichever first) with
 * the descriptor that carries the file's lock; this thread adopts the lock
 * before the batch takes it. Nothing else crosses: the writer touches no
 * counter and no database. A side that waits is woken when a quarter of the
 * queue is there (or room for three quarters, or at the end), not for every
 * message: a wake-up is a context switch on a machine with two cores.
 */
#define IMPORT_QUEUE       64
#define IMPORT_QUEUE_BYTES (64L << 20)
#define IMPORT_QUEUE_LOW   (IMPORT_QUEUE / 4)

struct qitem {
	struct spool_msg m;
	char *data;
	size_t len;
	int fd;                 /* the lock; -1 when the message could not be stored */
	long long bytes;        /* mbox bytes read up to the end of this message */
};

struct wq {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct qitem it[IMPORT_QUEUE];
	size_t head, n;
	long queued;            /* bytes of the messages queued */
	int eof;                /* the writer is done */
	/* the writer's input */
	struct app_import *im;
	FILE *fp;               /* an mbox, or */
	const char *dir;        /* a maildir (or a plain folder) */
	int rc;                 /* the reader's result */
	long long bytes;        /* mbox bytes read */
	int alone;              /* no thread: each message is stored as it is queued */
	int wfull;              /* the writer waits for room */
	int wempty;             /* the storing thread waits for a message */
};

/* take - one message the writer queued, in the storing thread */
static void take(struct app_import *im, struct qitem *x)
{
	im->n.bytes = x->bytes;
	if (x->fd < 0) {
		im->n.failed++;
		if (im->progress)
			im->progress(im->ctx, &im->n, 0);
		return;
	}
	spool_adopt(x->fd);
	proc_batch_add(&im->b, &x->m, "new", x->data, x->len, (long long)time(NULL), 0);
	free(x->data);
}

/* queue - hand x over; blocks while the queue is full */
static void queue(struct wq *q, struct qitem *x)
{
	if (q->alone) {
		take(q->im, x);
		return;
	}
	pthread_mutex_lock(&q->mu);
	while (q->n == IMPORT_QUEUE || (q->n > 0 && q->queued + (long)x->len > IMPORT_QUEUE_BYTES)) {
		if (q->wempty)
			pthread_cond_signal(&q->more);   /* never both waiting */
		q->wfull = 1;
		pthread_cond_wait(&q->room, &q->mu);
	}
	q->it[(q->head + q->n) % IMPORT_QUEUE] = *x;
	q->n++;
	q->queued += (long)x->len;
	/* the storing thread, when it waits, is woken for a quarter of the queue */
	if (q->wempty && (q->n >= IMPORT_QUEUE_LOW || q->queued >= IMPORT_QUEUE_BYTES / 4))
		pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
}

/* put_failed - a message that could not be read: counted as failed */
static void put_failed(struct wq *q)
{
	struct qitem x;

	memset(&x, 0, sizeof(x));
	x.fd = -1;
	x.bytes = q->bytes;
	queue(q, &x);
}

/* put - spool data (a copy is kept) and queue it */
static void put(struct wq *q, const char *data, size_t len)
{
	const struct config *cfg = q->im->p->cfg;
	struct qitem x;

	memset(&x, 0, sizeof(x));
	x.fd = -1;
	x.bytes = q->bytes;
	if (spool_store_mem(cfg->spool_dir, data, len, (size_t)cfg->max_message_size, &x.m) < 0) {
		msg_error("import: cannot store a message in %s: %m", cfg->spool_dir);
	} else {
		x.fd = spool_detach();
		x.len = x.m.size;
		x.data = xmalloc(x.len + 1);
		memcpy(x.data, data, x.len);
		x.data[x.len] = '\0';
	}
	queue(q, &x);
}

/* read_mbox - split fp on "From " lines that start a message */
static void read_mbox(struct wq *q)
{
	struct buf msg;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int prev_blank = 1, seen = 0;

	buf_init(&msg, (size_t)q->im->p->cfg->max_message_size);
	while ((n = getline(&line, &cap, q->fp)) > 0) {
		if (prev_blank && n >= 5 && memcmp(line, "From ", 5) == 0) {
			if (seen)
				put(q, msg.data, msg.len);
			q->bytes += n;
			buf_reset(&msg);
			seen = 1;
			prev_blank = 0;
			continue;
		}
		q->bytes += n;
		seen = 1;
		buf_append(&msg, line, (size_t)n);
		prev_blank = (n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r' && line[1] == '\n');
	}
	if (seen && msg.len)
		put(q, msg.data, msg.len);
	free(line);
	buf_free(&msg);
	q->rc = 0;
}

/* read_dir - every regular file of dir; -1 when dir cannot be opened */
static int read_dir(struct wq *q, const char *dir)
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
			put_failed(q);
			continue;
		}
		put(q, data, len);
		free(data);
	}
	closedir(dp);
	return 0;
}

/* read_maildir - PATH/cur and PATH/new, or PATH itself */
static void read_maildir(struct wq *q)
{
	char sub[4096];
	int any = 0;

	snprintf(sub, sizeof(sub), "%s/cur", q->dir);
	any |= read_dir(q, sub) == 0;
	snprintf(sub, sizeof(sub), "%s/new", q->dir);
	any |= read_dir(q, sub) == 0;
	q->rc = !any && read_dir(q, q->dir) < 0 ? -1 : 0;
}

/* writer - the spool writer thread */
static void *writer(void *arg)
{
	struct wq *q = arg;

	if (q->fp)
		read_mbox(q);
	else
		read_maildir(q);
	pthread_mutex_lock(&q->mu);
	q->eof = 1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* run - start the writer over fp or dir and store what it queues; the reader's result */
static int run(struct app_import *im, FILE *fp, const char *dir)
{
	struct wq *q = xcalloc(1, sizeof(*q));
	pthread_t th;
	int rc;

	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->room, NULL);
	q->im = im;
	q->fp = fp;
	q->dir = dir;
	q->rc = -1;
	if (pthread_create(&th, NULL, writer, q) != 0) {
		/* no thread: this one writes, and stores each message as it goes */
		q->alone = 1;
		writer(q);
	}
	while (!q->alone) {
		struct qitem x;

		pthread_mutex_lock(&q->mu);
		while (q->n == 0 && !q->eof) {
			q->wempty = 1;
			pthread_cond_wait(&q->more, &q->mu);
			q->wempty = 0;
		}
		if (q->n == 0) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		x = q->it[q->head];
		q->head = (q->head + 1) % IMPORT_QUEUE;
		q->n--;
		q->queued -= (long)x.len;
		/* the writer, when it waits, goes on once the queue is down to a
		 * quarter: one wake-up for many messages, not one each (waiting
		 * for room in bytes, it waits with messages queued, so it is
		 * woken again as they are taken) */
		if (q->wfull && q->n <= IMPORT_QUEUE_LOW) {
			q->wfull = 0;
			pthread_cond_signal(&q->room);
		}
		pthread_mutex_unlock(&q->mu);
		take(im, &x);
	}
	if (!q->alone)
		pthread_join(th, NULL);
	proc_batch_flush(&im->b);
	rc = q->rc;
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->mu);
	free(q);
	return rc;
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
	struct stat st;

	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
		im->n.bytes_total = (long long)st.st_size;
	run(im, fp, NULL);
	return 0;
}

/* count_dir - the regular files read_dir would read; -1 when dir cannot be opened */
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
	if (run(im, NULL, path) < 0) {
		msg_error("import: %s: cannot open it (expected a maildir or a folder of message files)", path);
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

/*
 * spool - durable storage of raw messages (tmp -> fsync -> rename -> fsync dir).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/sha256.h"
#include "spool.h"

int spool_path(const char *dir, const char *sub, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s%s%s", dir, sub, name ? "/" : "", name ? name : "");

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int spool_init(const char *dir)
{
	static const char *subs[] = { "", "tmp", "new", "cur" };
	char p[PATH_MAX];

	for (size_t i = 0; i < 4; i++) {
		if (spool_path(dir, subs[i], NULL, p, sizeof(p)) < 0)
			return errno = ENAMETOOLONG, -1;
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

int spool_check(const char *dir)
{
	static const char *subs[] = { "tmp", "new", "cur" };
	char p[PATH_MAX];

	for (size_t i = 0; i < 3; i++) {
		if (spool_path(dir, subs[i], NULL, p, sizeof(p)) < 0)
			return errno = ENAMETOOLONG, -1;
		if (access(p, W_OK | X_OK) < 0)
			return -1;
	}
	return 0;
}

/* spool_sha256 - hex SHA-256 of data, through util/sha256 */
void spool_sha256(const char *data, size_t len, char out[65])
{
	sha256_hex(data, len, out);
}

int spool_is_truncated(const char *name)
{
	size_t n = strlen(name);

	return (n > 2 && strcmp(name + n - 2, ",T") == 0) || strstr(name, ",T=") != NULL;
}

/* truncated_key - the received length and digest a ",T=<size>.<sha256>" name records; 0 or -1 */
static int truncated_key(const char *name, long long *received, char sha[65])
{
	const char *p = strstr(name, ",T="), *h;
	long long n = 0;

	if (p == NULL)
		return -1;
	for (p += 3; *p >= '0' && *p <= '9' && n < 1000000000000000LL; p++)
		n = n * 10 + (*p - '0');
	if (*p != '.' || strlen(h = p + 1) != 64 || strspn(h, "0123456789abcdef") != 64)
		return -1;
	*received = n;
	memcpy(sha, h, 65);
	return 0;
}

/* spool_msg_load - name, size, truncation and dedupe key of a stored file */
void spool_msg_load(const char *name, const char *data, size_t len, struct spool_msg *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->size = len;
	m->truncated = spool_is_truncated(name);
	if (!m->truncated || truncated_key(name, &m->received, m->sha256) < 0) {
		m->received = (long long)len;
		spool_sha256(data, len, m->sha256);
	}
}

static void make_name(struct spool_msg *m)
{
	struct timeval tv;
	unsigned r;
	char t[96] = "";

	gettimeofday(&tv, NULL);
	r = (unsigned)g_random_int();
	if (m->truncated)
		snprintf(t, sizeof(t), ",T=%lld.%s", m->received, m->sha256);
	snprintf(m->name, sizeof(m->name), "%lld.%06ld.P%ldR%08x%s", (long long)tv.tv_sec,
		 (long)tv.tv_usec, (long)getpid(), r, t);
}

/* the one spool file this thread works on: its descriptor carries the flock
 * (a thread of its own may write the spool while another processes: import) */
static _Thread_local int held_fd = -1;

void spool_release(void)
{
	if (held_fd >= 0)
		close(held_fd);
	held_fd = -1;
}

static void hold(int fd);

void spool_adopt(int fd)
{
	hold(fd);
}

int spool_detach(void)
{
	int fd = held_fd;

	held_fd = -1;
	return fd;
}

/* hold - make fd (locked) the held lock */
static void hold(int fd)
{
	spool_release();
	held_fd = fd;
}

int spool_lock(const char *dir, const char *sub, const char *name)
{
	char p[PATH_MAX];
	struct stat a, b;
	int fd;

	if (spool_path(dir, sub, name, p, sizeof(p)) < 0)
		return errno = ENAMETOOLONG, -1;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 1 : -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;

		close(fd);
		return busy ? 1 : -1;
	}
	/* the holder may have moved it on (new/ -> cur/) before we locked it */
	if (fstat(fd, &a) < 0 || stat(p, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return 1;
	}
	hold(fd);
	return 0;
}

/* per-message fsync; a bulk import turns it off and calls spool_sync at the end */
static int sync_each = 1;

void spool_sync_each(int on)
{
	sync_each = on;
}

/* spool_sync - flush the whole spool file system (syncfs); 0 or -1 */
int spool_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = syncfs(fd);
	close(fd);
	return rc;
}

static int fsync_dir(const char *dir, const char *sub)
{
	char p[PATH_MAX];
	int fd, rc;

	if (!sync_each)
		return 0;
	if (spool_path(dir, sub, NULL, p, sizeof(p)) < 0)
		return -1;
	if ((fd = open(p, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* commit - write data to tmp/, fsync, rename into new/, fsync new/ */
static int commit(const char *dir, const char *data, size_t len, struct spool_msg *m)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd, saved;

	m->size = len;
	if (!m->truncated) {
		m->received = (long long)len;
		spool_sha256(data, len, m->sha256);
	}
	make_name(m);
	if (spool_path(dir, "tmp", m->name, tmp, sizeof(tmp)) < 0 ||
	    spool_path(dir, "new", m->name, dst, sizeof(dst)) < 0)
		return errno = ENAMETOOLONG, -1;
	if ((fd = open(tmp, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600)) < 0)
		return -1;
	/* locked before it can be seen in new/: a reprocess skips it until we are done */
	if (flock(fd, LOCK_EX) < 0 || write_all(fd, data, len) < 0 || (sync_each && fsync(fd) < 0) ||
	    rename(tmp, dst) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		return errno = saved, -1;
	}
	if (fsync_dir(dir, "new") < 0) {
		saved = errno;
		unlink(dst);
		close(fd);
		return errno = saved, -1;
	}
	hold(fd);
	return 0;
}

int spool_store_mem(const char *dir, const char *data, size_t len, size_t cap, struct spool_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len > cap) {
		/* the dedupe key is what was received, not the bytes kept */
		m->received = (long long)len;
		spool_sha256(data, len, m->sha256);
		len = cap;
		m->truncated = 1;
	}
	return commit(dir, data, len, m);
}

int spool_store_part(const char *dir, const char *data, size_t len, long long received,
		     const char sha256[65], struct spool_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (received > (long long)len) {
		m->received = received;
		memcpy(m->sha256, sha256, 64);
		m->sha256[64] = '\0';
		m->truncated = 1;
	}
	return commit(dir, data, len, m);
}

int spool_store_fd(const char *dir, int fd, size_t cap, struct spool_msg *m)
{
	size_t len = 0, alloc = cap < 65536 ? cap : 65536; /* a cap under 64 KiB holds too */
	char *data = xmalloc(alloc), sink[65536];
	struct sha256_ctx ck;
	long long received = 0;
	int rc, saved;

	memset(m, 0, sizeof(*m));
	sha256_init(&ck);
	for (;;) {
		ssize_t n;

		if (len == alloc && alloc < cap) {
			alloc = alloc * 2 > cap ? cap : alloc * 2;
			data = xrealloc(data, alloc);
		}
		if (len < alloc)
			n = read(fd, data + len, alloc - len);
		else
			n = read(fd, sink, sizeof(sink));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			free(data);
			return errno = saved, -1;
		}
		if (n == 0)
			break;
		/* the whole stream is hashed: two messages cut to the same bytes differ */
		sha256_update(&ck, len < alloc ? data + len : sink, (size_t)n);
		received += n;
		if (len < alloc)
			len += (size_t)n;
		else
			m->truncated = 1;
	}
	if (m->truncated) {
		m->received = received;
		sha256_final_hex(&ck, m->sha256);
	}
	rc = commit(dir, data, len, m);
	saved = errno;
	free(data);
	errno = saved;
	return rc;
}

int spool_find(const char *dir, const char *name, char *out, size_t outlen)
{
	if (spool_path(dir, "cur", name, out, outlen) == 0 && access(out, R_OK) == 0)
		return 0;
	if (spool_path(dir, "new", name, out, outlen) == 0 && access(out, R_OK) == 0)
		return 0;
	return -1;
}

int spool_done(const char *dir, const char *name)
{
	char src[PATH_MAX], dst[PATH_MAX];

	if (spool_path(dir, "new", name, src, sizeof(src)) < 0 ||
	    spool_path(dir, "cur", name, dst, sizeof(dst)) < 0)
		return -1;
	/* no fsync: if a crash undoes the rename, the file is back in new/, and
	 * reprocess finds its digest recorded as done and moves it again */
	return rename(src, dst);
}

int spool_remove(const char *dir, const char *sub, const char *name)
{
	char p[PATH_MAX];

	if (spool_path(dir, sub, name, p, sizeof(p)) < 0)
		return -1;
	return unlink(p);
}

/* read_fd - the whole file fd is open on, from its start (NULL on error) */
static char *read_fd(int fd, size_t *len)
{
	struct stat st;
	size_t n = 0;
	char *data;

	if (fstat(fd, &st) < 0 || st.st_size < 0)
		return NULL;
	data = xmalloc((size_t)st.st_size + 1);
	while (n < (size_t)st.st_size) {
		ssize_t r = pread(fd, data + n, (size_t)st.st_size - n, (off_t)n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

char *spool_read(const char *path, size_t *len)
{
	char *data;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	data = read_fd(fd, len);
	close(fd);
	return data;
}

char *spool_read_held(size_t *len)
{
	return held_fd < 0 ? NULL : read_fd(held_fd, len);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* spool_list - visit the files of new/ or cur/ in name (= arrival) order */
int spool_list(const char *dir, const char *sub, int (*fn)(void *ctx, const char *name), void *ctx)
{
	char p[PATH_MAX];
	DIR *dp;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int count = 0;

	if (spool_path(dir, sub, NULL, p, sizeof(p)) < 0 || (dp = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (count >= 0 && fn(ctx, names[i]) == 0)
			count++;
		free(names[i]);
	}
	free(names);
	return count;
}

long spool_count(const char *dir, const char *sub)
{
	char p[PATH_MAX];
	DIR *dp;
	struct dirent *de;
	long n = 0;

	if (spool_path(dir, sub, NULL, p, sizeof(p)) < 0 || (dp = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

long long spool_name_time(const char *name)
{
	long long t = 0;

	for (; *name >= '0' && *name <= '9' && t < 100000000000LL; name++)
		t = t * 10 + (*name - '0');
	return *name == '.' ? t : 0;
}

int spool_clean_tmp(const char *dir, long max_age)
{
	char p[PATH_MAX], f[PATH_MAX];
	DIR *dp;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	int n = 0;

	if (spool_path(dir, "tmp", NULL, p, sizeof(p)) < 0 || (dp = opendir(p)) == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' || spool_path(dir, "tmp", de->d_name, f, sizeof(f)) < 0)
			continue;
		if (lstat(f, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > max_age &&
		    unlink(f) == 0)
			n++;
	}
	closedir(dp);
	return n;
}

/*
 * faultinject - an LD_PRELOAD shim that makes libc calls fail, for the tests
 * of the paths that keep the "nothing acknowledged is lost" promise.
 *
 * Built by the Makefile as $(B)/tests/faultinject.so. Configured by the
 * environment (nothing in abusedesk knows about it):
 *
 *   FI_FAIL=malloc,write,...   the calls that fail (malloc calloc realloc
 *                              write pwrite fsync fdatasync rename syncfs)
 *   FI_ARM=new                 fail only after a rename into a ".../new/" path
 *                              succeeded (the spool commit point); default: armed
 *                              from the start
 *   FI_PATH=substring          only calls on a file (or a rename target) whose
 *                              path contains substring (not the allocator)
 *   FI_CALLER=substring        only allocations called from a library whose file
 *                              name contains substring (libsqlite3: a statement
 *                              fails with SQLITE_NOMEM in mid-transaction)
 *   FI_SKIP=N                  let the first N matching calls through
 *   FI_CRASH_RENAME=substring  a rename whose target contains substring is done,
 *                              then the process is killed (SIGKILL): a crash
 *                              point right after it
 *   FI_STOP_RENAME=substring   before a rename whose target contains substring
 *                              the process stops itself (SIGSTOP) until the test
 *                              sends SIGCONT: a race window held open
 *   FI_LOG=file                append one line per armed/failed/crash event
 *
 * Failing calls set errno (ENOMEM, EIO or ENOSPC) and return the failure value.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_syncfs)(int);

/* allocations made while dlsym resolves the allocator */
static char boot[65536];
static size_t boot_used;
static int resolving, ready, armed;
static long skip;

static int in_boot(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + sizeof(boot);
}

static void *boot_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (boot_used + n > sizeof(boot))
		return NULL;
	p = boot + boot_used;
	boot_used += n;
	return p;
}

/* fi_log - one line into FI_LOG, without the allocator or stdio */
static void fi_log(const char *what, const char *detail)
{
	const char *f = getenv("FI_LOG");
	char line[512];
	int fd;
	size_t n;

	if (f == NULL || *f == '\0')
		return;
	n = (size_t)snprintf(line, sizeof(line), "%ld %s %s\n", (long)getpid(), what, detail ? detail : "");
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	fd = (int)syscall(SYS_openat, AT_FDCWD, f, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		syscall(SYS_write, fd, line, n);
		syscall(SYS_close, fd);
	}
}

static void resolve(void)
{
	const char *s;

	if (ready || resolving)
		return;
	resolving = 1;
	real_malloc = dlsym(RTLD_NEXT, "malloc");
	real_calloc = dlsym(RTLD_NEXT, "calloc");
	real_realloc = dlsym(RTLD_NEXT, "realloc");
	real_free = dlsym(RTLD_NEXT, "free");
	real_write = dlsym(RTLD_NEXT, "write");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_rename = dlsym(RTLD_NEXT, "rename");
	real_syncfs = dlsym(RTLD_NEXT, "syncfs");
	s = getenv("FI_ARM");
	armed = s == NULL || strcmp(s, "new") != 0;
	s = getenv("FI_SKIP");
	skip = s ? strtol(s, NULL, 10) : 0;
	resolving = 0;
	ready = 1;
}

/* listed - name is in FI_FAIL */
static int listed(const char *name)
{
	const char *l = getenv("FI_FAIL"), *p;
	size_t n = strlen(name);

	for (p = l; p && (p = strstr(p, name)) != NULL; p += n)
		if ((p == l || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/* fd_path - the path behind fd */
static void fd_path(int fd, char *out, size_t outlen)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, outlen - 1);
	out[n < 0 ? 0 : n] = '\0';
}

/* caller_is - the code at addr lies in a library whose file name contains want */
static int caller_is(const void *addr, const char *want)
{
	Dl_info di;

	return dladdr(addr, &di) != 0 && di.dli_fname && strstr(di.dli_fname, want) != NULL;
}

/* should_fail - name is listed, armed, the path (or caller) matches and the skips are used up */
static int should_fail_from(const char *name, const char *path, const void *caller)
{
	const char *want = getenv("FI_PATH"), *from = getenv("FI_CALLER");

	if (!ready || !armed || !listed(name))
		return 0;
	if (path && want && *want && strstr(path, want) == NULL)
		return 0;
	if (caller && from && *from && !caller_is(caller, from))
		return 0;
	if (skip > 0) {
		skip--;
		return 0;
	}
	fi_log("fail", name);
	return 1;
}

static int should_fail(const char *name, const char *path)
{
	return should_fail_from(name, path, NULL);
}

static int fd_should_fail(const char *name, int fd)
{
	char p[4096];

	if (!ready || !armed || !listed(name))
		return 0;
	fd_path(fd, p, sizeof(p));
	return should_fail(name, p);
}

void *malloc(size_t n)
{
	if (!ready) {
		if (resolving)
			return boot_alloc(n);
		resolve();
	}
	if (should_fail_from("malloc", NULL, __builtin_return_address(0)))
		return errno = ENOMEM, NULL;
	return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (!ready) {
		if (resolving) {
			void *p = size && n > (size_t)-1 / size ? NULL : boot_alloc(n * size);

			if (p)
				memset(p, 0, n * size);
			return p;
		}
		resolve();
	}
	if (should_fail_from("calloc", NULL, __builtin_return_address(0)))
		return errno = ENOMEM, NULL;
	return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	if (!ready)
		resolve();
	if (in_boot(p)) {
		void *q = malloc(n);

		if (q)
			memcpy(q, p, n < sizeof(boot) - (size_t)((char *)p - boot) ? n :
				     sizeof(boot) - (size_t)((char *)p - boot));
		return q;
	}
	if (should_fail_from("realloc", NULL, __builtin_return_address(0)))
		return errno = ENOMEM, NULL;
	return real_realloc(p, n);
}

void free(void *p)
{
	if (p == NULL || in_boot(p))
		return;
	if (!ready)
		resolve();
	real_free(p);
}

ssize_t write(int fd, const void *b, size_t n)
{
	resolve();
	if (fd > 2 && fd_should_fail("write", fd))
		return errno = ENOSPC, -1;
	return real_write(fd, b, n);
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off)
{
	resolve();
	if (fd_should_fail("pwrite", fd))
		return errno = ENOSPC, -1;
	return real_pwrite(fd, b, n, off);
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t off)
{
	resolve();
	if (fd_should_fail("pwrite", fd))
		return errno = ENOSPC, -1;
	return real_pwrite64(fd, b, n, off);
}

int fsync(int fd)
{
	resolve();
	if (fd_should_fail("fsync", fd))
		return errno = EIO, -1;
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	resolve();
	if (fd_should_fail("fdatasync", fd))
		return errno = EIO, -1;
	return real_fdatasync(fd);
}

int syncfs(int fd)
{
	resolve();
	if (fd_should_fail("syncfs", fd))
		return errno = EIO, -1;
	return real_syncfs(fd);
}

int rename(const char *from, const char *to)
{
	const char *crash = getenv("FI_CRASH_RENAME"), *stop = getenv("FI_STOP_RENAME");
	int rc;

	resolve();
	if (stop && *stop && strstr(to, stop)) {
		fi_log("stop", to);
		raise(SIGSTOP);
	}
	if (should_fail("rename", to))
		return errno = EIO, -1;
	rc = real_rename(from, to);
	if (rc == 0 && !armed && strstr(to, "/new/")) {
		armed = 1;
		fi_log("armed", to);
	}
	if (rc == 0 && crash && *crash && strstr(to, crash)) {
		fi_log("crash", to);
		kill(getpid(), SIGKILL);
	}
	return rc;
}

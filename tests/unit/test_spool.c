/*
 * test_spool - durable spool writes, caps, listing; database open/migrate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "../../db/db.h"
#include "../../ingest/spool.h"

static char dir[256];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/abusedesk-spool-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int count_files(const char *sub)
{
	char p[512];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_store_and_done(void **state)
{
	struct spool_msg m;
	char path[512];
	size_t len;
	char *data;
	const char msg[] = "From: a@example.org\r\nSubject: x\r\n\r\nbody\0with NUL\r\n";

	assert_int_equal(spool_init(dir), 0);
	assert_int_equal(spool_check(dir), 0);
	assert_int_equal(spool_store_mem(dir, msg, sizeof(msg) - 1, 1 << 20, &m), 0);
	assert_int_equal(m.size, sizeof(msg) - 1);
	assert_false(m.truncated);
	assert_int_equal(count_files("new"), 1);
	assert_int_equal(count_files("tmp"), 0);
	assert_int_equal(spool_path(dir, "new", m.name, path, sizeof(path)), 0);
	data = spool_read(path, &len);
	assert_non_null(data);
	assert_int_equal(len, sizeof(msg) - 1);
	assert_memory_equal(data, msg, len);   /* bytes exactly as received */
	free(data);
	assert_int_equal(spool_done(dir, m.name), 0);
	assert_int_equal(count_files("new"), 0);
	assert_int_equal(count_files("cur"), 1);
	assert_int_equal(spool_find(dir, m.name, path, sizeof(path)), 0);
	assert_true(spool_name_time(m.name) > 1600000000);
}

static void test_cap_truncates(void **state)
{
	struct spool_msg m;
	int fds[2];
	char big[100000];

	memset(big, 'x', sizeof(big));
	assert_int_equal(spool_init(dir), 0);
	assert_int_equal(pipe(fds), 0);
	if (fork() == 0) {
		close(fds[0]);
		for (int i = 0; i < 5; i++)
			if (write(fds[1], big, sizeof(big)) != (ssize_t)sizeof(big))
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(spool_store_fd(dir, fds[0], 200000, &m), 0);
	close(fds[0]);
	assert_true(m.truncated);
	assert_int_equal(m.size, 200000);
	assert_true(spool_is_truncated(m.name));
}

/* two inputs cut to the same kept bytes keep different dedupe keys, and the
 * key survives in the name for reprocess */
static void test_truncated_key(void **state)
{
	static char a[300], b[400];
	struct spool_msg m1, m2, l;
	char full[65];

	memset(a, 'y', sizeof(a));
	memset(b, 'y', sizeof(b));
	assert_int_equal(spool_init(dir), 0);
	assert_int_equal(spool_store_mem(dir, a, sizeof(a), 200, &m1), 0);
	assert_int_equal(spool_store_mem(dir, b, sizeof(b), 200, &m2), 0);
	spool_release();
	assert_true(m1.truncated && m2.truncated);
	assert_int_equal(m1.size, 200);
	assert_int_equal(m1.received, 300);
	assert_int_equal(m2.received, 400);
	assert_string_not_equal(m1.sha256, m2.sha256);
	spool_sha256(a, sizeof(a), full);
	assert_string_equal(m1.sha256, full);
	spool_msg_load(m2.name, b, 200, &l);
	assert_true(l.truncated);
	assert_int_equal(l.received, 400);
	assert_string_equal(l.sha256, m2.sha256);
	assert_true(strlen(m2.name) < SPOOL_NAME_MAX - 1);
	/* a whole message: the key is the digest of its bytes */
	spool_msg_load("1.000000.P1R0", a, 100, &l);
	assert_false(l.truncated);
	spool_sha256(a, 100, full);
	assert_string_equal(l.sha256, full);
}

/* a stored message stays locked until released: spool_lock from another
 * descriptor reports it busy, then takes it */
static void test_lock(void **state)
{
	struct spool_msg m;

	assert_int_equal(spool_init(dir), 0);
	assert_int_equal(spool_store_mem(dir, "x\n", 2, 100, &m), 0);
	if (fork() == 0)
		_exit(spool_lock(dir, "new", m.name) == 1 ? 0 : 1);
	{
		int st;

		assert_int_not_equal(wait(&st), -1);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	spool_release();
	assert_int_equal(spool_lock(dir, "new", m.name), 0);
	assert_int_equal(spool_lock(dir, "new", "no-such-file"), 1);
	spool_release();
}

/* store_as_nobody - spool_store_mem from a user the mode bits bind: as root,
 * in a child that owns the spool and then drops to nobody (root writes
 * anywhere, so the check would prove nothing); returns its result */
static int store_as_nobody(struct spool_msg *m)
{
	static const char *subs[] = { "", "/tmp", "/new", "/cur" };
	char p[512];
	pid_t pid;
	int st, r;

	if (geteuid() != 0)
		return spool_store_mem(dir, "x", 1, 100, m);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", dir, subs[i]);
		assert_int_equal(chown(p, 65534, 65534), 0);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0 ||
		    geteuid() == 0)
			_exit(100);
		r = spool_store_mem(dir, "x", 1, 100, m);
		_exit(r + 1);   /* -1 -> 0, 0 -> 1 */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_not_equal(WEXITSTATUS(st), 100);   /* could not drop to nobody */
	return WEXITSTATUS(st) - 1;
}

static void test_unwritable(void **state)
{
	struct spool_msg m;
	char p[512];
	int r;

	assert_int_equal(spool_init(dir), 0);
	snprintf(p, sizeof(p), "%s/tmp", dir);
	chmod(p, 0500);
	r = store_as_nobody(&m);
	chmod(p, 0700);
	assert_int_equal(r, -1);
	assert_int_equal(count_files("new"), 0);
	assert_int_equal(count_files("tmp"), 0);
}

static void test_sha(void **state)
{
	char hex[65];

	spool_sha256("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_db_migrate_twice(void **state)
{
	struct db d;
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_int_equal(db_open(&d, path, 1, 0, err, sizeof(err)), DB_ERROR);  /* missing */
	assert_non_null(strstr(err, "abusedesk init"));
	assert_int_equal(db_open(&d, path, 1, 1, err, sizeof(err)), DB_OK);
	assert_int_equal(db_schema_version(&d), 0);
	assert_int_equal(db_migrate(&d, err, sizeof(err)), DB_OK);
	assert_int_equal(db_schema_version(&d), DB_SCHEMA_VERSION);
	assert_int_equal(db_migrate(&d, err, sizeof(err)), DB_OK);
	assert_int_equal(db_schema_version(&d), DB_SCHEMA_VERSION);
	db_close(&d);
}

static void test_db_busy(void **state)
{
	struct db a, b;
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/b.db", dir);
	assert_int_equal(db_open(&a, path, 1, 1, err, sizeof(err)), DB_OK);
	assert_int_equal(db_migrate(&a, err, sizeof(err)), DB_OK);
	assert_int_equal(db_open(&b, path, 1, 0, err, sizeof(err)), DB_OK);
	assert_int_equal(db_begin(&a), DB_OK);
	assert_int_equal(db_begin(&b), DB_BUSY);     /* after the 1 s deadline */
	db_rollback(&a);
	assert_int_equal(db_begin(&b), DB_OK);
	db_rollback(&b);
	db_close(&a);
	db_close(&b);
}

static void test_db_garbage_file(void **state)
{
	struct db d;
	char path[512], err[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/g.db", dir);
	fp = fopen(path, "w");
	fputs("this is not a database, it is a complaint about one\n", fp);
	fclose(fp);
	assert_int_not_equal(db_open(&d, path, 1, 0, err, sizeof(err)), DB_OK);
	assert_non_null(strstr(err, "g.db"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_and_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_truncates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
		cmocka_unit_test(test_sha),
		cmocka_unit_test_setup_teardown(test_db_migrate_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_garbage_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

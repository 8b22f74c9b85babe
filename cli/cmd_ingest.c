/*
 * cmd_ingest - the MTA pipe entry point.
 *
 * The contract (abusedesk(1), EXIT STATUS): exit 0 only once the raw message
 * is durably in the spool; any failure before that point exits 75
 * (EX_TEMPFAIL) so the MTA keeps the message and retries. Never exit 1: an MTA
 * bounces unknown codes, and a bounced complaint is a lost complaint. After
 * the spool write, nothing can fail the delivery: a database problem leaves
 * the message pending for `abusedesk reprocess --pending`.
 *
 * The database work runs in a child whose output comes to the MTA through
 * us. The MTA waits for it at most db_busy_timeout and a second (a child
 * that met a lock or an unreachable server has given up by then): a
 * database that stops answering mid-statement (a hung server, a cut
 * network) does not hold the delivery. A child still at work then goes on
 * alone, without the MTA's descriptors (so the MTA sees the end of our
 * output at once), and gives up after ten times db_busy_timeout (at least a
 * minute); whatever it did not record stays pending.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../app/process.h"
#include "../ingest/privs.h"
#include "../ingest/spool.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "cli.h"

/* ms_since - milliseconds since t0 (monotonic) */
static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* child_io - in the child: stdin from /dev/null, stdout and stderr into the
 * pipe the parent reads (a write after the parent left fails, no SIGPIPE) */
static void child_io(int w)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		if (null != STDIN_FILENO)
			close(null);
	}
	dup2(w, STDOUT_FILENO);
	dup2(w, STDERR_FILENO);
	if (w != STDOUT_FILENO && w != STDERR_FILENO)
		close(w);
	signal(SIGPIPE, SIG_IGN);
}

/* wait_child - pass the child's output on until it ends (1, with *st) or
 * limit_ms ran out (0: the child goes on alone) */
static int wait_child(pid_t pid, int r, long limit_ms, int *st)
{
	struct timespec t0;
	char buf[4096];
	long left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { r, POLLIN, 0 };
		ssize_t n;

		if ((left = limit_ms - ms_since(&t0)) <= 0)
			return 0;
		if (poll(&p, 1, (int)(left > 60000 ? 60000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p.revents == 0)
			continue;
		n = read(r, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;          /* the child has ended (or closed its output) */
		if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
			/* nobody reads our stderr: the message is safe all the same */
		}
	}
	while (waitpid(pid, st, 0) < 0)
		if (errno != EINTR) {
			*st = 0;
			break;
		}
	return 1;
}

int cmd_ingest(struct cli *c, int argc, char **argv)
{
	struct spool_msg m;
	char err[512];
	int spool_only = 0, st, io[2];
	long busy;
	pid_t pid;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--spool-only") == 0)
			spool_only = 1;
		else {
			/* a usage error while the MTA waits would lose the message: defer */
			msg_syslog_init("abusedesk");
			msg_error("ingest: unknown argument '%.100s' (see abusedesk help ingest); "
				  "the message stays with the MTA", argv[i]);
			return EX_TEMPFAIL;
		}
	}
	if (cli_config(c) < 0) {
		/* no configuration, so no syslog setting: say it there too */
		msg_syslog_init("abusedesk");
		msg_error("ingest: no usable configuration; the message stays with the MTA");
		return EX_TEMPFAIL;
	}
	if (c->cfg.syslog)
		msg_syslog_init("abusedesk");
	msg_stderr(isatty(STDERR_FILENO) || msg_verbose);
	if (privs_drop(c->cfg.run_user, c->cfg.spool_dir, err, sizeof(err)) < 0) {
		msg_stderr(1);
		msg_error("ingest: %s; the message stays with the MTA", err);
		return EX_TEMPFAIL;
	}
	if (spool_check(c->cfg.spool_dir) < 0 && (spool_init(c->cfg.spool_dir) < 0 ||
						   spool_check(c->cfg.spool_dir) < 0)) {
		msg_stderr(1);
		msg_error("ingest: spool %s: %s; the message stays with the MTA (fix the spool, "
			  "then the MTA retries)", c->cfg.spool_dir, strerror(errno));
		return EX_TEMPFAIL;
	}
	if (spool_store_fd(c->cfg.spool_dir, STDIN_FILENO, (size_t)c->cfg.max_message_size, &m) < 0) {
		msg_stderr(1);
		msg_error("ingest: cannot store the message in %s/tmp: %s; the message stays with the MTA",
			  c->cfg.spool_dir, strerror(errno));
		return EX_TEMPFAIL;
	}
	/* From here on the message is safe: exit 0 whatever happens. An
	 * allocation failure exits 0, and the work runs in a child so that not even
	 * an abort or a crash in a library reaches the MTA; what failed stays
	 * pending for reprocess. The spool lock (shared with the child) is held
	 * until we exit. */
	mem_oom_status(EX_OK);
	if (spool_only) {
		msg_info("spooled %s (%zu bytes), pending", m.name, m.size);
		return EX_OK;
	}
	fflush(NULL);
	busy = c->cfg.db_busy_timeout > 0 ? c->cfg.db_busy_timeout : 1;
	if (pipe(io) < 0) {
		proc_spooled(&c->cfg, &m);
		return EX_OK;
	}
	pid = fork();
	if (pid == 0) {
		close(io[0]);
		child_io(io[1]);
		alarm((unsigned)(busy * 10 > 60 ? (busy * 10 < 86400 ? busy * 10 : 86400) : 60));
		proc_spooled(&c->cfg, &m);
		fflush(NULL);
		_exit(EX_OK);
	}
	close(io[1]);
	if (pid < 0) {
		close(io[0]);
		proc_spooled(&c->cfg, &m);
		return EX_OK;
	}
	if (!wait_child(pid, io[0], busy * 1000 + 1000, &st)) {
		msg_warn("ingest: %s: no answer from the database within db_busy_timeout; it is "
			 "recorded in the background or stays pending (abusedesk reprocess --pending)", m.name);
		close(io[0]);
		return EX_OK;
	}
	close(io[0]);
	if (WIFSIGNALED(st))
		msg_error("ingest: processing %s died of signal %d; it stays pending (abusedesk "
			  "reprocess --pending)", m.name, WTERMSIG(st));
	return EX_OK;
}

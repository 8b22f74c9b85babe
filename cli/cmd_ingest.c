/*
 * cmd_ingest - the MTA pipe entry point.
 *
 * The contract (abusedesk(1), EXIT STATUS): exit 0 only once the raw message
 * is durably in the spool; any failure before that point exits 75
 * (EX_TEMPFAIL) so the MTA keeps the message and retries. Never exit 1: an MTA
 * bounces unknown codes, and a bounced complaint is a lost complaint. After
 * the spool write, nothing can fail the delivery: a database problem leaves
 * the message pending for `abusedesk reprocess --pending`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "../app/process.h"
#include "../ingest/privs.h"
#include "../ingest/spool.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "cli.h"

int cmd_ingest(struct cli *c, int argc, char **argv)
{
	struct spool_msg m;
	char err[512];
	int spool_only = 0, st;
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
	pid = fork();
	if (pid == 0) {
		proc_spooled(&c->cfg, &m);
		fflush(NULL);
		_exit(EX_OK);
	}
	if (pid < 0) {
		proc_spooled(&c->cfg, &m);
		return EX_OK;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = 0;
			break;
		}
	if (WIFSIGNALED(st))
		msg_error("ingest: processing %s died of signal %d; it stays pending (abusedesk "
			  "reprocess --pending)", m.name, WTERMSIG(st));
	return EX_OK;
}

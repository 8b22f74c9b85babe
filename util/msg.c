/*
 * msg - diagnostics to stderr and syslog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "msg.h"

int msg_verbose;
int msg_quiet;
static int use_syslog;
static int use_stderr = 1;

/* msg_syslog_init - send messages to syslog, mail facility */
void msg_syslog_init(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	use_syslog = 1;
}

/* msg_stderr - enable or disable the stderr copy */
void msg_stderr(int on)
{
	use_stderr = on;
}

static void vlog(int prio, const char *level, const char *fmt, va_list ap)
{
	va_list ap2;

	va_copy(ap2, ap);
	if (use_syslog)
		vsyslog(prio, fmt, ap2);
	va_end(ap2);
	if ((use_stderr || prio <= LOG_WARNING) && !(prio == LOG_INFO && msg_quiet)) {
		if (level)
			fprintf(stderr, "abusedesk: %s: ", level);
		else
			fputs("abusedesk: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
}

/* msg_info - informational message */
void msg_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* msg_warn - something is wrong but work goes on */
void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning", fmt, ap);
	va_end(ap);
}

/* msg_error - an operation failed */
void msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "error", fmt, ap);
	va_end(ap);
}

/* msg_debug - printed only with -v */
void msg_debug(const char *fmt, ...)
{
	va_list ap;

	if (!msg_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "debug", fmt, ap);
	va_end(ap);
}

/* msg_fatal - log and exit with status */
void msg_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal", fmt, ap);
	va_end(ap);
	exit(status);
}

/*
 * msg - the one way abusedesk logs and fails.
 *
 * msg_info/msg_warn/msg_error print "abusedesk: level: text" to stderr (when
 * enabled) and to syslog's mail facility (when msg_syslog_init was called).
 * msg_fatal logs and exits with the status given: at the MTA boundary that is
 * EX_TEMPFAIL so that a failure defers, never bounces.
 */
#ifndef AD_MSG_H
#define AD_MSG_H

#include <stdarg.h>

#define AD_PRINTF(f, a) __attribute__((format(printf, f, a)))

extern int msg_verbose;  /* -v count */
extern int msg_quiet;    /* suppress info on stderr */

void msg_syslog_init(const char *ident);  /* also log to syslog (LOG_MAIL) */
void msg_stderr(int on);                   /* info/debug copy on stderr (default on); warnings and errors always go there */
void msg_info(const char *fmt, ...) AD_PRINTF(1, 2);
void msg_warn(const char *fmt, ...) AD_PRINTF(1, 2);
void msg_error(const char *fmt, ...) AD_PRINTF(1, 2);
void msg_debug(const char *fmt, ...) AD_PRINTF(1, 2);
_Noreturn void msg_fatal(int status, const char *fmt, ...) AD_PRINTF(2, 3);

#endif

/*
 * msg - the one way abusedesk logs and fails.
 *
 * msg_info/msg_warn/msg_error print "abusedesk: level: text" to stderr (when
 * enabled) and to syslog's mail facility (when msg_syslog_init was called).
 * msg_fatal logs and exits with the status given: at the MTA boundary that is
 * EX_TEMPFAIL so that a failure defers, never bounces.
 *
 * The one rule for errors: library code (everything below cli/) reports a
 * failure through msg_* and returns a status (0/-1, or an enum); the caller
 * decides what it means. A `char *err, size_t errlen` pair is added only where
 * a caller must show the text itself (an importer's "FILE:LINE: reason", a
 * reason put on a report, a line of a command's output); errno is only read
 * right after a system call, never used to pass a reason between modules.
 * Front ends print through msg_* or their own output code, not fprintf(stderr).
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

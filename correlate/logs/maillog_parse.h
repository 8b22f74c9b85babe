/*
 * maillog_parse - read one Postfix or Exim log line into a record.
 *
 * Postfix (syslog, classic "Mon DD HH:MM:SS host" or RFC 3339 stamp):
 *   smtpd   QID: client=NAME[IP], sasl_method=M, sasl_username=USER
 *           (client=NAME[IP]:PORT with smtpd_client_port_logging = yes)
 *   cleanup QID: message-id=<ID>
 *   qmgr    QID: from=<SENDER>, size=N, nrcpt=N (queue active)
 *   smtp    QID: to=<RCPT>, relay=NAME[IP]:PORT, ..., status=sent (...)
 * Exim main log ("YYYY-MM-DD HH:MM:SS ID ..." or the same after a syslog
 * prefix with program exim):
 *   ID <= SENDER H=NAME (HELO) [IP]:PORT P=esmtpa A=auth:USER ... id=MSGID
 *   ID => RCPT ... H=NAME [IP]   (-> also sent, ** bounced, == deferred)
 *
 * Classic syslog stamps carry no year: the year of 'now' is used, or the
 * year before when that would put the line more than a day in the future.
 * Stamps are local time (as syslog writes them). Lines that carry none of
 * these fields are not records (return 0).
 */
#ifndef AD_MAILLOG_PARSE_H
#define AD_MAILLOG_PARSE_H

#include <stddef.h>

#define MAILLOG_MAX_LINE 8192   /* longer lines are cut before parsing */

struct maillog_rec {
	long long at;           /* epoch, 0 when the stamp was not understood */
	char host[256];         /* the logging host ("" for Exim main log) */
	char queue_id[64];
	char client_name[256];
	char client_ip[46];     /* canonical */
	int client_port;        /* the client's source port when logged, else 0 */
	char sasl_user[256];
	char message_id[512];   /* without angle brackets */
	char sender[512];
	char recipient[512];
	char relay[300];
	char status[32];        /* sent | deferred | bounced | ... */
};

/* maillog_parse_line - 1 and *out filled for a record, 0 for other lines */
int maillog_parse_line(const char *line, size_t len, long long now, struct maillog_rec *out);

#endif

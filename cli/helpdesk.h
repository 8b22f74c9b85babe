/*
 * helpdesk - what the helpdesk commands (incidents, show, search, stats)
 * share.
 */
#ifndef AD_HELPDESK_H
#define AD_HELPDESK_H

#include <stddef.h>

#include "../db/helpdesk.h"
#include "cli.h"

/* hd_when - "YYYY-MM-DD HH:MM" (UTC) for tables, RFC 3339 otherwise; "" for 0 */
void hd_when(long long t, enum out_format f, char out[32]);
/* hd_actor - the person who acts: by (--by NAME), else $SUDO_USER, the login
 * name, $LOGNAME, $USER, the uid's passwd name; never "uid N". 0 or -1 */
int hd_actor(const char *by, char *out, size_t len);
/* hd_id - "42" or "#42" to an incident id; 0 or -1 */
int hd_id(const char *s, long long *id);

/* hd_valid_statuses - the values of --status, for errors and help */
const char *hd_valid_statuses(void);
/* hd_valid_verdicts - every verdict name, comma-separated */
void hd_valid_verdicts(char *out, size_t len);

#endif

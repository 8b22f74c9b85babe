/*
 * helpdesk - what the helpdesk commands (incidents, show, search, stats)
 * share.
 */
#ifndef AD_HELPDESK_H
#define AD_HELPDESK_H

#include <stddef.h>

#include "cli.h"

/* hd_when - "YYYY-MM-DD HH:MM" (UTC) for tables, RFC 3339 otherwise; "" for 0 */
void hd_when(long long t, enum out_format f, char out[32]);
/* hd_actor - $SUDO_USER, else $USER, else "uid N" */
void hd_actor(char *out, size_t len);
/* hd_id - "42" or "#42" to an incident id; 0 or -1 */
int hd_id(const char *s, long long *id);

#endif

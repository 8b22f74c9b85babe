/*
 * logs_import - mail log lines and NAT translation records into the store,
 * each file in one transaction: all or nothing.
 *
 * Mail log: every line maillog_parse_line reads as a record is stored once
 * (keyed by the hash of the line), so importing a log twice adds nothing.
 * NAT records: CSV time,inside_ip,inside_port,outside_ip,outside_port with
 * an optional header; every bad row is reported as "FILE:LINE: reason" and
 * one bad row rolls the file back.
 */
#ifndef AD_APP_LOGS_IMPORT_H
#define AD_APP_LOGS_IMPORT_H

#include <stdio.h>

#include "../db/db.h"

#define NAT_MAX_ERRORS 100     /* bad rows reported before giving up */

struct log_import {
	long lines;             /* lines read (mail log) */
	long records;           /* records found */
	long added;             /* records new to the store */
	int bad;                /* bad rows (NAT records) */
};

/* app_maillog_import - every line of fp (named file); DB_OK, DB_BUSY or
 * DB_ERROR (a read error of fp is reported and is DB_ERROR) */
int app_maillog_import(struct db *d, FILE *fp, const char *file, struct log_import *n);
/* app_natlog_import - every record of fp (named file), bad rows to errfp;
 * DB_OK with n->bad > 0 when bad rows rolled the file back, else DB_OK,
 * DB_BUSY or DB_ERROR */
int app_natlog_import(struct db *d, FILE *fp, const char *file, FILE *errfp, struct log_import *n);

#endif

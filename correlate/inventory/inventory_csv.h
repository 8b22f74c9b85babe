/*
 * inventory_csv - a CSV inventory of our hosts and networks, for use before
 * (or beside) the database inventory; backs a struct trace_env.
 *
 * One row a line, five columns "kind,name_or_cidr,ips,role,owner" (RFC 4180
 * quoting allowed); '#' comments, blank lines and a header line starting
 * with "kind," are skipped. Kinds:
 *
 *   host,NAME,IP [IP...],ROLE,OWNER        a host and its addresses
 *                                          (separated by white space or ';')
 *   network,CIDR,,ROLE,OWNER               a network (third column unused)
 *   nat,OUTSIDE,INSIDE,START,END           a NAT mapping: OUTSIDE is
 *                                          IP[:PORT[-PORT]] ([v6]:port),
 *                                          INSIDE is IP[:PORT], START/END
 *                                          are RFC 3339 times ("" = open)
 *   maillog,QUEUE_ID,CLIENT_IP[:PORT],SASL_USER,HOST[,MESSAGE_ID]
 *                                          one line of an MTA's log
 *
 * ROLE is one of none mta proxy nat web customer dynamic server. A lookup
 * returns the host row whose address matches, merged with the most specific
 * network containing it (host role and owner win).
 */
#ifndef AD_INVENTORY_CSV_H
#define AD_INVENTORY_CSV_H

#include <stddef.h>

#include "../../util/str.h"
#include "../trace/trace.h"

#define INVCSV_MAX_ROWS  200000
#define INVCSV_MAX_LINE  4096

struct inventory_csv;

/*
 * inventory_csv_load - read path. Returns 0 when every row was good; -1
 * with "PATH:LINE: reason" (the first bad row, and how many more) in err
 * when rows were bad: *out then holds the good rows. When the file cannot
 * be read, -1 with *out = NULL.
 */
int inventory_csv_load(const char *path, struct inventory_csv **out, char *err, size_t errsize);
/* inventory_csv_parse - the same from memory; name is used in messages */
int inventory_csv_parse(const char *data, size_t len, const char *name,
			struct inventory_csv **out, char *err, size_t errsize);
void inventory_csv_free(struct inventory_csv *inv);
/* inventory_csv_errors - every bad row as "NAME:LINE: reason" */
const struct strlist *inventory_csv_errors(const struct inventory_csv *inv);
/* inventory_csv_rows - number of good rows */
size_t inventory_csv_rows(const struct inventory_csv *inv);
/* inventory_csv_env - env->lookup/maillog/nat backed by inv (which must outlive env) */
void inventory_csv_env(struct inventory_csv *inv, struct trace_env *env);

#endif

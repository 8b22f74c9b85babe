/*
 * records - the parser's report, trace's verdict and inventory entry and
 * the mail log parser's record, converted to and from the store's records
 * (db/records.h).
 */
#ifndef AD_APP_RECORDS_H
#define AD_APP_RECORDS_H

#include "../correlate/logs/maillog_parse.h"
#include "../correlate/trace/trace.h"
#include "../db/records.h"
#include "../parse/report.h"

/* A db_report over a struct report, and what it had to allocate. */
struct app_report_rec {
	struct db_report rec;
	struct db_hop *hops;
	struct db_rcpt *rcpts;
	char *warnings;
};

/* app_report_rec - out->rec borrows r's strings: r must outlive it; app_report_rec_free after */
void app_report_rec(const struct report *r, struct app_report_rec *out);
void app_report_rec_free(struct app_report_rec *out);
/* app_verdict_rec - out borrows v's strings: v must outlive it */
void app_verdict_rec(const struct verdict *v, struct db_verdict *out);
/* app_inv_entry - the store's answer as trace reads it (host role, else the network's) */
void app_inv_entry(const struct db_inv_entry *in, struct inv_entry *out);
/* app_maillog_rec - out borrows in's strings */
void app_maillog_rec(const struct maillog_rec *in, struct db_maillog_rec *out);
/* app_maillog_entry - the store's answer as trace reads it */
void app_maillog_entry(const struct db_maillog_hit *in, struct maillog_entry *out);

#endif

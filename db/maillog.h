/*
 * maillog - imported mail log records, and what they tell the trace.
 *
 * One row per log line that carries a field (client, SASL user, Message-ID,
 * sender, recipient/relay/status); rows of one message share its queue id.
 * line_hash is UNIQUE, so importing the same lines again adds nothing.
 */
#ifndef AD_MAILLOG_H
#define AD_MAILLOG_H

#include "db.h"
#include "records.h"

/* MAILLOG_MAX_QUEUES - queue ids looked at for one Message-ID */
#define MAILLOG_MAX_QUEUES 20

/* maillog_insert - store one record; 1 added, 0 seen before, or DB_ERROR/DB_BUSY */
int maillog_insert(struct db *d, const struct db_maillog_rec *r, const char *line_hash);

/*
 * maillog_find - what the log says about a message: by queue id first, else
 * by Message-ID (angle brackets optional). Among several queue ids for one
 * Message-ID (a message that passed a content filter) the one with a SASL
 * user wins, then one with a non-loopback client. e->found = 0 when nothing.
 * 0 or DB_ERROR.
 */
int maillog_find(struct db *d, const char *queue_id, const char *message_id, struct db_maillog_hit *e);

/* maillog_any - 1 when the mail log holds a line, 0 when it is empty, DB_ERROR */
int maillog_any(struct db *d);

#endif

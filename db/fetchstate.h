/*
 * fetchstate - what `abusedesk fetch` remembers of each IMAP mailbox.
 *
 * One row per mailbox (its URL without a password): the UIDVALIDITY seen at
 * the last run and the highest UID whose message is recorded and handled on
 * the server. With fetch_after = keep the messages stay on the server, so
 * the UIDs done are remembered one by one (fetch_uids) under the
 * UIDVALIDITY they belong to; a new UIDVALIDITY forgets them (the
 * mailbox is read again and deduped by content).
 */
#ifndef AD_DB_FETCHSTATE_H
#define AD_DB_FETCHSTATE_H

#include <stddef.h>

#include "db.h"

struct fetch_state {
	long long uidvalidity;  /* 0: never seen */
	long long last_uid;     /* highest UID done under uidvalidity */
};

/* fetchstate_get - the mailbox's row; 1 found, 0 none (st zeroed), <0 DB_ERROR/DB_BUSY */
int fetchstate_get(struct db *d, const char *mailbox, struct fetch_state *st);
/*
 * fetchstate_set_validity - record uidvalidity for mailbox; when it differs
 * from the stored one, last_uid restarts at 0 and the remembered UIDs are
 * forgotten (one transaction). 0 or DB_ERROR/DB_BUSY.
 */
int fetchstate_set_validity(struct db *d, const char *mailbox, long long uidvalidity);
/* fetchstate_done - uid of mailbox (under uidvalidity) is recorded and handled:
 * remember it when keep, raise last_uid. 0 or DB_ERROR/DB_BUSY */
int fetchstate_done(struct db *d, const char *mailbox, long long uidvalidity, long long uid, int keep);
/* fetchstate_is_done - uid was remembered under uidvalidity; 1 yes, 0 no, <0 error */
int fetchstate_is_done(struct db *d, const char *mailbox, long long uidvalidity, long long uid);

#endif

/*
 * records - the store's own records: what a caller hands to db/ and what
 * db/ hands back, in plain strings and numbers.
 *
 * db/ knows nothing of the parser's struct report or trace's struct verdict:
 * app/ converts those into these records (app/records.h). A second backend
 * implements the same functions over the same records. Strings in records
 * given to db/ are borrowed (NULL or "" = none); strings in records db/
 * fills are fixed arrays ("" = none).
 */
#ifndef AD_DB_RECORDS_H
#define AD_DB_RECORDS_H

#include <stddef.h>

/* A list of strings (recipients, domains, URIs, evidence lines). */
struct db_strs {
	const char *const *v;
	size_t n;
};

/* One Received hop of the reported message, as stored (report_hops). */
struct db_hop {
	const char *from_ip, *from_rdns, *helo, *ident, *by, *with, *queue_id, *for_addr, *envfrom,
		*auth, *date;
	int port;                       /* the client's source port the receiver recorded, 0 none */
};

/* One recipient of a delivery status notification (report_rcpts). */
struct db_rcpt {
	const char *address, *action, *status, *diagnostic, *remote_mta;
};

/* The columns a report row stores once the message is parsed. */
struct db_report {
	int flags;
	const char *format;             /* format name: arf, xarf, dsn, ... */
	const char *message_id, *from, *subject;
	const char *feedback_type, *user_agent, *reporter, *reporting_mta;
	long long arrival;              /* 0 when unknown */
	const char *source_ip;
	int source_port;                /* 0 when unknown */
	const char *original_mail_from;
	const char *orig_message_id, *orig_from, *orig_subject, *orig_date, *orig_headers;
	int orig_headers_only;
	const char *warnings;           /* the warnings joined with "; ", or NULL */
	const struct db_hop *hops;
	size_t nhops;
	const struct db_rcpt *rcpts;
	size_t nrcpts;
	struct db_strs rcpt_to, domains, uris;
};

/* The verdict summary a report row and its incident keep. */
struct db_verdict {
	const char *cls;                /* verdict class name: open_relay, not_ours, unknown, ... */
	const char *confidence;         /* low | medium | high */
	const char *role;               /* inventory role name, NULL when none */
	const char *rule, *abused_ip, *abused_host, *owner, *egress_ip, *injector_ip, *auth_user,
		*nat_inside, *explanation;
	struct db_strs evidence;
};

/* What the inventory knows about one address (inventory_find). */
struct db_inv_entry {
	int found;                      /* the address is in a known host or network */
	char host[256];                 /* host name, "" if only a network matched */
	char owner[128];                /* owner key, "" if none */
	char network[64];               /* most specific network CIDR, "" if none */
	char host_role[32];             /* the host's role as stored, "" if none */
	char net_role[32];              /* the network's role as stored, "" if none */
};

/* One mail log record (one line that carries a field) to store. */
struct db_maillog_rec {
	long long at;                   /* epoch, 0 when unknown */
	const char *host, *queue_id, *client_name, *client_ip, *sasl_user, *message_id, *sender,
		*recipient, *relay, *status;
	int client_port;                /* 0 when not logged */
};

/* What the stored mail log says about one message (maillog_find). */
struct db_maillog_hit {
	int found;
	char queue_id[64];
	char client_ip[46];
	int client_port;                /* the port logged with client_ip, 0 when none */
	char client_name[256];
	char sasl_user[256];
	char host[256];                 /* the MTA that logged it */
};

#endif

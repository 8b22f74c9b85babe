/*
 * config - the one configuration reader.
 *
 * A file of "key = value" lines, '#' comments, blank lines, and (as in
 * Postfix's main.cf) continuation lines that start with white space. Every key
 * has a default; an unknown key or a bad value is an error naming the file and
 * line. The file is found by -c FILE, then $ABUSEDESK_CONFIG, then
 * SYSCONFDIR/abusedesk/abusedesk.conf; when none exists, the defaults apply.
 */
#ifndef AD_CONFIG_H
#define AD_CONFIG_H

#include "buf.h"
#include "ipaddr.h"
#include "str.h"

struct config {
	char *path;                 /* the file read, NULL for defaults only */
	/* storage */
	char *database;
	char *spool_dir;
	long max_message_size;      /* hard cap in bytes: larger is stored truncated */
	long db_busy_timeout;       /* seconds a writer waits for the lock */
	char *run_user;             /* user to become when started as root ("" = spool owner) */
	int syslog;
	/* trace */
	struct netlist our_networks;
	struct strlist our_domains;
	char *inventory_csv;        /* optional CSV of hosts before the inventory is imported */
	/* incidents */
	long reopen_quiet_period;   /* seconds after resolve during which a report reopens */
	int incident_not_ours;      /* open incidents for not_ours verdicts */
	/* notify */
	char *team_address;         /* the abuse team: owners without address, digests */
	char *from_address;
	char *smtp_url;
	char *smtp_user;
	char *smtp_password;
	char *smtp_tls;             /* none | try | required */
	char *smtp_ca_file;         /* CA certificates (PEM) to verify the server with, "" = system's */
	long smtp_timeout;
	long webhook_timeout;
	char *webhook_secret;
	long notify_interval;       /* at most one notification per incident per interval */
	struct strlist notify_thresholds; /* report counts that trigger a new notification */
	long notify_max_attempts;
	long notify_backoff;        /* first retry delay, doubles each attempt */
	long notify_lease;          /* seconds a runner holds a claimed outbox row */
	int notify_attach_report;
	int ack_reporters;
	long ack_interval;          /* at most one acknowledgement per reporter per interval */
	char *organization;
	/* digest */
	char *digest_address;
	/* probe */
	int probe_on_open;
	int probe_on_resolve;
	char *probe_outside_domain; /* the "outside" address domain used in relay tests */
	char *probe_outside_host;   /* host:port the proxy test asks to reach */
	char *probe_proxy_ports;
	long probe_timeout;
	long probe_interval;        /* minimum seconds between probes of one target */
	char *probe_helo;
	/* outside networks (RDAP) and forwarding of not_ours reports */
	int lookup_not_ours;        /* notify looks up the abuse contact of not_ours reports */
	char *rdap_url;             /* one RDAP base URL for every address, "" = the bootstrap file */
	char *rdap_bootstrap_file;  /* IANA bootstrap (RFC 9224) that picks the registry */
	long rdap_timeout;
	long rdap_cache_ttl;        /* how long an answer (contact or none) is kept */
	long rdap_error_ttl;        /* how long a failed lookup is kept, unless Retry-After says */
	long rdap_max_lookups;      /* lookups in one notify run */
	char *forward_not_ours;     /* never | ask | auto */
	long forward_interval;      /* at most one forward per destination per interval */
	/* fetch (IMAP) */
	struct strlist fetch_url;   /* one URL per mailbox: imaps://USER@HOST[:PORT]/MAILBOX */
	char *fetch_password_file;  /* the password, on its first line; never on the command line */
	char *fetch_after;          /* move:FOLDER | delete | keep */
	char *fetch_ca_file;        /* CA certificates (PEM) for a private CA, "" = system's */
	long fetch_max_messages;    /* messages per mailbox per run */
	long fetch_connect_timeout; /* TCP + TLS + greeting + login */
	long fetch_timeout;         /* a server silent this long is given up */
	/* web */
	char *web_auth_header;      /* a header naming the user, set by a trusted proxy ("" = off) */
	struct netlist web_auth_proxies; /* the proxies' addresses: the only peers it is honoured from */
};

/* config_load - defaults, then the file; path NULL means search. On error
 * returns -1 with a message "FILE:LINE: ..." in err. A missing file that was
 * searched for (not named) is not an error. */
int config_load(struct config *c, const char *path, struct buf *err);
void config_free(struct config *c);
/* config_dump - every key = value, for `abusedesk config` */
void config_dump(const struct config *c, struct buf *out);

#endif

/*
 * commands - the table of subcommands and their help texts.
 *
 * Each help text fits a screen; the man page abusedesk(1) has the whole story.
 */
#include <stddef.h>

#include "commands.h"

const struct command commands[] = {
	{ "init", cmd_init, "", "create or migrate the database and the spool folders",
	  "Safe to run again: it only adds what is missing. Run it as the user the MTA\n"
	  "runs the pipe as, so that user owns the spool and the database.\n" },
	{ "ingest", cmd_ingest, "[--spool-only]", "read one message on stdin (the MTA pipe entry point)",
	  "Stores the message durably in the spool, then parses, traces and records it.\n"
	  "Exit 0: the message is safe in the spool (even if the database was down; it\n"
	  "then stays pending for 'reprocess --pending'). Exit 75 (EX_TEMPFAIL): nothing\n"
	  "was stored; the MTA keeps the message and retries. Never any other status.\n"
	  "  --spool-only   store and stop; a later 'reprocess --pending' does the rest\n" },
	{ "reprocess", cmd_reprocess, "--pending | --all [--db-wait SPAN]", "finish pending messages, or re-parse all",
	  "  --pending   messages in the spool that are not recorded yet\n"
	  "  --all       re-parse and re-trace every stored message with this version;\n"
	  "              rebuilds a lost database from the spool\n"
	  "  --db-wait   how long to wait for a database server that went away\n"
	  "              before leaving the rest pending (default 60s; 0: no wait)\n" },
	{ "import", cmd_import, "[--db-wait SPAN] mbox|maildir PATH", "feed a backlog through the ingest path",
	  "PATH is an mbox file ('-' for stdin) or a maildir (or a folder of message\n"
	  "files). Each message is spooled and processed as if the MTA had piped it;\n"
	  "importing the same backlog twice adds nothing.\n"
	  "  --db-wait   how long to wait for a database server that went away\n"
	  "              before leaving the rest pending (default 60s; 0: no wait)\n" },
	{ "fetch", cmd_fetch, "[--once] [--mailbox NAME]", "collect reports from IMAP mailboxes (fetch_url)",
	  "Each message is spooled and processed exactly as a piped one, and only once\n"
	  "it is recorded is it moved, deleted or remembered (fetch_after). A re-run\n"
	  "after a crash neither skips nor repeats; a message both piped and fetched is\n"
	  "one report. The password is read from fetch_password_file, never argv.\n"
	  "  --once          one pass (the default; for timers and cron)\n"
	  "  --mailbox NAME  only this mailbox of fetch_url (its name or URL)\n"
	  "Exit 0 done; 75 server unreachable or timed out, database busy (try later);\n"
	  "69 login refused, certificate not trusted, no such mailbox; 78 configuration.\n" },
	{ "reports", cmd_reports, "[--since 24h] [--status S] [--limit N] [--format table|json|csv]",
	  "list stored reports", "  --status   pending or done\n" },
	{ "parse", cmd_parse, "[--json] FILE...|-", "show what a message says (report model)",
	  "Prints one JSON object a line per message with --json (the stable format\n"
	  "described in abusedesk(1)); a short summary otherwise. Nothing is stored.\n" },
	{ "received", cmd_received, "[--json]", "parse Received header values from stdin",
	  "Reads unfolded Received header values, one a line, and prints one JSON hop a\n"
	  "line, or null for a header that carries no relay.\n" },
	{ "trace", cmd_trace, "[--json] FILE...", "which of our hosts was abused, and how",
	  "Parses each message, follows its Received chain into our_networks and\n"
	  "prints the verdict with its evidence. Nothing is stored.\n" },
	{ "incidents", cmd_incidents,
	  "[--all | --status S] [--owner O] [--host H] [--ip IP] [--verdict V] [--since 7d] [--limit N] [--format table|json|csv] [--wide]",
	  "list incidents",
	  "Lists the active incidents (open, notified, acknowledged) unless --all.\n"
	  "  --status   active, open, notified, acknowledged, resolved, false_positive\n"
	  "  --verdict  open_relay, open_proxy, compromised_account, web_script,\n"
	  "             infected_host, local_injection, compromised_server,\n"
	  "             web_compromise, not_ours, unknown (see abusedesk(1))\n"
	  "  --host     a host name or a suffix at a dot (example.net)\n"
	  "  --wide     every column whole, whatever the terminal's width\n" },
	{ "show", cmd_show, "ID [--format text|json] [--wide] | --report ID [--format text|json]",
	  "an incident (verdict, evidence, timeline), or a report",
	  "" },
	{ "ack", cmd_ack, "ID [--note TEXT] [--by NAME]", "acknowledge an incident", "" },
	{ "resolve", cmd_resolve, "ID [--note TEXT] [--by NAME]", "mark an incident resolved", "" },
	{ "reopen", cmd_reopen, "ID [--note TEXT] [--by NAME]", "reopen an incident", "" },
	{ "false-positive", cmd_false_positive, "ID [--note TEXT] [--by NAME]", "mark an incident a false positive",
	  "" },
	{ "search", cmd_search, "IP|CIDR|MESSAGE-ID|TEXT [--format table|json|csv] [--wide]",
	  "find reports and incidents", "" },
	{ "stats", cmd_stats, "[--since 30d] [--format table|json|csv]",
	  "counts by verdict, status, owner and reporter", "" },
	{ "inventory", cmd_inventory,
	  "import owners|networks|hosts FILE.csv | export [owners|networks|hosts] | lookup IP",
	  "our hosts, networks and their owners",
	  "Imports are upserts in one transaction: a bad row is reported with its line\n"
	  "number and nothing is imported. Comma-separated CSV, columns in this order\n"
	  "or named in a header line (abusedesk(1) says what each holds):\n"
	  "  owners    key, name, email, webhook_url, policy, digest\n"
	  "  networks  cidr, owner, role, note\n"
	  "  hosts     name, ips, role, owner, note\n" },
	{ "maillog", cmd_maillog, "import FILE|-", "import Postfix/Exim mail logs for correlation",
	  "Re-importing the same lines adds nothing twice. A file in which no line is\n"
	  "a Postfix or Exim log line is refused (exit 65).\n" },
	{ "natlog", cmd_natlog, "import FILE.csv", "import NAT translation records",
	  "Columns: time, inside_ip, inside_port, outside_ip, outside_port.\n" },
	{ "notify", cmd_notify, "[--once] [--now] [--status [--all]] [--format table|json|csv]",
	  "send queued notifications",
	  "Run it from cron or a systemd timer (see contrib/). It first finishes\n"
	  "pending messages, probes newly opened relay/proxy incidents (probe_on_open),\n"
	  "looks up the outside contact of not_ours reports (lookup_not_ours) and\n"
	  "forwards them or marks them for the operator (forward_not_ours ask|auto),\n"
	  "then sends. Failed attempts are retried with exponential backoff; runs may\n"
	  "overlap (each message is claimed by one runner for notify_lease).\n"
	  "  --once     only send what is due\n"
	  "  --now      also retry at once what waits for its backoff\n"
	  "  --status   the queue with last errors (--all: sent rows too)\n" },
	{ "digest", cmd_digest,
	  "[--since 24h | --from DATE --to DATE] [--owner O] [--format text|html] [--send]",
	  "summary of a period for the team or one owner", "" },
	{ "probe", cmd_probe, "HOST|IP [--relay] [--proxy] [--json] [--incident ID] [--port N] [--proxy-ports LIST] | --incident ID | --due",
	  "check whether one of our hosts is an open relay or proxy",
	  "Only addresses inside our_networks and in the inventory are ever probed;\n"
	  "anything else is refused (exit 77) before a connection is made. Exit 0\n"
	  "closed, 2 open, 75 probed too recently (probe_interval).\n"
	  "  --incident ID   probe that incident's host and record it there\n"
	  "  --due           probe active relay/proxy incidents not probed since they opened\n" },
	{ "whois", cmd_whois, "IP [--refresh] [--json]", "the abuse contact of an outside network (RDAP)",
	  "Asks the registry the bootstrap file (rdap_bootstrap_file) names, or rdap_url,\n"
	  "for the network of IP and prints the email of its abuse contact. Answers are\n"
	  "cached for rdap_cache_ttl, failures for their Retry-After or rdap_error_ttl.\n"
	  "Exit 0 a contact, 1 the registry names none, 75 the lookup failed.\n"
	  "  --refresh  ask again even when cached\n" },
	{ "forward", cmd_forward, "REPORT [--to ADDR]",
	  "pass a not_ours report on to the outside abuse contact (ARF)",
	  "Queues an ARF report (RFC 5965) with the complaint attached to the contact\n"
	  "recorded on the report (looked up by RDAP if none) or to ADDR; notify sends it.\n"
	  "At most one forward per destination per forward_interval; a complaint that is\n"
	  "one of our own forwards come back is never forwarded again. Exit 0 queued,\n"
	  "1 not forwarded (the reason is printed), 65 no such report.\n" },
	{ "user", cmd_user, "add NAME --role viewer|handler|admin | list [--format F] | del NAME | token NAME",
	  "people of the web helpdesk and the API",
	  "  add     the password is read from the terminal (twice, not echoed), or as\n"
	  "          one line of stdin when stdin is not a terminal; stored as yescrypt\n"
	  "  token   prints a new API token for 'Authorization: Bearer'; only its\n"
	  "          SHA-256 is kept, so it cannot be shown again\n"
	  "  del     also ends the user's sessions and tokens\n" },
	{ "web", cmd_web, "[--listen ADDR:PORT] [--secure-cookie] [--tls-cert FILE --tls-key FILE]",
	  "the web helpdesk and the JSON API (/api/v1)",
	  "Listens on 127.0.0.1:8025 unless told otherwise. To reach it from elsewhere\n"
	  "serve HTTPS itself (--tls-cert and --tls-key: PEM files, read before root is\n"
	  "dropped) or put it behind a reverse proxy with TLS and add --secure-cookie\n"
	  "(abusedesk(1), docs/api.md). Stops on SIGTERM or SIGINT.\n" },
	{ "db", cmd_db, "copy SRC DST", "copy a whole database between SQLite and PostgreSQL",
	  "SRC and DST are each an SQLite file or a postgresql:// URI. DST gets the\n"
	  "schema (as init does) and must hold no rows; it is written in one\n"
	  "transaction. Afterwards every table is counted on both sides: exit 0 when\n"
	  "the counts are equal, 65 when one differs.\n" },
	{ "config", cmd_config, "", "print the effective configuration", "" },
	{ NULL, NULL, NULL, NULL, NULL }
};

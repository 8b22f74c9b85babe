/*
 * commands - every subcommand, for the dispatcher and `abusedesk help`.
 */
#ifndef AD_COMMANDS_H
#define AD_COMMANDS_H

#include "cli.h"

struct command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *synopsis;   /* arguments after the name */
	const char *summary;    /* one line for `abusedesk --help` */
	const char *help;       /* the rest of `abusedesk help NAME` */
};

extern const struct command commands[];

#define CMD(n) int cmd_##n(struct cli *c, int argc, char **argv)
CMD(init); CMD(ingest); CMD(reprocess); CMD(import); CMD(reports); CMD(parse); CMD(received);
CMD(trace); CMD(incidents); CMD(show); CMD(ack); CMD(resolve); CMD(reopen); CMD(false_positive);
CMD(search); CMD(stats); CMD(inventory); CMD(maillog); CMD(natlog); CMD(notify); CMD(digest);
CMD(probe); CMD(config); CMD(user); CMD(web); CMD(fetch); CMD(whois); CMD(forward); CMD(db);
#undef CMD

#endif

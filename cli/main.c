/*
 * main - the abusedesk command: global options, then one subcommand.
 *
 * A usage error exits 64 (EX_USAGE), except in front of an MTA: when the
 * command is "ingest", or cannot be known (a bad or incomplete option before
 * any command word, no command, an unknown command), every failure exits 75
 * (EX_TEMPFAIL) and says why on stderr and syslog, so that a typo in an alias
 * line defers the mail instead of bouncing every complaint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sysexits.h>
#include <unistd.h>

#include "../parse/report.h"
#include "../util/msg.h"
#include "commands.h"

static void usage_all(FILE *fp)
{
	fputs("usage: abusedesk [-c FILE] [-v] [-q] COMMAND [ARGS]\n"
	      "Runs an abuse@ mailbox: stores each complaint, finds which of our hosts was\n"
	      "abused and how, groups complaints into incidents and tells the owner.\n\n", fp);
	for (const struct command *k = commands; k->name; k++)
		if (k->fn)
			fprintf(fp, "  %-15s %s\n", k->name, k->summary);
	fputs("\n  -c FILE   configuration (default $ABUSEDESK_CONFIG,\n"
	      "            then " SYSCONFDIR "/abusedesk/abusedesk.conf)\n"
	      "  -v        more detail on stderr      -q   less\n"
	      "'abusedesk help COMMAND' tells more; man abusedesk(1), abusedesk.conf(5).\n", fp);
}

static const struct command *find(const char *name)
{
	for (const struct command *k = commands; k->name; k++)
		if (strcmp(k->name, name) == 0 && k->fn)
			return k;
	return NULL;
}

int cli_help(const char *name, FILE *fp)
{
	const struct command *k = find(name);

	if (k == NULL)
		return -1;
	fprintf(fp, "usage: abusedesk %s %s\n%s\n%s", k->name, k->synopsis, k->summary, k->help);
	return 0;
}

int cli_usage(const char *name)
{
	const struct command *k = find(name);

	if (k)
		fprintf(stderr, "usage: abusedesk %s %s\n(abusedesk help %s tells more)\n", k->name,
			k->synopsis, k->name);
	return EX_USAGE;
}

/*
 * mta_fail - a failure before the command could run: 75 when the command is
 * ingest or cannot be known (also to syslog, where the MTA's operator looks),
 * 64 for a known command other than ingest. known is that command's name or
 * NULL; 'rest' holds the arguments not yet read, searched for "ingest".
 */
static int mta_fail(const char *known, int nrest, char **rest, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int ingest = known == NULL || strcmp(known, "ingest") == 0;

	for (int j = 0; j < nrest && !ingest; j++)
		ingest = strcmp(rest[j], "ingest") == 0;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!ingest) {
		fprintf(stderr, "abusedesk: %s\n", text);
		usage_all(stderr);
		return EX_USAGE;
	}
	if (isatty(STDERR_FILENO))
		usage_all(stderr);
	msg_syslog_init("abusedesk");
	msg_error("%s; exit 75 so that an MTA defers the message (abusedesk --help lists the commands)",
		  text);
	return EX_TEMPFAIL;
}

/* first_command - the first argument from i on that names a command, or NULL */
static const char *first_command(int argc, char **argv, int i)
{
	const struct command *k;

	for (; i < argc; i++)
		if (argv[i][0] != '-')
			return (k = find(argv[i])) ? k->name : NULL;
	return NULL;
}

int main(int argc, char **argv)
{
	struct cli c;
	const struct command *k;
	int i, rc;

	memset(&c, 0, sizeof(c));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			c.config_path = argv[++i];
		else if (strcmp(argv[i], "-v") == 0)
			msg_verbose++;
		else if (strcmp(argv[i], "-q") == 0)
			msg_quiet = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_all(stdout);
			return EX_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("abusedesk %s\n", ABUSEDESK_VERSION);
			return EX_OK;
		} else if (strcmp(argv[i], "-c") == 0) {
			return mta_fail(NULL, 0, NULL, "-c needs a configuration file");
		} else {
			/* an MTA might call us with bad options: never bounce */
			return mta_fail(first_command(argc, argv, i + 1), argc - i - 1, argv + i + 1,
					"unknown option '%.100s'", argv[i]);
		}
	}
	if (argc < 1 || i >= argc)
		return mta_fail(NULL, 0, NULL, "no command given");
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage_all(stdout);
			return EX_OK;
		}
		if (cli_help(argv[i + 1], stdout) < 0) {
			fprintf(stderr, "abusedesk: no command '%s' (abusedesk --help lists them)\n", argv[i + 1]);
			return EX_USAGE;
		}
		return EX_OK;
	}
	if ((k = find(argv[i])) == NULL)   /* "ingest" misspelt in an alias must defer, not bounce */
		return mta_fail(NULL, 0, NULL, "no command '%.100s'", argv[i]);
	for (int j = i + 1; j < argc; j++)
		if (strcmp(argv[j], "--help") == 0 && strcmp(k->name, "ingest") != 0) {
			cli_help(k->name, stdout);
			return EX_OK;
		}
	/* GMime and the Received patterns are set up on first use (parse_message) */
	rc = k->fn(&c, argc - i, argv + i);
	parse_shutdown();
	if (c.cfg_loaded)
		config_free(&c.cfg);
	return rc;
}

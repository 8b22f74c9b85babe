/*
 * NAME
 *	cmd_parse - "abusedesk parse": show what a message says
 * SYNOPSIS
 *	abusedesk parse [--json] FILE... | -
 * DESCRIPTION
 *	Reads each FILE ("-" for standard input) as one message, parses it
 *	(parse/report.h) and prints, with --json, one report_to_json object a
 *	line; without it a few readable lines a message. Nothing is stored.
 *	A file above APP_MESSAGE_MAX bytes is cut there and flagged truncated.
 * DIAGNOSTICS
 *	Exit 0; 64 on a usage error; 66 when a file could not be read (the
 *	others are still parsed); 74 when output fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../app/message.h"
#include "../parse/report.h"
#include "../util/mem.h"
#include "../util/json.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "commands.h"


/* summary - a few readable lines about one report */
static void summary(const struct report *r, const char *file, struct buf *o)
{
	size_t i;

	buf_printf(o, "%s: %s", file, report_format_name(r->format));
	if (r->feedback_type)
		buf_printf(o, " (%s)", r->feedback_type);
	buf_printf(o, "\n  reporter %s, source %s", r->reporter ? r->reporter : "-",
		   r->source_ip ? r->source_ip : "-");
	if (r->source_port)
		buf_printf(o, " port %d", r->source_port);
	buf_printf(o, ", arrived %s\n", r->arrival_date ? r->arrival_date : "-");
	if (r->orig.present)
		buf_printf(o, "  original: %s / %s, %zu hop(s)\n",
			   r->orig.message_id ? r->orig.message_id : "-",
			   r->orig.subject ? r->orig.subject : "-", r->nhops);
	for (i = 0; i < r->nrcpts; i++)
		buf_printf(o, "  recipient %s %s %s\n", r->rcpts[i].address ? r->rcpts[i].address : "-",
			   r->rcpts[i].action ? r->rcpts[i].action : "-",
			   r->rcpts[i].status ? r->rcpts[i].status : "-");
	for (i = 0; i < r->warnings.n; i++)
		buf_printf(o, "  warning: %s\n", r->warnings.v[i]);
}

/* put_lines - the summary to stdout, each control but the line ends (str_ctl_len) as '?' */
static void put_lines(const char *s, size_t n)
{
	size_t k;
	unsigned cp;

	for (size_t i = 0; i < n; i += k) {
		if ((k = str_ctl_len(s + i, n - i, &cp)) > 0) {
			putchar(cp == '\n' ? '\n' : '?');
		} else {
			if ((k = utf8_seq_len((const unsigned char *)s + i, n - i)) == 0)
				k = 1;
			fwrite(s + i, 1, k, stdout);
		}
	}
}

/* parse_one - parse and print one file; 0, or 66 when it could not be read */
static int parse_one(const char *file, int json)
{
	struct report r;
	struct buf out;
	char *data;

	if ((data = app_parse_file(file, &r)) == NULL)
		return 66;
	buf_init(&out, 0);
	if (json) {
		report_to_json(&r, file, &out);
		buf_putc(&out, '\n');
		fwrite(out.data, 1, out.len, stdout);
	} else {
		summary(&r, file, &out);
		put_lines(out.data, out.len);
	}
	buf_free(&out);
	report_free(&r);
	free(data);
	return 0;
}

/* cmd_parse - abusedesk parse [--json] FILE... | - */
int cmd_parse(struct cli *c, int argc, char **argv)
{
	int i, json = 0, rc = 0, nfiles = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--"))
			break;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage("parse");
		else
			nfiles++;
	}
	if (nfiles == 0 && i >= argc)
		return cli_usage("parse");
	parse_init();
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			continue;
		if (!strcmp(argv[i], "--")) {
			for (i++; i < argc; i++)
				if (parse_one(argv[i], json))
					rc = 66;
			break;
		}
		if (parse_one(argv[i], json))
			rc = 66;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return 74;
	return rc;
}

/*
 * NAME
 *	cmd_received - "abusedesk received": parse Received headers on stdin
 * SYNOPSIS
 *	abusedesk received [--json]
 * DESCRIPTION
 *	Reads unfolded Received header values, one a line (CRLF or LF; a
 *	leading "Received:" is allowed), and prints for each one line: the
 *	hop as a JSON object (parse/received.h hop_to_json), or "null" when
 *	the header carries no relay or is not understood. JSON is the only
 *	output format; --json is accepted for clarity.
 *
 *	A line longer than RCVD_LINE_MAX is cut and the rest discarded; the
 *	parser itself looks at no more than RCVD_MAX_LEN bytes.
 * DIAGNOSTICS
 *	Exit 0 on success, 64 on a usage error, 74 when output fails.
 * SEE ALSO
 *	parse/received.h, cli/commands.c (help text)
 */
#include <stdio.h>
#include <string.h>

#include "../parse/received.h"
#include "../util/buf.h"
#include "../util/msg.h"
#include "commands.h"

#define RCVD_LINE_MAX (4 * RCVD_MAX_LEN)

/* read_line - one line into line[max], rest discarded; length, or -1 at EOF */
static long read_line(FILE *fp, char *line, size_t max)
{
	size_t n = 0, k;
	int any = 0;

	while (fgets(line + n, (int)(max - n + 1), fp)) {
		any = 1;
		k = strlen(line + n);
		n += k;
		if (n > 0 && line[n - 1] == '\n') {
			n--;
			break;
		}
		if (n >= max) {         /* cut: discard the rest of the line */
			int c;

			while ((c = getc(fp)) != EOF && c != '\n')
				;
			break;
		}
	}
	if (!any)
		return -1;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	return (long)n;
}

/* cmd_received - the "received" subcommand */
int cmd_received(struct cli *c, int argc, char **argv)
{
	static char line[RCVD_LINE_MAX + 1];
	struct buf out;
	struct hop h;
	long n;
	int i;

	(void)c;                              /* needs no configuration */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			msg_error("received: unknown argument: %s", argv[i]);
			return cli_usage("received");
		}
	}
	rcvd_init();
	buf_init(&out, 0);
	while ((n = read_line(stdin, line, RCVD_LINE_MAX)) >= 0) {
		if (rcvd_parse(line, (size_t)n, &h) == 1) {
			hop_to_json(&h, &out);
			hop_free(&h);
		} else {
			buf_puts(&out, "null");
		}
		buf_putc(&out, '\n');
		if (out.len >= 65536) {
			fwrite(out.data, 1, out.len, stdout);
			buf_reset(&out);
		}
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	rcvd_shutdown();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		msg_error("received: write error");
		return 74;
	}
	return 0;
}

/*
 * cmd_user - the people of the web helpdesk:
 *   user add NAME --role viewer|handler|admin   password from the terminal
 *                                               (twice, not echoed) or one line of stdin
 *   user list [--format table|json|csv]
 *   user del NAME
 *   user token NAME                             print a new API token (only its hash is kept)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "../app/users.h"
#include "../util/msg.h"
#include "cli.h"
#include "helpdesk.h"

/* read_line - one line from fp into out (size n) without its newline; 0, -1 none or too long */
static int read_line(FILE *fp, char *out, size_t n)
{
	size_t len;

	if (fgets(out, (int)n, fp) == NULL)
		return -1;
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[--len] = '\0';
	else if (len == n - 1)
		return -1;
	if (len && out[len - 1] == '\r')
		out[--len] = '\0';
	return 0;
}

/* ask - prompt on the terminal and read without echo; 0 or -1 */
static int ask(const char *prompt, char *out, size_t n)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	int rc;

	if (tty == NULL)
		return -1;
	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) < 0) {
		fclose(tty);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	rc = read_line(tty, out, n);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	return rc;
}

/* read_password - from the terminal (twice) when stdin is one, else one line of stdin */
static int read_password(char *pw, size_t n)
{
	char again[APP_PASSWORD_MAX + 2];
	int rc = 0;

	if (!isatty(STDIN_FILENO)) {
		if (read_line(stdin, pw, n) < 0) {
			msg_error("no password on stdin (one line, at most %d bytes)", APP_PASSWORD_MAX);
			return -1;
		}
		return 0;
	}
	if (ask("Password: ", pw, n) < 0 || ask("Again: ", again, sizeof(again)) < 0)
		rc = -1;
	else if (strcmp(pw, again) != 0) {
		msg_error("the passwords differ");
		rc = -1;
	}
	memset(again, 0, sizeof(again));
	return rc;
}

/* user_add - `user add NAME --role ROLE` */
static int user_add(struct db *d, int argc, char **argv)
{
	char pw[APP_PASSWORD_MAX + 2];
	const char *role = NULL;
	int rc;

	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc && role == NULL)
			role = argv[++i];
		else
			return cli_usage("user");
	}
	if (role == NULL || !app_role_valid(role)) {
		msg_error("--role viewer, handler or admin");
		return cli_usage("user");
	}
	if (!app_user_name_valid(argv[2])) {
		msg_error("%s: a user name is 1-64 letters, digits, '.', '_' or '-'", argv[2]);
		return EX_DATAERR;
	}
	if (read_password(pw, sizeof(pw)) < 0)
		return EX_DATAERR;
	rc = app_user_add(d, argv[2], role, pw);
	memset(pw, 0, sizeof(pw));
	if (rc == 1) {
		msg_error("user %s exists", argv[2]);
		return EX_DATAERR;
	}
	if (rc == -3) {
		msg_error("an empty password or one over %d bytes", APP_PASSWORD_MAX);
		return EX_DATAERR;
	}
	if (rc != 0)
		return rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	printf("user %s added (%s)\n", argv[2], role);
	return EX_OK;
}

/* user_list - `user list [--format F]` */
static int user_list(struct db *d, int argc, char **argv)
{
	static const char *cols[] = { "name", "role", "created" };
	enum out_format f = OUT_TABLE;
	struct user_rows rows;
	struct table t;
	char w[32];

	if (argc == 4 && strcmp(argv[2], "--format") == 0) {
		if (out_format_parse(argv[3], &f) < 0)
			return cli_usage("user");
	} else if (argc != 2) {
		return cli_usage("user");
	}
	if (app_user_list(d, &rows) != DB_OK) {
		user_rows_free(&rows);
		return EX_SOFTWARE;
	}
	table_init(&t, 3, cols);
	for (size_t i = 0; i < rows.n; i++) {
		table_row(&t);
		table_set(&t, 0, rows.v[i].name);
		table_set(&t, 1, rows.v[i].role);
		hd_when(rows.v[i].created, f, w);
		table_set(&t, 2, w);
	}
	user_rows_free(&rows);
	table_print(&t, f, stdout);
	table_free(&t);
	return EX_OK;
}

int cmd_user(struct cli *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	char tok[APP_TOKEN_LEN + 1];
	struct db d;
	int rc;

	if (strcmp(sub, "list") != 0 && (argc < 3 || (strcmp(sub, "add") != 0 && argc != 3) ||
					 (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0 &&
					  strcmp(sub, "token") != 0)))
		return cli_usage("user");
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	if (strcmp(sub, "add") == 0) {
		rc = user_add(&d, argc, argv);
	} else if (strcmp(sub, "list") == 0) {
		rc = user_list(&d, argc, argv);
	} else if (strcmp(sub, "del") == 0) {
		rc = app_user_del(&d, argv[2]);
		if (rc == 1)
			msg_error("no user %s", argv[2]);
		else if (rc == 0)
			printf("user %s deleted, with its tokens and sessions\n", argv[2]);
		rc = rc == 0 ? EX_OK : rc == 1 ? EX_DATAERR : EX_SOFTWARE;
	} else {
		rc = app_token_new(&d, argv[2], tok);
		if (rc == 1)
			msg_error("no user %s", argv[2]);
		else if (rc == 0)
			printf("%s\n", tok);
		rc = rc == 0 ? EX_OK : rc == 1 ? EX_DATAERR : EX_SOFTWARE;
		memset(tok, 0, sizeof(tok));
	}
	db_close(&d);
	return rc;
}

/*
 * cmd_forward - `abusedesk forward REPORT [--to ADDR]`: pass a not_ours
 * report on to the outside network's abuse contact as an ARF report
 * (app/forward.h); notify sends it.
 *
 * Without --to the contact recorded on the report is used, else it is looked
 * up (RDAP) now. Works under every forward_not_ours policy: it is the
 * operator's decision.
 *
 * Exit status: 0 queued; 1 not forwarded (already forwarded, a loop, no
 * contact, rate-limited, not a not_ours report); 65 no such report or a bad
 * address; 64 usage.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../app/forward.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "commands.h"
#include "helpdesk.h"

int cmd_forward(struct cli *c, int argc, char **argv)
{
	const char *to = NULL;
	long long id = 0;
	enum fwd_outcome o;
	char dest[256];
	struct db d;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (id == 0 && hd_id(argv[i], &id) == 0)
			;
		else
			return cli_usage("forward");
	}
	if (id == 0)
		return cli_usage("forward");
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	rc = app_forward(&d, &c->cfg, id, to, 1, &o, dest, sizeof(dest));
	db_close(&d);
	if (rc != DB_OK) {
		msg_error("report %lld: cannot record the forward (%s)", id, rc == DB_BUSY ? "database locked" : "error");
		return EX_TEMPFAIL;
	}
	if (o == FWD_QUEUED) {
		printf("report %lld: forward to %s queued; 'abusedesk notify' sends it\n", id, dest);
		return EX_OK;
	}
	msg_error("report %lld: not forwarded: %s%s%s", id, fwd_outcome_text(o), dest[0] ? ": " : "",
		  str_has_ctl(dest, strlen(dest)) ? "?" : dest);
	return o == FWD_NO_REPORT || o == FWD_BAD_ADDRESS ? EX_DATAERR : 1;
}

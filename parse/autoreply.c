/*
 * autoreply - auto-replies that reach abuse@: RFC 3834 Auto-Submitted:
 * auto-replied, vacation and out-of-office notices, X-Autoreply,
 * Precedence: auto_reply. They are recorded, never treated as complaints.
 */
#include <string.h>
#include <strings.h>

#include "parse_int.h"

static const char *const subject_marks[] = {
	"out of office", "out of the office", "automatic reply", "auto reply", "autoreply",
	"auto-reply", "vacation", "abwesenheitsnotiz", "absence", "auto:",
	"automatische antwort", "réponse automatique",
};

/* autoreply_parse - 1 when the message is an auto-reply */
int autoreply_parse(struct pctx *c, struct report *r)
{
	struct mpart *m = c->msg;
	const char *s = r->subject;
	int yes = 0;
	size_t i;

	if (!m)
		return 0;
	if (header_is(m, "Auto-Submitted", "auto-replied") || header_is(m, "X-Autoreply", NULL) ||
	    header_is(m, "X-Autorespond", NULL) || header_is(m, "Precedence", "auto_reply"))
		yes = 1;
	for (i = 0; !yes && s && i < sizeof(subject_marks) / sizeof(subject_marks[0]); i++)
		if (mem_casestr(s, strlen(s), subject_marks[i]) == s ||
		    (i < 3 && mem_casestr(s, strlen(s), subject_marks[i])))
			yes = 1;
	if (!yes)
		return 0;
	r->format = FMT_AUTOREPLY;
	r->auto_submitted = 1;
	return 1;
}

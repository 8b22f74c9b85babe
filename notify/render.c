/*
 * render - the words of an incident notice, read from the database.
 *
 * From the incidents row, the report that triggered the notice and the
 * incident's first report, render builds the subject, a plain-text body
 * (what happened, evidence, counts, a sample of the reported message's
 * headers, advice for the verdict), the webhook JSON and the raw first
 * complaint to attach. Every string from a report is cleaned (controls,
 * invalid UTF-8, length) before it is placed; compose and mime take care
 * of the encoding on the wire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/json.h"
#include "../util/mem.h"
#include "internal.h"

#define RENDER_MAX_TEXT      (256 * 1024)
#define RENDER_MAX_EVIDENCE  30
#define RENDER_MAX_HDR_LINES 40
#define RENDER_MAX_LINE      300
#define RENDER_WIDTH         72

const char *render_verdict_words(const char *verdict)
{
	static const struct { const char *v, *w; } words[] = {
		{ "open_relay", "open relay" }, { "open_proxy", "open proxy" },
		{ "compromised_account", "compromised account" }, { "infected_host", "infected host" },
		{ "web_script", "abused web script" }, { "local_injection", "local injection" },
		{ "not_ours", "not our host" }, { "compromised_server", "compromised server" },
		{ "web_compromise", "web compromise" },
	};

	for (size_t i = 0; verdict && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].v, verdict) == 0)
			return words[i].w;
	return "abuse";
}

/* category_of - the report's category, NULL when unknown (rows parsed before categories) */
static const char *category_of(const struct outbox_report *r)
{
	return r && r->category && *r->category ? r->category : NULL;
}

/* about_mail - the incident's report is about mail: spam, a bounce, or it carries a message */
static int about_mail(const struct outbox_report *last, const struct outbox_report *first)
{
	const char *c = category_of(last);

	return c == NULL || strcmp(c, "spam") == 0 || (last && *last->orig_headers) ||
	       (first && *first->orig_headers) || (last && last->format && !strcmp(last->format, "dsn"));
}

/* host_of - the name to show for the abused host */
static const char *host_of(const struct outbox_incident *in)
{
	return *in->abused_host ? in->abused_host : *in->abused_ip ? in->abused_ip : in->key_host;
}

/* field - "Label:  value" with the value cleaned to one line */
static void field(struct buf *t, const char *label, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_printf(t, "  %-12s ", label);
	mime_clean(t, value, RENDER_MAX_LINE, 0);
	buf_putc(t, '\n');
}

/* put_time - "Label: 2024-05-01T10:00:00Z" */
static void put_time(struct buf *t, const char *label, long long when)
{
	char ts[32];

	if (when <= 0)
		return;
	time_rfc3339((time_t)when, ts);
	field(t, label, ts);
}

/* put_block - a multi-line hostile text, each line cleaned, indented and capped */
static void put_block(struct buf *t, const char *text, size_t max_lines)
{
	struct buf clean;
	size_t lines = 0;
	char *save = NULL, *line;

	buf_init(&clean, 0);
	mime_clean(&clean, text, 64 * 1024, 1);
	for (line = strtok_r(clean.data, "\n", &save); line && lines < max_lines;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		buf_puts(t, "    ");
		mime_clean(t, line, RENDER_MAX_LINE, 0);
		buf_putc(t, '\n');
	}
	if (line)
		buf_puts(t, "    [...]\n");
	buf_free(&clean);
}

/* put_wrapped - text cleaned to one line, then word-wrapped at RENDER_WIDTH
 * columns (UTF-8 characters): the first line after indent, the rest after
 * hang; a word longer than a line stands alone on its line */
static void put_wrapped(struct buf *t, const char *text, const char *indent, const char *hang)
{
	struct buf clean;
	const char *p, *lead = indent;
	size_t col = 0;

	buf_init(&clean, 0);
	mime_clean(&clean, text, 64 * 1024, 0);
	p = clean.data ? clean.data : "";
	while (*p) {
		const char *w;
		size_t bytes, chars = 0;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p && *p != ' '; p++)
			if (((unsigned char)*p & 0xc0) != 0x80)
				chars++;
		bytes = (size_t)(p - w);
		if (col > 0 && col + 1 + chars > RENDER_WIDTH) {
			buf_putc(t, '\n');
			col = 0;
		}
		if (col == 0) {
			buf_puts(t, lead);
			col = strlen(lead);
			lead = hang;
		} else {
			buf_putc(t, ' ');
			col++;
		}
		buf_append(t, w, bytes);
		col += chars;
	}
	if (col > 0)
		buf_putc(t, '\n');
	buf_free(&clean);
}

/* put_facts - the summary block */
static void put_facts(struct buf *t, const struct outbox_incident *in, const struct outbox_report *r)
{
	char num[96];

	snprintf(num, sizeof(num), "#%lld", in->id);
	field(t, "Incident:", num);
	snprintf(num, sizeof(num), "%s (confidence %s)", render_verdict_words(in->verdict),
		 *in->confidence ? in->confidence : "unknown");
	field(t, "Verdict:", num);
	field(t, "Category:", category_of(r));
	field(t, "Host:", host_of(in));
	if (*in->abused_host)
		field(t, "Address:", in->abused_ip);
	field(t, "Owner:", in->owner);
	field(t, "Account:", in->auth_user);
	field(t, "Injected by:", r ? r->injector_ip : NULL);
	put_time(t, "First seen:", in->first_seen);
	put_time(t, "Last seen:", in->last_seen);
	snprintf(num, sizeof(num), "%ld (%ld distinct message%s, %ld reporter%s)", in->reports,
		 in->messages, in->messages == 1 ? "" : "s", in->reporters, in->reporters == 1 ? "" : "s");
	field(t, "Reports:", num);
	field(t, "Status:", in->status);
}

/* put_happened - what happened, in words for a customer: who complained
 * about what, and how the mail was sent (advice_what_happened) */
static void put_happened(struct buf *t, const struct outbox_incident *in,
			 const struct outbox_report *last, const char *expl)
{
	struct buf p;
	const char *words = advice_category_words(category_of(last));

	buf_init(&p, 0);
	if (!about_mail(last, NULL)) {
		buf_puts(&p, "We received a report of ");
		buf_puts(&p, words ? words : "abuse");
		buf_puts(&p, " involving ");
		mime_clean(&p, host_of(in), 200, 0);
		buf_puts(&p, ". ");
		buf_puts(&p, advice_happened_report(in->verdict, category_of(last)));
		put_wrapped(t, p.data, "    ", "    ");
		buf_free(&p);
		return;
	}
	buf_puts(&p, "People who received mail from ");
	mime_clean(&p, host_of(in), 200, 0);
	buf_puts(&p, " reported it to us as unwanted (spam or other abuse).");
	if ((last && last->format && strcmp(last->format, "dsn") == 0) ||
	    strncmp(expl, "backscatter", 11) == 0)
		buf_puts(&p, " The complaint was a bounce: someone received an error message "
			 "about mail they never sent, because mail that went out through our "
			 "network used their address as its sender.");
	buf_putc(&p, ' ');
	buf_puts(&p, advice_what_happened(in->verdict));
	put_wrapped(t, p.data, "    ", "    ");
	buf_free(&p);
}

/* put_text - the whole body */
static void put_text(struct buf *t, const struct config *cfg, const char *reason,
		     const struct outbox_incident *in, const struct outbox_report *last,
		     const struct outbox_report *first, int attached)
{
	struct strlist ev = { 0 };
	const char *expl = *in->explanation ? in->explanation : last ? last->explanation : "";
	int mail = about_mail(last, first);
	const char *words = advice_category_words(category_of(last));

	buf_puts(t, "Hello,\n\nthis is the abuse desk of ");
	mime_clean(t, cfg->organization, 200, 0);
	buf_printf(t, ". %s about %s\nthat we traced to a host you are responsible for.\n\n",
		   strcmp(reason, "reopened") == 0 ? "A resolved incident has new complaints" :
		   strcmp(reason, "grew") == 0 ? "An incident you know of keeps growing" :
		   "We received complaints", mail ? "mail" : words ? words : "abuse");
	put_facts(t, in, last);
	buf_puts(t, "\nWhat happened\n\n");
	put_happened(t, in, last, expl);
	buf_puts(t, "\nWhat to do\n\n");
	put_block(t, mail ? advice_for(in->verdict) : advice_for_report(in->verdict, category_of(last)), 60);
	evidence_from_json(last ? last->trace_json : NULL, &ev, RENDER_MAX_EVIDENCE);
	if (mail)
		buf_puts(t, "\nTechnical evidence\n\n"
			 "For your mail administrator: how we traced the mail, from the\n"
			 "Received headers of the reported message (hop 1 is the last server\n"
			 "it passed; \"egress\" is where it left our network, \"ingress\"\n"
			 "where it entered our servers).\n\n");
	else
		buf_puts(t, "\nTechnical evidence\n\n"
			 "For your administrator: the address (or URL) the report named,\n"
			 "which field of the report named it, and what our inventory and\n"
			 "NAT records say of it.\n\n");
	put_wrapped(t, *expl ? expl : "(no explanation recorded)", "  ", "  ");
	if (ev.n)
		buf_putc(t, '\n');
	for (size_t i = 0; i < ev.n; i++)
		put_wrapped(t, ev.v[i], "  - ", "    ");
	strlist_free(&ev);
	if (first && *first->orig_headers) {
		buf_puts(t, "\nHeaders of the reported message (first complaint, as received)\n\n");
		put_block(t, first->orig_headers, RENDER_MAX_HDR_LINES);
	}
	if (attached)
		buf_puts(t, "\nThe first complaint is attached as it reached us.\n");
	buf_puts(t, "\nPlease reply to this message when the problem is fixed.\n\n-- \nabusedesk for ");
	mime_clean(t, cfg->organization, 200, 0);
	buf_puts(t, " <");
	mime_clean(t, cfg->team_address, 254, 0);
	buf_puts(t, ">\n");
}

/* put_json - the webhook body */
static void put_json(struct buf *j, const char *reason, const struct outbox_incident *in,
		     const struct outbox_report *last)
{
	struct strlist ev = { 0 };
	char ts[32];
	int first = 1;

	buf_putc(j, '{');
	json_kv_str(j, &first, "event", reason);
	json_kv_int(j, &first, "incident", in->id);
	json_kv_str(j, &first, "verdict", in->verdict);
	json_kv_str(j, &first, "category", category_of(last));
	json_kv_str(j, &first, "status", in->status);
	json_kv_str(j, &first, "host", host_of(in));
	json_kv_str(j, &first, "ip", *in->abused_ip ? in->abused_ip : NULL);
	json_kv_str(j, &first, "owner", *in->owner ? in->owner : NULL);
	json_kv_str(j, &first, "account", *in->auth_user ? in->auth_user : NULL);
	json_kv_int(j, &first, "reports", in->reports);
	json_kv_int(j, &first, "messages", in->messages);
	json_kv_int(j, &first, "reporters", in->reporters);
	time_rfc3339((time_t)in->first_seen, ts);
	json_kv_str(j, &first, "first_seen", ts);
	time_rfc3339((time_t)in->last_seen, ts);
	json_kv_str(j, &first, "last_seen", ts);
	json_kv_str(j, &first, "explanation", *in->explanation ? in->explanation :
		    last ? last->explanation : NULL);
	json_key(j, &first, "evidence");
	evidence_from_json(last ? last->trace_json : NULL, &ev, RENDER_MAX_EVIDENCE);
	buf_putc(j, '[');
	for (size_t i = 0; i < ev.n; i++) {
		if (i)
			buf_putc(j, ',');
		json_str(j, ev.v[i]);
	}
	buf_puts(j, "]}");
	strlist_free(&ev);
}

/* make_subject - "[abuse #123] open relay on mx2.example.net (5 reports)" */
static char *make_subject(const struct outbox_incident *in, const struct outbox_report *last)
{
	const char *words = advice_category_words(category_of(last));

	struct buf s;
	char *subject;

	buf_init(&s, 0);
	buf_printf(&s, "[abuse #%lld] %s on ", in->id, render_verdict_words(in->verdict));
	mime_clean(&s, host_of(in), 200, 0);
	if (words && strcmp(category_of(last), "spam") != 0)
		buf_printf(&s, " (%s, %ld report%s)", words, in->reports, in->reports == 1 ? "" : "s");
	else
		buf_printf(&s, " (%ld report%s)", in->reports, in->reports == 1 ? "" : "s");
	subject = buf_steal(&s);
	buf_free(&s);
	return subject;
}

void render_notice(const struct config *cfg, const struct outbox_incident *in,
		   const struct outbox_report *last, const struct outbox_report *first,
		   const char *reason, char *attach, size_t attach_len, struct notice *n)
{
	memset(n, 0, sizeof(*n));
	buf_init(&n->text, RENDER_MAX_TEXT);
	buf_init(&n->json, RENDER_MAX_TEXT);
	if (attach && attach_len > 0 && attach_len <= RENDER_MAX_ATTACH) {
		n->attach = attach;
		n->attach_len = attach_len;
	} else {
		free(attach);
	}
	n->subject = make_subject(in, last);
	put_text(&n->text, cfg, reason, in, last, first, n->attach != NULL);
	put_json(&n->json, reason, in, last);
}

void notice_free(struct notice *n)
{
	buf_free(&n->text);
	buf_free(&n->json);
	free(n->subject);
	free(n->attach);
	memset(n, 0, sizeof(*n));
}

int render_notice_mail(const struct config *cfg, long long incident_id, const char *to,
		       const struct notice *n, const char *message_id, long long date, struct buf *out)
{
	struct mail m = { 0 };

	m.from = cfg->from_address;
	m.to = to;
	m.reply_to = cfg->team_address;   /* the body asks the owner to reply */
	m.subject = n->subject;
	m.message_id = message_id;
	m.organization = cfg->organization;
	m.date = date;
	m.incident_id = incident_id;
	m.text = n->text.data;
	m.attach = n->attach;
	m.attach_len = n->attach_len;
	return compose_mail(&m, out);
}

/*
 * ses - Amazon SES complaint notifications: the feedback loop of a desk
 * that sends through SES. SES writes a JSON notification (documented as
 * "Amazon SES notification contents": notificationType, complaint, mail)
 * and delivers it as mail, either as it stands (an email-feedback topic)
 * or inside an SNS envelope whose "Message" member holds it as a string.
 *
 * A complaint's recipients (complaint.complainedRecipients[].emailAddress),
 * feedback type (complaintFeedbackType, "abuse" when absent), user agent,
 * arrival date, and of the complained-about message its envelope sender
 * (mail.source) and the address that handed it to SES (mail.sourceIp: the
 * host of ours that sent it, the report's source). Bounce and delivery
 * notifications are the bounce reader's (dsn_ses.c). json-glib reads the
 * JSON (loaded on first use, xarf_dl.h), nesting capped before it parses.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "xarf_dl.h"
#include "../util/mem.h"

#define SES_MAX_JSON  (1024 * 1024)   /* the notification looked at */
#define SES_MAX_DEPTH 32
#define SES_MAX_RCPTS 100

/* object_end - the end of the JSON object starting at s[0] == '{' (one past
 * its '}'), strings and escapes skipped; NULL when it never closes */
static const char *object_end(const char *s, const char *e)
{
	int depth = 0, str = 0;

	for (const char *p = s; p < e; p++) {
		if (str) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				str = 0;
		} else if (*p == '"') {
			str = 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return NULL;
}

/* member - o's member named key, or NULL */
static JsonNode *member(JsonObject *o, const char *key)
{
	return o ? json_object_get_member(o, key) : NULL;
}

/* obj - o's object member named key, or NULL */
static JsonObject *obj(JsonObject *o, const char *key)
{
	JsonNode *v = member(o, key);

	return v && JSON_NODE_HOLDS_OBJECT(v) ? json_node_get_object(v) : NULL;
}

/* str - o's string member named key, or NULL */
static const char *str(JsonObject *o, const char *key)
{
	JsonNode *v = member(o, key);

	if (!v || !JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(v);
}

/* load - the JSON object in t[0..n) (parser kept in *jp), or NULL */
static JsonObject *load(struct report *r, JsonParser **jp, const char *t, size_t n)
{
	JsonNode *root;
	GError *err = NULL;

	if (xarf_json_depth(t, n, SES_MAX_DEPTH) > SES_MAX_DEPTH) {
		report_warn(r, "SES notification nested deeper than %d; not read", SES_MAX_DEPTH);
		return NULL;
	}
	*jp = json_parser_new_immutable();
	if (!json_parser_load_from_data(*jp, t, (gssize)n, &err)) {
		if (err)
			g_error_free(err);
		return NULL;
	}
	root = json_parser_get_root(*jp);
	return root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
}

/* complaint - the notification's fields into r */
static void complaint(struct report *r, JsonObject *n)
{
	JsonObject *c = obj(n, "complaint"), *m = obj(n, "mail");
	JsonNode *rc = member(c, "complainedRecipients");
	const char *v;
	char *a;

	v = str(c, "complaintFeedbackType");
	set_str_lower(&r->feedback_type, v && *v ? v : "abuse");
	set_str(&r->user_agent, str(c, "userAgent"));
	if ((v = str(c, "arrivalDate")) != NULL || (v = str(c, "timestamp")) != NULL)
		set_arrival(r, v);
	if (rc && JSON_NODE_HOLDS_ARRAY(rc)) {
		JsonArray *arr = json_node_get_array(rc);
		guint k = json_array_get_length(arr);

		if (k > SES_MAX_RCPTS) {
			report_warn(r, "SES complaint names %u recipients; the first %d kept", k, SES_MAX_RCPTS);
			k = SES_MAX_RCPTS;
		}
		for (guint i = 0; i < k; i++) {
			JsonNode *e = json_array_get_element(arr, i);

			if (e && JSON_NODE_HOLDS_OBJECT(e) &&
			    (a = addr_only(str(json_node_get_object(e), "emailAddress"))) != NULL) {
				list_add(r, &r->original_rcpt_to, a, "recipients");
				free(a);
			}
		}
	}
	if ((a = addr_only(str(m, "source"))) != NULL) {
		set_str(&r->original_mail_from, a);
		free(a);
	}
	if ((v = str(m, "sourceIp")) != NULL && !set_source_ip(r, v))
		report_warn(r, "SES mail.sourceIp is not an address (%.60s)", v);
	if (r->source_ip)
		set_str(&r->source_field, "SES mail.sourceIp");
}

/* ses_parse - an Amazon SES complaint notification; 1 when taken */
int ses_parse(struct pctx *c, struct report *r)
{
	const char *t = c->body_text, *e, *s, *nt;
	JsonParser *jp = NULL, *jp2 = NULL;
	JsonObject *n;
	size_t len = c->body_text_len < SES_MAX_JSON ? c->body_text_len : SES_MAX_JSON;
	int taken = 0;
	char why[256];

	if (t == NULL || !mem_casestr(t, len, "notificationType") ||
	    (s = memchr(t, '{', len)) == NULL || (e = object_end(s, t + len)) == NULL)
		return 0;
	if (xarf_json_load(why, sizeof(why)) < 0) {
		report_warn(r, "SES notification not read: %s", why);
		return 0;
	}
	if ((n = load(r, &jp, s, (size_t)(e - s))) == NULL)
		goto out;
	if (!str(n, "notificationType") && (nt = str(n, "Message")) != NULL) {
		/* an SNS envelope: the notification is its Message string */
		n = load(r, &jp2, nt, strlen(nt));
		if (n == NULL)
			goto out;
	}
	if ((nt = str(n, "notificationType")) == NULL || strcasecmp(nt, "Complaint") != 0 ||
	    !obj(n, "complaint"))
		goto out;
	r->format = FMT_SES;
	complaint(r, n);
	taken = 1;
out:
	if (jp2)
		g_object_unref(jp2);
	if (jp)
		g_object_unref(jp);
	return taken;
}

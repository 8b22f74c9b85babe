/*
 * notify/internal.h - rendering and transport: header and body encoding
 * (mime.c), message assembly (compose.c), rendering of incident notices
 * from the records handed in (render.c, evidence.c, advice.c) and the two
 * transports (smtp.c, webhook.c). Used by notify/, its tests, and the
 * queueing and send loop of app/notify*.c; nothing here reads the database
 * or the spool.
 */
#ifndef AD_NOTIFY_INTERNAL_H
#define AD_NOTIFY_INTERNAL_H

#include <stddef.h>

#include "../db/outbox.h"
#include "../util/buf.h"
#include "../util/config.h"
#include "../util/str.h"

/* ---- mime.c: make hostile text safe for headers and bodies ---- */
#define MIME_MAX_HEADER_VALUE 900   /* bytes of a header value before encoding */

/* mime_addr_ok - 1 when addr is a plain addr-spec (dot-atom@domain), no CR/LF, no display name */
int mime_addr_ok(const char *addr);
/* mime_clean - append s as valid UTF-8: invalid bytes -> U+FFFD, controls -> space
 * (LF kept when multiline, CR dropped), at most max bytes (cut at a character, "...") */
void mime_clean(struct buf *out, const char *s, size_t max, int multiline);
/* mime_header - append "Name: value" CRLF: value cleaned, RFC 2047-encoded when it
 * holds non-ASCII, "=?" or an unfoldable word, folded at 78 columns */
void mime_header(struct buf *out, const char *name, const char *value);
/* mime_qp - append text (LF or CRLF lines) quoted-printable with CRLF, lines <= 76 */
void mime_qp(struct buf *out, const char *text, size_t len);
/* mime_crlf - append data with every CR, LF or CRLF as CRLF */
void mime_crlf(struct buf *out, const char *data, size_t len);
/* mime_random_hex - 2*nbytes hex digits of randomness into out (size >= 2*nbytes+1) */
void mime_random_hex(char *out, size_t nbytes);
/* mime_date - RFC 5322 date of t in UTC */
void mime_date(long long t, char out[64]);
/* mime_message_id - a new unique "<...@domain>" with the domain of from_addr */
void mime_message_id(const char *from_addr, char *out, size_t outlen);
/* mime_line_max - the longest line (bytes between line breaks) in data */
size_t mime_line_max(const char *data, size_t len);

/* ---- compose.c: one RFC 5322 message ---- */
struct mail {
	const char *from, *to, *subject, *message_id, *auto_submitted;
	const char *in_reply_to;        /* optional "<...>" */
	const char *reply_to;           /* optional addr-spec for Reply-To */
	const char *organization;       /* display name for From, optional */
	long long date;
	long long incident_id;          /* X-Abusedesk-Incident when > 0 */
	const char *text;               /* the UTF-8 body, LF lines */
	const char *attach;             /* optional raw message to attach */
	size_t attach_len;
	/*
	 * An ARF report (RFC 5965) when set: multipart/report;
	 * report-type=feedback-report of the text, this message/feedback-report
	 * part (fields, LF or CRLF lines, written with CRLF) and the attachment.
	 */
	const char *feedback;
	const char *forward_id;         /* X-Abusedesk-Forward: marks our forward (loops) */
};
/* compose_mail - the whole message with CRLF line ends into out; 0 or -1 (too big) */
/* FORWARD_HEADER - the header and feedback field naming our forward of a report */
#define FORWARD_HEADER "X-Abusedesk-Forward"
int compose_mail(const struct mail *m, struct buf *out);

/* ---- render.c: incident notices from records ---- */
struct notice {
	struct buf text;        /* body text (UTF-8, LF) */
	struct buf json;        /* webhook body */
	char *subject;
	char *attach;           /* raw first report, or NULL */
	size_t attach_len;
};
/* render_notice - the subject, text body and webhook JSON for incident in,
 * from the report that triggered it (last) and the first one (first), either
 * NULL when unknown. attach (malloc'd, or NULL) is the raw first report: n
 * takes it when it is at most RENDER_MAX_ATTACH bytes, else frees it. */
#define RENDER_MAX_ATTACH (10L * 1024 * 1024)
void render_notice(const struct config *cfg, const struct outbox_incident *in,
		   const struct outbox_report *last, const struct outbox_report *first,
		   const char *reason, char *attach, size_t attach_len, struct notice *n);
void notice_free(struct notice *n);
/* render_notice_mail - the notice as one message to 'to' with this Message-ID
 * and date (compose_mail); 0 or -1 (bad address, too big) */
int render_notice_mail(const struct config *cfg, long long incident_id, const char *to,
		       const struct notice *n, const char *message_id, long long date, struct buf *out);
/* render_verdict_words - "open relay" for "open_relay" (static storage) */
const char *render_verdict_words(const char *verdict);

/* ---- evidence.c / advice.c ---- */
/* evidence_from_json - the strings of the top-level "evidence" array of a trace
 * JSON object into l (at most max); malformed JSON yields what was read */
void evidence_from_json(const char *json, struct strlist *l, size_t max);
/* advice_for - what the owner should do about a verdict (static text, LF lines) */
const char *advice_for(const char *verdict);
/* advice_what_happened - how the mail was sent, per verdict, in words for a
 * customer (static text, one paragraph, not wrapped) */
const char *advice_what_happened(const char *verdict);
/* advice_for_report, advice_happened_report - the same for a report of a
 * category (spam, login-attack, scan, ...; NULL: mail): reports that are not
 * about mail get text written for their category and verdict */
const char *advice_for_report(const char *verdict, const char *category);
const char *advice_happened_report(const char *verdict, const char *category);
/* advice_category_words - "login attacks", "phishing" ...; NULL when unknown */
const char *advice_category_words(const char *category);

/* ---- transports ---- */
enum send_result { SEND_OK = 0, SEND_TEMP = 1, SEND_PERM = 2 };
/* smtp_send - deliver one message; err gets the server's or libcurl's reason.
 * null_sender: MAIL FROM:<> (RFC 3834 auto-replies, so nothing answers them) */
enum send_result smtp_send(const struct config *cfg, const char *rcpt, const char *data,
			   size_t len, int null_sender, char *err, size_t errlen);
/* webhook_sign - "sha256=<hex HMAC-SHA256(secret, body)>" into out */
void webhook_sign(const char *secret, const char *body, size_t len, char *out, size_t outlen);
/* webhook_url_ok - 1 for an http:// or https:// URL without controls or spaces */
int webhook_url_ok(const char *url);
/* webhook_send - POST body as JSON to url, signed */
enum send_result webhook_send(const struct config *cfg, const char *url, const char *body,
			      size_t len, const char *delivery_id, char *err, size_t errlen);

#endif

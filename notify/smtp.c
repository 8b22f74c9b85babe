/*
 * smtp - hand one message to the configured mail server with libcurl.
 *
 * smtp:// or smtps:// from cfg->smtp_url; STARTTLS when offered (smtp_tls
 * try) or required (required); AUTH with smtp_user/smtp_password when set;
 * connect and total timeouts of cfg->smtp_timeout. Only the smtp and smtps
 * protocols are allowed. The server's certificate and name are always
 * verified, against cfg->smtp_ca_file when set, else the system's CAs; an
 * smtp_tls other than none, try or required sends nothing. The result says whether to retry: a 5xx reply is
 * permanent, anything else that is not a 2xx acceptance (4xx, no answer,
 * timeout, TLS or login trouble, including the 5xx replies of RFC 4954 that
 * say our login or TLS is wrong) is temporary. The server's last refusal
 * (else its last reply line) goes into err so `abusedesk notify --status`
 * can show it.
 */
#include "curl_dl.h"
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct upload {
	const char *data;
	size_t len, off;
	char last[256];         /* the server's last reply line */
	char refusal[256];      /* its last 4xx or 5xx reply line */
};

/* reader - CURLOPT_READFUNCTION over the message in memory */
static size_t reader(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(ptr, u->data + u->off, n);
	u->off += n;
	return n;
}

/* tracer - remember the last line the server sent, and its last refusal
 * (the 221 answer to the QUIT after a refusal must not hide the refusal) */
static int tracer(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct upload *u = ud;
	size_t n = 0;

	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (n < size && n < sizeof(u->last) - 1 && data[n] != '\r' && data[n] != '\n') {
		u->last[n] = (data[n] < 0x20 || data[n] == 0x7f) ? ' ' : data[n];
		n++;
	}
	u->last[n] = '\0';
	if (u->last[0] == '4' || u->last[0] == '5')
		memcpy(u->refusal, u->last, n + 1);
	return 0;
}

/* tls_mode - smtp_tls as a libcurl setting; -1 for an unknown word */
static long tls_mode(const char *s)
{
	if (s == NULL || *s == '\0' || strcmp(s, "try") == 0)
		return (long)CURLUSESSL_TRY;
	if (strcmp(s, "required") == 0)
		return (long)CURLUSESSL_ALL;
	if (strcmp(s, "none") == 0)
		return (long)CURLUSESSL_NONE;
	return -1;
}

/* our_fault - a refusal of our login or of our lack of TLS (RFC 4954: 530
 * authentication required, 534 mechanism too weak, 535 credentials invalid,
 * 538 encryption required): fixed in our configuration, not the message */
static int our_fault(CURLcode cc, long code)
{
	return cc == CURLE_LOGIN_DENIED || code == 530 || code == 534 || code == 535 || code == 538;
}

/* classify - the outcome of one transfer */
static enum send_result classify(CURLcode cc, long code, const struct upload *u, const char *ebuf,
				 char *err, size_t errlen)
{
	if (cc == CURLE_OK)
		return SEND_OK;
	if (code >= 400 && (*u->refusal || *u->last))
		snprintf(err, errlen, "smtp: %s", *u->refusal ? u->refusal : u->last);
	else
		snprintf(err, errlen, "smtp: %s", *ebuf ? ebuf : curl_easy_strerror(cc));
	if (our_fault(cc, code))
		return SEND_TEMP;
	return code >= 500 && code < 600 ? SEND_PERM : SEND_TEMP;
}

enum send_result smtp_send(const struct config *cfg, const char *rcpt, const char *data,
			   size_t len, int null_sender, char *err, size_t errlen)
{
	struct upload u = { data, len, 0, "", "" };
	char from[300], to[300], ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *rcpts = NULL;
	enum send_result res;
	long code = 0;
	CURLcode cc;
	CURL *h;

	if (!mime_addr_ok(cfg->from_address) || !mime_addr_ok(rcpt)) {
		snprintf(err, errlen, "refusing to send: %s is not a plain address (addr-spec)",
			 mime_addr_ok(rcpt) ? "from_address" : "the recipient");
		return SEND_PERM;
	}
	if (curl_dl_load(err, errlen) < 0)
		return SEND_TEMP;
	if (tls_mode(cfg->smtp_tls) < 0) {
		snprintf(err, errlen, "smtp: smtp_tls is \"%.40s\": want none, try or required",
			 cfg->smtp_tls);
		return SEND_TEMP;
	}
	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "smtp: cannot initialise libcurl");
		return SEND_TEMP;
	}
	snprintf(from, sizeof(from), "<%s>", null_sender ? "" : cfg->from_address);
	snprintf(to, sizeof(to), "<%s>", rcpt);
	rcpts = curl_slist_append(rcpts, to);
	curl_easy_setopt(h, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_USE_SSL, tls_mode(cfg->smtp_tls));
	if (cfg->smtp_ca_file && *cfg->smtp_ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->smtp_ca_file);
	if (cfg->smtp_user && *cfg->smtp_user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, reader);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, cfg->smtp_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, cfg->smtp_timeout);
	/* also bounds the wait for each reply, QUIT included: without it a server
	 * that stalls after DATA holds us well past the timeout while libcurl
	 * says goodbye */
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, cfg->smtp_timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, tracer);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &u);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	res = classify(cc, code, &u, ebuf, err, errlen);
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(h);
	return res;
}

/*
 * probe_io - one TCP connection to an approved probe target, with a deadline
 * on every step and a sanitised, capped transcript of what went each way.
 *
 * The only connect() in the probe is here, and it refuses a target that the
 * policy (probe_check_target) did not approve.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../util/msg.h"
#include "probe_int.h"

/* sanitize_line - printable ASCII copy of s (other bytes as \xNN) into out */
void sanitize_line(const void *s, size_t n, char *out, size_t size)
{
	const unsigned char *p = s;
	size_t o = 0;

	if (size == 0)
		return;
	for (size_t i = 0; i < n && o + 5 < size; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", p[i]);
	}
	out[o] = '\0';
}

/* tr_add - append "PREFIX" + sanitised bytes + "\n" to the transcript (capped) */
void tr_add(struct buf *tr, const char *prefix, const void *s, size_t n)
{
	char line[4 * PIO_LINE_MAX + 8];

	if (tr == NULL || tr->toobig)
		return;
	sanitize_line(s, n > PIO_LINE_MAX ? PIO_LINE_MAX : n, line, sizeof(line));
	if (tr->len + strlen(prefix) + strlen(line) + 64 > tr->max) {
		buf_puts(tr, "[transcript truncated]\n");
		tr->toobig = 1;
		return;
	}
	buf_printf(tr, "%s%s%s\n", prefix, line, n > PIO_LINE_MAX ? " [cut]" : "");
}

/* tr_note - a "* " line of our own */
void tr_note(struct buf *tr, const char *fmt, ...)
{
	char line[PIO_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	tr_add(tr, "* ", line, strlen(line));
}

/* to_sockaddr - an ipaddr and port as sockaddr (IPv4 for mapped addresses) */
static socklen_t to_sockaddr(const struct ipaddr *ip, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ip_is_v4(ip)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		memcpy(&s4->sin_addr, ip->b + 12, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((unsigned short)port);
	memcpy(&s6->sin6_addr, ip->b, 16);
	return sizeof(*s6);
}

/* wait_fd - poll for ev until the step deadline; 1 ready, 0 timeout, -1 error */
static int wait_fd(struct pio *p, short ev)
{
	struct pollfd pf = { .fd = p->fd, .events = ev };
	int rc;

	do
		rc = poll(&pf, 1, (int)p->timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		snprintf(p->err, sizeof(p->err), "timed out after %ld s", p->timeout_ms / 1000);
	else if (rc < 0)
		snprintf(p->err, sizeof(p->err), "poll: %s", strerror(errno));
	return rc > 0 ? 1 : rc;
}

/* pio_connect - connect to t:port (t must be approved); 0, -1 (p->err) or PIO_REFUSED */
int pio_connect(struct pio *p, const struct probe_target *t, int port, long timeout, struct buf *tr)
{
	struct sockaddr_storage ss;
	socklen_t len, elen = sizeof(int);
	int e = 0;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->tr = tr;
	p->timeout_ms = (timeout > 0 ? timeout : 10) * 1000;
	if (t == NULL || t->approved != PROBE_APPROVED || port <= 0 || port > 65535) {
		snprintf(p->err, sizeof(p->err), "target not approved by the probe policy");
		msg_error("probe: refusing to connect to an unapproved target");
		return -1;
	}
	len = to_sockaddr(&t->ip, port, &ss);
	tr_note(tr, "connect %s port %d", t->text, port);
	if ((p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		snprintf(p->err, sizeof(p->err), "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(p->fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS)
			e = errno;
		else if (wait_fd(p, POLLOUT) <= 0) {
			tr_note(tr, "%s", p->err);
			pio_close(p);
			return -1;
		} else if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			e = errno;
	}
	if (e != 0) {
		snprintf(p->err, sizeof(p->err), "%s", strerror(e));
		tr_note(tr, "%s", p->err);
		pio_close(p);
		return e == ECONNREFUSED ? PIO_REFUSED : -1;
	}
	return 0;
}

/* pio_close - close the connection (idempotent) */
void pio_close(struct pio *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* pio_send - write all of s (n bytes), logged as "C: " lines; 0 or -1 */
int pio_send(struct pio *p, const void *s, size_t n)
{
	const unsigned char *c = s;
	size_t off = 0;

	for (size_t i = 0; i < n; i++)             /* one transcript line per line sent */
		if (c[i] == '\n' || i + 1 == n) {
			size_t e = i + 1;
			while (e > off && (c[e - 1] == '\n' || c[e - 1] == '\r'))
				e--;
			tr_add(p->tr, "C: ", c + off, e - off);
			off = i + 1;
		}
	for (off = 0; off < n;) {
		ssize_t w = send(p->fd, c + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(p, POLLOUT) <= 0)
				return -1;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(p->err, sizeof(p->err), "send: %s", strerror(errno));
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

int pio_sendstr(struct pio *p, const char *s)
{
	return pio_send(p, s, strlen(s));
}

/* fill - read more into rbuf; 0, or -1 (timeout, EOF, error) */
static int fill(struct pio *p)
{
	ssize_t r;

	if (p->eof) {
		snprintf(p->err, sizeof(p->err), "connection closed by the server");
		return -1;
	}
	for (;;) {
		if (wait_fd(p, POLLIN) <= 0)
			return -1;
		r = recv(p->fd, p->rbuf + p->rlen, sizeof(p->rbuf) - p->rlen, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			snprintf(p->err, sizeof(p->err), "recv: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			p->eof = 1;
			snprintf(p->err, sizeof(p->err), "connection closed by the server");
			return -1;
		}
		p->rlen += (size_t)r;
		return 0;
	}
}

/* take - remove n bytes from the front of rbuf */
static void take(struct pio *p, size_t n)
{
	memmove(p->rbuf, p->rbuf + n, p->rlen - n);
	p->rlen -= n;
}

/* pio_line - one line without CR LF into line (cut at size-1), logged as "S: "; 0, or -1 */
int pio_line(struct pio *p, char *line, size_t size)
{
	size_t have = 0, logged = 0;
	char raw[PIO_LINE_MAX];

	for (;;) {
		unsigned char *nl = memchr(p->rbuf, '\n', p->rlen);
		size_t n = nl ? (size_t)(nl - p->rbuf) : p->rlen;
		size_t keep = n < sizeof(raw) - 1 - have ? n : sizeof(raw) - 1 - have;

		memcpy(raw + have, p->rbuf, keep);
		have += keep;
		logged += n;
		take(p, nl ? n + 1 : n);
		if (nl)
			break;
		if (fill(p) < 0) {
			if (have > 0)
				tr_add(p->tr, "S: ", raw, have);
			return -1;
		}
	}
	while (have > 0 && raw[have - 1] == '\r')
		have--;
	tr_add(p->tr, "S: ", raw, have);
	if (logged > have + 1)
		tr_note(p->tr, "(line of %zu bytes cut)", logged);
	sanitize_line(raw, have, line, size);
	return 0;
}

/* pio_read - up to n raw bytes (at least 1); bytes read, or -1 */
int pio_read(struct pio *p, unsigned char *out, size_t n)
{
	size_t k;

	if (p->rlen == 0 && fill(p) < 0)
		return -1;
	k = p->rlen < n ? p->rlen : n;
	memcpy(out, p->rbuf, k);
	take(p, k);
	return (int)k;
}

/* pio_readn - exactly n raw bytes, logged as hex; 0 or -1 */
int pio_readn(struct pio *p, unsigned char *out, size_t n)
{
	size_t got = 0;
	int r;

	while (got < n) {
		if ((r = pio_read(p, out + got, n - got)) < 0) {
			if (got)
				tr_add(p->tr, "S: ", out, got);
			return -1;
		}
		got += (size_t)r;
	}
	tr_add(p->tr, "S: ", out, n);
	return 0;
}

/* pio_smtp_reply - read a (multi-line) reply; the code, or -1 */
int pio_smtp_reply(struct pio *p, char *first, size_t size)
{
	char line[PIO_LINE_MAX];
	int code = -1;

	for (int i = 0; i < PIO_REPLY_LINES; i++) {
		if (pio_line(p, line, sizeof(line)) < 0)
			return -1;
		if (i == 0 && first)
			snprintf(first, size, "%s", line);
		if (strlen(line) < 3 || line[0] < '1' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
		    line[2] < '0' || line[2] > '9' || (line[3] != '\0' && line[3] != ' ' && line[3] != '-')) {
			snprintf(p->err, sizeof(p->err), "not an SMTP reply");
			return -1;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (line[3] != '-')
			return code;
	}
	snprintf(p->err, sizeof(p->err), "SMTP reply of more than %d lines", PIO_REPLY_LINES);
	return -1;
}

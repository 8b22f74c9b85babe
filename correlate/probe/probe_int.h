/*
 * probe_int - what the probe's files share: one connection with a deadline
 * and a transcript (probe_io.c), used by the relay (probe_smtp.c) and proxy
 * (probe_proxy.c) tests.
 */
#ifndef AD_PROBE_INT_H
#define AD_PROBE_INT_H

#include <stddef.h>

#include "probe.h"

#define PIO_LINE_MAX 1024       /* longer lines are cut (the rest is read and dropped) */
#define PIO_REPLY_LINES 100     /* most lines in one SMTP reply / HTTP header */

/* One TCP connection to an approved target. */
struct pio {
	int fd;
	long timeout_ms;            /* per step */
	struct buf *tr;             /* transcript, may be NULL */
	unsigned char rbuf[4096];
	size_t rlen;
	int eof;
	char err[128];              /* why the last call failed */
};

/* PIO_REFUSED: the port is closed (connection refused), not an error of the probe */
#define PIO_REFUSED (-2)

/* pio_connect - connect to t:port (t must be approved); 0, -1 (p->err) or PIO_REFUSED */
int pio_connect(struct pio *p, const struct probe_target *t, int port, long timeout, struct buf *tr);
void pio_close(struct pio *p);
/* pio_send - write all of s (n bytes), logged as "C: " lines; 0 or -1 */
int pio_send(struct pio *p, const void *s, size_t n);
int pio_sendstr(struct pio *p, const char *s);
/* pio_line - one line without CR LF into line (cut at size-1), logged as "S: "; 0, or -1 */
int pio_line(struct pio *p, char *line, size_t size);
/* pio_read - up to n raw bytes (at least 1); bytes read, or -1 (timeout, EOF, error) */
int pio_read(struct pio *p, unsigned char *out, size_t n);
/* pio_readn - exactly n raw bytes, logged as hex "S: "; 0 or -1 */
int pio_readn(struct pio *p, unsigned char *out, size_t n);
/* pio_smtp_reply - read a (multi-line) reply; returns the code (100..599) or -1;
 * first holds the first line (sanitised), may be NULL */
int pio_smtp_reply(struct pio *p, char *first, size_t size);

/* tr_add - append "PREFIX" + sanitised bytes + "\n" to the transcript (capped) */
void tr_add(struct buf *tr, const char *prefix, const void *s, size_t n);
void tr_note(struct buf *tr, const char *fmt, ...) AD_PRINTF(2, 3);
/* sanitize_line - printable ASCII copy of s (other bytes as \xNN) into out */
void sanitize_line(const void *s, size_t n, char *out, size_t size);

/* probe_res_start - reset an initialised r for a new test of kind k */
void probe_res_start(struct probe_res *r, enum probe_kind k);
/* probe_set - set r->result and r->detail (printf) */
void probe_set(struct probe_res *r, enum probe_result res, const char *fmt, ...) AD_PRINTF(3, 4);
/* split_hostport - "host:port", "[v6]:port" or "host" (port = dflt); 0 or -1 */
int split_hostport(const char *s, char *host, size_t hsize, int *port, int dflt);

#endif

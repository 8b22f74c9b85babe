/*
 * contentkey - what makes two deliveries of one complaint the same complaint.
 *
 * A complaint that reaches two MX hosts of ours (the sender timed out after
 * DATA on the first and tried the second) arrives as two byte strings: each
 * host wrote its own Received line, queue id and date, local delivery its
 * own Delivered-To, X-Original-To and Return-Path, and a milter may have
 * added Authentication-Results or X-Spam-* anywhere in the header. What the
 * sender wrote is the same in both: its Message-ID and the other originator
 * fields, the MIME fields, and the body.
 *
 * The content key is the SHA-256 of those: the fields of content_key_fields
 * (every occurrence, in order, unfolded, trimmed, names folded to lower
 * case) and the body, line ends CRLF read as LF. A message without a
 * Message-ID has no content key (two sends of one text without one are not
 * told apart from two complaints), and only the byte digest dedupes it.
 */
#ifndef AD_CONTENTKEY_H
#define AD_CONTENTKEY_H

#include <stddef.h>

/* the fields the key covers, NULL-terminated */
extern const char *const content_key_fields[];

/* content_key - the key of the message data[0..len) as 64 hex digits in
 * out; 1, or 0 when it has none (no Message-ID; out is then "") */
int content_key(const char *data, size_t len, char out[65]);

#endif

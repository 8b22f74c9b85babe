/*
 * spool - durable storage of raw messages, maildir style.
 *
 *   SPOOL/tmp/  being written
 *   SPOOL/new/  durable, not yet recorded in the database (pending)
 *   SPOOL/cur/  recorded and processed
 *
 * A message is written under tmp/, fsync()ed, renamed into new/ and the
 * directory fsync()ed: only then is it safe to tell the MTA "delivered".
 * Names are unique: <seconds>.<microseconds>.P<pid>R<random>[,T=<size>.<sha256>]
 * where ",T=" marks a message cut at the size cap and records the length and
 * SHA-256 of the whole stream that was received (its dedupe key). A plain
 * ",T" suffix (older spools) marks a cut message without that record.
 *
 * One process at a time works on a spool file: the writer holds an flock on
 * it from before the rename into new/ until it is moved to cur/ or left
 * pending (spool_release), and reprocess takes the lock without waiting and
 * skips a file that is held (spool_lock). The lock held is per thread.
 */
#ifndef AD_SPOOL_H
#define AD_SPOOL_H

#include <stddef.h>
#include <stdio.h>

#define SPOOL_NAME_MAX 128

struct spool_msg {
	char name[SPOOL_NAME_MAX];  /* file name within new/ or cur/ */
	size_t size;                /* bytes stored */
	int truncated;              /* input exceeded the cap */
	long long received;         /* bytes received (> size when truncated) */
	char sha256[65];            /* dedupe key: hex digest of the bytes received */
};

/* spool_init - create tmp/ new/ cur/ (mode 0700); 0 or -1 with errno */
int spool_init(const char *dir);
/* spool_check - the folders exist and are writable; 0 or -1 */
int spool_check(const char *dir);
/*
 * spool_store_fd - read fd to EOF, keep at most cap bytes (the rest is read and
 * discarded, and the message flagged truncated), store durably into new/.
 * 0 on success; -1 on any failure, with nothing left in new/ or tmp/.
 */
int spool_store_fd(const char *dir, int fd, size_t cap, struct spool_msg *m);
/* spool_store_mem - the same for bytes in memory (imports) */
int spool_store_mem(const char *dir, const char *data, size_t len, size_t cap, struct spool_msg *m);
/*
 * spool_store_part - bytes kept from a stream read elsewhere (IMAP): data/len
 * are at most the first cap bytes, received and sha256 (hex) describe the whole
 * stream. When received > len the message is stored truncated, with the same
 * name and dedupe key spool_store_fd would give the same stream.
 */
int spool_store_part(const char *dir, const char *data, size_t len, long long received,
		     const char sha256[65], struct spool_msg *m);
/* spool_path - full path of name in sub ("new" or "cur") into out */
int spool_path(const char *dir, const char *sub, const char *name, char *out, size_t outlen);
/* spool_find - the path of name whether in new/ or cur/; 0 or -1 */
int spool_find(const char *dir, const char *name, char *out, size_t outlen);
/* spool_done - move new/name to cur/name, durably; 0 or -1 */
int spool_done(const char *dir, const char *name);
/* spool_remove - delete sub/name (a duplicate delivery); 0 or -1 */
int spool_remove(const char *dir, const char *sub, const char *name);
/*
 * spool_lock - take the lock on sub/name without waiting; it becomes the one
 * lock this process holds (the previous one is released). 0 when held, 1 when
 * another process holds it or the file is no longer at sub/name, -1 on error.
 */
int spool_lock(const char *dir, const char *sub, const char *name);
/* spool_release - drop the lock this process holds on a spool file, if any */
void spool_release(void);
/* spool_detach - the descriptor that carries the lock this process holds
 * (-1 when none), handed to the caller, who closes it to release the lock:
 * a batch keeps the locks of all its files until its commit */
int spool_detach(void);
/* spool_adopt - make fd (a descriptor spool_detach gave, in this thread or
 * another) the lock this thread holds */
void spool_adopt(int fd);
/* spool_msg_load - fill m for the spool file name holding data/len */
void spool_msg_load(const char *name, const char *data, size_t len, struct spool_msg *m);
/* spool_read - read a whole spool file into memory (caller frees); NULL on error */
char *spool_read(const char *path, size_t *len);
/* spool_read_held - the same of the file whose lock this thread holds
 * (spool_lock), through the lock's descriptor: no second open */
char *spool_read_held(size_t *len);
/* spool_sha256 - hex SHA-256 of data (util/sha256: the one implementation) */
void spool_sha256(const char *data, size_t len, char out[65]);
/* spool_is_truncated - the name carries the ",T" flag */
int spool_is_truncated(const char *name);



/* spool_list - call fn for every message file in sub ("new" or "cur"), sorted by name;
 * returns the count or -1 on error */
int spool_list(const char *dir, const char *sub, int (*fn)(void *ctx, const char *name), void *ctx);
/* spool_count - the entries of sub, unsorted (a progress total); -1 when it cannot be read */
long spool_count(const char *dir, const char *sub);
/* spool_sync_each - fsync every message (the default; the MTA contract needs
 * it). A bulk import from a file that stays on disk turns it off and calls
 * spool_sync before it reports success. */
void spool_sync_each(int on);
/* spool_sync - syncfs() the file system of the spool; 0 or -1 */
int spool_sync(const char *dir);
/* spool_clean_tmp - remove files in tmp/ older than max_age seconds (partial
 * writes of killed processes); returns the count removed */
int spool_clean_tmp(const char *dir, long max_age);
/* spool_name_time - the arrival time encoded in a spool name, 0 if none */
long long spool_name_time(const char *name);
#endif

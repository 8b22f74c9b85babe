/*
 * schema - the database schema and its migrations (PRAGMA user_version).
 *
 * Each step moves the schema from version N-1 to N inside one transaction;
 * db_migrate runs the steps the file has not seen, so running it twice is
 * harmless. The views at the end are for people who prefer the sqlite3 shell.
 * PostgreSQL's form of the same schema is schema_pgsql.c.
 */
#include <stdio.h>
#include <string.h>

#include "db_int.h"
#include "schema.h"

static const char schema_v1[] =
	"CREATE TABLE IF NOT EXISTS reports ("
	" id INTEGER PRIMARY KEY,"
	" received_at INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL UNIQUE,"
	" spool_path TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'pending',"      /* pending | done | failed */
	" flags INTEGER NOT NULL DEFAULT 0,"
	" parser_version INTEGER NOT NULL DEFAULT 0,"
	" message_id TEXT, from_addr TEXT, subject TEXT,"
	" format TEXT, feedback_type TEXT, user_agent TEXT, reporter TEXT, reporting_mta TEXT,"
	" arrival_at INTEGER, source_ip TEXT, source_port INTEGER, original_mail_from TEXT,"
	" orig_message_id TEXT, orig_from TEXT, orig_subject TEXT, orig_date TEXT,"
	" orig_headers_only INTEGER, orig_key TEXT, orig_headers TEXT,"
	" verdict TEXT, confidence TEXT, rule TEXT, abused_ip TEXT, abused_host TEXT, owner TEXT,"
	" egress_ip TEXT, injector_ip TEXT, auth_user TEXT, nat_inside TEXT, explanation TEXT,"
	" incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,"
	" warnings TEXT, parse_json TEXT, trace_json TEXT);"
	"CREATE INDEX IF NOT EXISTS reports_received ON reports(received_at);"
	"CREATE INDEX IF NOT EXISTS reports_incident ON reports(incident_id, received_at);"
	"CREATE INDEX IF NOT EXISTS reports_source_ip ON reports(source_ip);"
	"CREATE INDEX IF NOT EXISTS reports_injector ON reports(injector_ip);"
	"CREATE INDEX IF NOT EXISTS reports_orig_mid ON reports(orig_message_id);"
	"CREATE INDEX IF NOT EXISTS reports_mid ON reports(message_id);"
	"CREATE INDEX IF NOT EXISTS reports_status ON reports(status);"
	"CREATE TABLE IF NOT EXISTS report_hops ("
	" report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, from_ip TEXT, from_rdns TEXT, helo TEXT, ident TEXT,"
	" by_host TEXT, with_proto TEXT, queue_id TEXT, for_addr TEXT, envfrom TEXT,"
	" auth TEXT, date TEXT, PRIMARY KEY(report_id, idx)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS report_hops_ip ON report_hops(from_ip);"
	"CREATE TABLE IF NOT EXISTS report_rcpts ("
	" report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, address TEXT, action TEXT, status TEXT, diagnostic TEXT,"
	" remote_mta TEXT, PRIMARY KEY(report_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS report_items ("
	" report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL, value TEXT NOT NULL);"      /* rcpt_to | domain | uri */
	"CREATE INDEX IF NOT EXISTS report_items_r ON report_items(report_id);"
	"CREATE TABLE IF NOT EXISTS owners ("
	" key TEXT PRIMARY KEY, name TEXT, email TEXT, webhook_url TEXT,"
	" policy TEXT NOT NULL DEFAULT 'immediate' CHECK(policy IN ('immediate','digest','none')),"
	" digest INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS networks ("
	" id INTEGER PRIMARY KEY, cidr TEXT NOT NULL UNIQUE, prefix INTEGER NOT NULL,"
	" lo BLOB NOT NULL, hi BLOB NOT NULL, owner TEXT, role TEXT, note TEXT);"
	"CREATE UNIQUE INDEX IF NOT EXISTS networks_key ON networks(prefix, lo);"
	"CREATE TABLE IF NOT EXISTS hosts ("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT, owner TEXT, note TEXT);"
	"CREATE TABLE IF NOT EXISTS host_ips ("
	" ip BLOB NOT NULL, host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
	" ip_text TEXT NOT NULL, PRIMARY KEY(ip, host_id)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS incidents ("
	" id INTEGER PRIMARY KEY, key_host TEXT NOT NULL, verdict TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'open' CHECK(status IN"
	"  ('open','notified','acknowledged','resolved','false_positive')),"
	" abused_host TEXT, abused_ip TEXT, owner TEXT, role TEXT, confidence TEXT,"
	" explanation TEXT, auth_user TEXT,"
	" first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" reports INTEGER NOT NULL DEFAULT 0, messages INTEGER NOT NULL DEFAULT 0,"
	" reporters INTEGER NOT NULL DEFAULT 0, injectors INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, resolved_at INTEGER,"
	" notified_at INTEGER, notified_reports INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS incidents_key ON incidents(key_host, verdict, status);"
	"CREATE INDEX IF NOT EXISTS incidents_status ON incidents(status, last_seen);"
	"CREATE INDEX IF NOT EXISTS incidents_owner ON incidents(owner, status);"
	"CREATE INDEX IF NOT EXISTS incidents_last ON incidents(last_seen);"
	"CREATE INDEX IF NOT EXISTS incidents_ip ON incidents(abused_ip);"
	"CREATE TABLE IF NOT EXISTS incident_events ("
	" id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
	" at INTEGER NOT NULL, actor TEXT NOT NULL, old_status TEXT, new_status TEXT, note TEXT);"
	"CREATE INDEX IF NOT EXISTS incident_events_i ON incident_events(incident_id, at);"
	"CREATE TABLE IF NOT EXISTS incident_keys ("     /* distinct reporters/injectors/messages */
	" incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL, value TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 1,"
	" PRIMARY KEY(incident_id, kind, value)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS maillog ("
	" id INTEGER PRIMARY KEY, line_hash TEXT NOT NULL UNIQUE, at INTEGER, host TEXT,"
	" queue_id TEXT, client_name TEXT, client_ip TEXT, sasl_user TEXT, message_id TEXT,"
	" sender TEXT, recipient TEXT, relay TEXT, status TEXT);"
	"CREATE INDEX IF NOT EXISTS maillog_qid ON maillog(queue_id);"
	"CREATE INDEX IF NOT EXISTS maillog_mid ON maillog(message_id);"
	"CREATE TABLE IF NOT EXISTS natlog ("
	" id INTEGER PRIMARY KEY, at INTEGER NOT NULL, inside_ip TEXT NOT NULL,"
	" inside_port INTEGER, outside_ip TEXT NOT NULL, outside_port INTEGER NOT NULL,"
	" UNIQUE(outside_ip, outside_port, at, inside_ip, inside_port));"
	"CREATE TABLE IF NOT EXISTS outbox ("
	" id INTEGER PRIMARY KEY, incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,"
	" kind TEXT NOT NULL DEFAULT 'notify',"          /* notify | ack | digest | probe */
	" channel TEXT NOT NULL CHECK(channel IN ('smtp','webhook')),"
	" recipient TEXT NOT NULL, subject TEXT, message_id TEXT, body BLOB NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','sending','sent','failed','cancelled')),"
	" attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,"
	" last_error TEXT, created_at INTEGER NOT NULL, sent_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_attempt_at);"
	"CREATE INDEX IF NOT EXISTS outbox_incident ON outbox(incident_id);"
	"CREATE TABLE IF NOT EXISTS acks ("
	" reporter TEXT PRIMARY KEY, last_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS probes ("
	" id INTEGER PRIMARY KEY, incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,"
	" at INTEGER NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL, result TEXT NOT NULL,"
	" detail TEXT, transcript TEXT);"
	"CREATE INDEX IF NOT EXISTS probes_incident ON probes(incident_id, at);"
	"CREATE INDEX IF NOT EXISTS probes_target ON probes(target, at);"
	/* digest (notify/digest.c): every digest query is an index range */
	"CREATE INDEX IF NOT EXISTS incidents_created ON incidents(created_at);"
	"CREATE INDEX IF NOT EXISTS incidents_resolved ON incidents(resolved_at);"
	/*
	 * helpdesk (cli/cmd_incidents.c, cli/cmd_search.c): `incidents --verdict`
	 * and `--owner` read newest first from an index; `stats` adds whole UTC
	 * days from per-day counters and reads only the partial first day from
	 * the rows. The counters are kept by triggers, so every write (ingest,
	 * reprocess, a state change, a hand edit) keeps them exact in its own
	 * transaction. Buckets: reports by the day of received_at and reporter;
	 * incidents by the day of last_seen and each of verdict, status, owner.
	 * A NULL reporter or owner counts as '-', as stats prints it.
	 */
	"CREATE INDEX IF NOT EXISTS incidents_verdict ON incidents(verdict, last_seen);"
	"CREATE INDEX IF NOT EXISTS incidents_owner_last ON incidents(owner, last_seen);"
	"CREATE TABLE IF NOT EXISTS report_days ("
	" day INTEGER NOT NULL, reporter TEXT NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY(day, reporter)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS incident_days ("
	" dim TEXT NOT NULL, day INTEGER NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY(dim, day, value)) WITHOUT ROWID;"
	"CREATE TRIGGER IF NOT EXISTS report_days_ins AFTER INSERT ON reports BEGIN"
	" INSERT INTO report_days VALUES (NEW.received_at / 86400, coalesce(NEW.reporter, '-'), 1)"
	"  ON CONFLICT(day, reporter) DO UPDATE SET n = n + 1; END;"
	"CREATE TRIGGER IF NOT EXISTS report_days_del AFTER DELETE ON reports BEGIN"
	" UPDATE report_days SET n = n - 1"
	"  WHERE day = OLD.received_at / 86400 AND reporter = coalesce(OLD.reporter, '-');"
	" DELETE FROM report_days WHERE day = OLD.received_at / 86400"
	"  AND reporter = coalesce(OLD.reporter, '-') AND n <= 0; END;"
	"CREATE TRIGGER IF NOT EXISTS report_days_upd AFTER UPDATE OF received_at, reporter ON reports"
	" WHEN OLD.received_at / 86400 IS NOT NEW.received_at / 86400 OR OLD.reporter IS NOT NEW.reporter BEGIN"
	" UPDATE report_days SET n = n - 1"
	"  WHERE day = OLD.received_at / 86400 AND reporter = coalesce(OLD.reporter, '-');"
	" DELETE FROM report_days WHERE day = OLD.received_at / 86400"
	"  AND reporter = coalesce(OLD.reporter, '-') AND n <= 0;"
	" INSERT INTO report_days VALUES (NEW.received_at / 86400, coalesce(NEW.reporter, '-'), 1)"
	"  ON CONFLICT(day, reporter) DO UPDATE SET n = n + 1; END;"
	"CREATE TRIGGER IF NOT EXISTS incident_days_ins AFTER INSERT ON incidents BEGIN"
	" INSERT INTO incident_days VALUES ('verdict', NEW.last_seen / 86400, NEW.verdict, 1),"
	"  ('status', NEW.last_seen / 86400, NEW.status, 1),"
	"  ('owner', NEW.last_seen / 86400, coalesce(NEW.owner, '-'), 1)"
	"  ON CONFLICT(dim, day, value) DO UPDATE SET n = n + 1; END;"
	"CREATE TRIGGER IF NOT EXISTS incident_days_del AFTER DELETE ON incidents BEGIN"
	" UPDATE incident_days SET n = n - 1 WHERE day = OLD.last_seen / 86400 AND"
	"  ((dim = 'verdict' AND value = OLD.verdict) OR (dim = 'status' AND value = OLD.status)"
	"   OR (dim = 'owner' AND value = coalesce(OLD.owner, '-')));"
	" DELETE FROM incident_days WHERE day = OLD.last_seen / 86400 AND n <= 0"
	"  AND dim IN ('verdict', 'status', 'owner'); END;"
	"CREATE TRIGGER IF NOT EXISTS incident_days_upd AFTER UPDATE OF last_seen, verdict, status, owner"
	" ON incidents WHEN OLD.last_seen / 86400 IS NOT NEW.last_seen / 86400"
	"  OR OLD.verdict IS NOT NEW.verdict OR OLD.status IS NOT NEW.status OR OLD.owner IS NOT NEW.owner BEGIN"
	" UPDATE incident_days SET n = n - 1 WHERE day = OLD.last_seen / 86400 AND"
	"  ((dim = 'verdict' AND value = OLD.verdict) OR (dim = 'status' AND value = OLD.status)"
	"   OR (dim = 'owner' AND value = coalesce(OLD.owner, '-')));"
	" DELETE FROM incident_days WHERE day = OLD.last_seen / 86400 AND n <= 0"
	"  AND dim IN ('verdict', 'status', 'owner');"
	" INSERT INTO incident_days VALUES ('verdict', NEW.last_seen / 86400, NEW.verdict, 1),"
	"  ('status', NEW.last_seen / 86400, NEW.status, 1),"
	"  ('owner', NEW.last_seen / 86400, coalesce(NEW.owner, '-'), 1)"
	"  ON CONFLICT(dim, day, value) DO UPDATE SET n = n + 1; END;"
	/* views for people */
	"CREATE VIEW IF NOT EXISTS open_incidents AS"
	" SELECT id, status, verdict, abused_host, abused_ip, owner, reports, reporters,"
	"  datetime(first_seen,'unixepoch') AS first_seen, datetime(last_seen,'unixepoch') AS last_seen,"
	"  explanation FROM incidents WHERE status IN ('open','notified','acknowledged')"
	"  ORDER BY last_seen DESC;"
	"CREATE VIEW IF NOT EXISTS incident_reports AS"
	" SELECT r.incident_id, r.id AS report_id, datetime(r.received_at,'unixepoch') AS received,"
	"  r.format, r.feedback_type, r.reporter, r.source_ip, r.injector_ip, r.orig_subject,"
	"  r.orig_message_id FROM reports r WHERE r.incident_id IS NOT NULL;"
	"CREATE VIEW IF NOT EXISTS pending_reports AS"
	" SELECT id, datetime(received_at,'unixepoch') AS received, size, spool_path, status"
	"  FROM reports WHERE status != 'done';"
	"CREATE VIEW IF NOT EXISTS untraced_reports AS"
	" SELECT id, datetime(received_at,'unixepoch') AS received, format, reporter, subject, verdict, warnings"
	"  FROM reports WHERE format = 'unknown' OR verdict IS NULL OR verdict = 'unknown';"
	"CREATE VIEW IF NOT EXISTS outbox_failed AS"
	" SELECT id, incident_id, channel, recipient, subject, attempts, last_error,"
	"  datetime(created_at,'unixepoch') AS created FROM outbox WHERE state = 'failed';";

/*
 * v2: outbox claims, send-time rendering and digest dedupe.
 *
 * A runner claims one due row at a time: in one write transaction it sets
 * claim_owner (host:pid:random) and claim_until (now + notify_lease) on a row
 * that is pending, due, and unclaimed or whose lease has run out, and reads
 * it back (UPDATE ... RETURNING). Only the claim owner may mark it sent,
 * retried, failed or cancelled; a runner killed mid-send leaves a claim that
 * another runner may take once the lease has passed. On PostgreSQL the same
 * claim is one statement:
 *   UPDATE outbox SET claim_owner = $1, claim_until = $2
 *    WHERE id = (SELECT id FROM outbox WHERE state = 'pending'
 *                 AND next_attempt_at <= $3 AND (claim_owner IS NULL OR claim_until <= $3)
 *                 AND id > $4 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
 *    RETURNING ...
 * reason and report_id let notify render a notice at send time, from the
 * incident as it is then. dedupe_key makes a digest for one recipient and
 * period one row, whoever queues it: unique among rows pending or sent.
 */
static const char schema_v2[] =
	"ALTER TABLE outbox ADD COLUMN claim_owner TEXT;"
	"ALTER TABLE outbox ADD COLUMN claim_until INTEGER;"
	"ALTER TABLE outbox ADD COLUMN reason TEXT;"
	"ALTER TABLE outbox ADD COLUMN report_id INTEGER;"
	"ALTER TABLE outbox ADD COLUMN dedupe_key TEXT;"
	"CREATE UNIQUE INDEX IF NOT EXISTS outbox_dedupe ON outbox(dedupe_key)"
	" WHERE dedupe_key IS NOT NULL AND state IN ('pending','sent');";

/*
 * v3: the cur/ reconcile of `reprocess --pending` looks each recent file up by
 * name (reports_spool_path) instead of loading every name, and remembers in
 * meta('reconciled_at') when its last pass started, so the next pass checks
 * only the files moved into cur/ since then (less a margin).
 */
static const char schema_v3[] =
	"CREATE INDEX IF NOT EXISTS reports_spool_path ON reports(spool_path);"
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);";

/*
 * v4: `abusedesk fetch` (IMAP). fetch_state: per mailbox (its URL without a
 * password) the UIDVALIDITY last seen and the highest UID recorded and
 * handled on the server; fetch_uids: with fetch_after = keep, every UID done
 * under that UIDVALIDITY (a change of UIDVALIDITY deletes them).
 */
static const char schema_v4[] =
	"CREATE TABLE IF NOT EXISTS fetch_state ("
	" mailbox TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS fetch_uids ("
	" mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,"
	" PRIMARY KEY(mailbox, uidvalidity, uid)) WITHOUT ROWID;";

/*
 * v5: every party of a complaint. maillog.client_port and report_hops.port:
 * the client's source port an MTA of ours logged or wrote in its Received
 * header (the NAT lookup behind a gateway uses it). rdap_cache: the abuse
 * contact of an outside address (abusedesk whois, notify for not_ours
 * reports), one row per address asked, until expires_at; a failed lookup is
 * kept too (status 'error', until its Retry-After), so a refusing registry is
 * not asked again at once. reports.contact_*: the contact found for a
 * not_ours report; reports.forward_*: what was done with it (forwarded to
 * whom and when, or why not).
 */
static const char schema_v5[] =
	"ALTER TABLE maillog ADD COLUMN client_port INTEGER;"
	"ALTER TABLE report_hops ADD COLUMN port INTEGER;"
	"CREATE TABLE IF NOT EXISTS rdap_cache ("
	" ip TEXT PRIMARY KEY, status TEXT NOT NULL CHECK(status IN ('found','none','error')),"
	" email TEXT, network TEXT, registry TEXT, detail TEXT,"
	" fetched_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	"ALTER TABLE reports ADD COLUMN contact_email TEXT;"
	"ALTER TABLE reports ADD COLUMN contact_at INTEGER;"
	"ALTER TABLE reports ADD COLUMN forward_state TEXT;"
	"ALTER TABLE reports ADD COLUMN forward_to TEXT;"
	"ALTER TABLE reports ADD COLUMN forward_at INTEGER;"
	/* the notify run's lookups and forwards, the rate limit, a report's forward */
	"CREATE INDEX IF NOT EXISTS reports_not_ours ON reports(id) WHERE verdict = 'not_ours';"
	"CREATE INDEX IF NOT EXISTS outbox_forward_at ON outbox(created_at) WHERE kind = 'forward';"
	"CREATE INDEX IF NOT EXISTS outbox_forward_report ON outbox(report_id) WHERE kind = 'forward';";

/*
 * v6: people for the web helpdesk and its API. users: a name, a role
 * (viewer, handler, admin) and a crypt(3) hash. api_tokens: only the
 * SHA-256 of each token. sessions: the SHA-256 of the cookie's value, the
 * CSRF token of its forms, and when it ends. An incident gains an assignee.
 */
static const char schema_v6[] =
	"CREATE TABLE IF NOT EXISTS users ("
	" name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK(role IN ('viewer','handler','admin')),"
	" pwhash TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS api_tokens ("
	" hash TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sessions ("
	" id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
	" csrf TEXT NOT NULL, expires INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires);"
	"ALTER TABLE incidents ADD COLUMN assignee TEXT;";

/*
 * v7: the content key (parse/contentkey.h): the digest of what the sender of
 * a complaint wrote, without the trace our MX hosts and local delivery add,
 * so one complaint delivered to two MX hosts is one report. Unique like
 * sha256; NULL (no Message-ID, or a row recorded before v7) is no key.
 * `reprocess --all` gives old rows theirs.
 */
static const char schema_v7[] =
	"ALTER TABLE reports ADD COLUMN content_key TEXT;"
	"CREATE UNIQUE INDEX IF NOT EXISTS reports_content_key ON reports(content_key);";

static const char *const steps[] = { schema_v1, schema_v2, schema_v3, schema_v4, schema_v5,
					 schema_v6, schema_v7 };

int db_schema_version(struct db *d)
{
	struct db_stmt *st;
	int v = -1;

	if (db_dialect(d) == DB_PGSQL)
		return pgsql_schema_version(d);
	st = db_prepare(d, "PRAGMA user_version");
	if (st && db_step(d, st) == DB_ROW)
		v = (int)db_col_int(st, 0);
	db_finalize(st);
	return v;
}

/* db_migrate - apply the steps the file has not seen */
int db_migrate(struct db *d, char *err, size_t errlen)
{
	int have, rc;
	char sql[64];

	if (db_dialect(d) == DB_PGSQL)
		return pgsql_migrate(d, err, errlen);
	if (db_begin(d) != DB_OK) {
		snprintf(err, errlen, "%s: cannot lock the database to migrate it", d->path);
		return DB_BUSY;
	}
	have = db_schema_version(d);
	if (have > DB_SCHEMA_VERSION) {
		db_rollback(d);
		snprintf(err, errlen, "%s: schema version %d is newer than this abusedesk knows (%d): upgrade abusedesk",
			 d->path, have, DB_SCHEMA_VERSION);
		return DB_ERROR;
	}
	for (int v = have; v < DB_SCHEMA_VERSION; v++) {
		if ((rc = db_exec(d, steps[v])) != DB_OK) {
			snprintf(err, errlen, "%s: migration to version %d failed: %s", d->path, v + 1,
				 db_errmsg(d));
			db_rollback(d);
			return rc;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", DB_SCHEMA_VERSION);
	if (db_exec(d, sql) != DB_OK || db_commit(d) != DB_OK) {
		snprintf(err, errlen, "%s: cannot commit the migration: %s", d->path, db_errmsg(d));
		db_rollback(d);
		return DB_ERROR;
	}
	return DB_OK;
}

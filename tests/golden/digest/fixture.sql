-- fixture.sql - a fixed database for the digest golden test.
-- The test runs with ABUSEDESK_NOW=1714608000 (2024-05-02 00:00:00 UTC), so
-- the default period (--since 24h) is 2024-05-01 00:00 to 2024-05-02 00:00,
-- and the previous period 2024-04-30. Report text is hostile on purpose:
-- markup, quotes, ampersands, control characters and invalid UTF-8.
BEGIN;
INSERT INTO owners(key, name, email, policy, digest) VALUES
 ('mail-team', 'Mail team', 'mail-team@example.net', 'immediate', 1),
 ('web-team', 'Web team', 'web-team@example.net', 'digest', 0),
 ('noc', 'NOC', '', 'immediate', 1);

-- incidents: (id, key_host, verdict, status, host, ip, owner, first, last, reports, created, resolved)
INSERT INTO incidents(id, key_host, verdict, status, abused_host, abused_ip, owner, first_seen,
  last_seen, reports, reporters, created_at, updated_at, resolved_at) VALUES
 -- new in the period
 (1, 'mx2.example.net', 'open_relay', 'notified', 'mx2.example.net', '192.0.2.25', 'mail-team',
  strftime('%s','2024-05-01 03:00'), strftime('%s','2024-05-01 18:00'), 4, 3,
  strftime('%s','2024-05-01 03:00'), strftime('%s','2024-05-01 18:00'), NULL),
 (6, 'evil', 'open_relay', 'open', 'evil<script>alert(1)</script>.example.net', '192.0.2.66', 'mail-team',
  strftime('%s','2024-05-01 20:00'), strftime('%s','2024-05-01 20:00'), 1, 1,
  strftime('%s','2024-05-01 20:00'), strftime('%s','2024-05-01 20:00'), NULL),
 -- growing: older, reports in the period
 (2, 'proxy1.example.net', 'open_proxy', 'acknowledged', 'proxy1.example.net', '192.0.2.80', 'web-team',
  strftime('%s','2024-04-20 08:00'), strftime('%s','2024-05-01 11:00'), 9, 2,
  strftime('%s','2024-04-20 08:00'), strftime('%s','2024-05-01 11:00'), NULL),
 -- stale: open since April, nothing for weeks
 (3, '198.51.100.77', 'infected_host', 'open', NULL, '198.51.100.77', NULL,
  strftime('%s','2024-04-01 09:00'), strftime('%s','2024-04-10 09:00'), 2, 1,
  strftime('%s','2024-04-01 09:00'), strftime('%s','2024-04-10 09:00'), NULL),
 -- resolved in the period
 (4, 'mail.example.net', 'compromised_account', 'resolved', 'mail.example.net', '192.0.2.10', 'mail-team',
  strftime('%s','2024-04-25 10:00'), strftime('%s','2024-04-26 10:00'), 3, 2,
  strftime('%s','2024-04-25 10:00'), strftime('%s','2024-05-01 12:00'), strftime('%s','2024-05-01 12:00')),
 -- open, recent: neither new nor stale
 (5, 'www.example.net', 'web_script', 'open', 'www.example.net', '192.0.2.90', 'web-team',
  strftime('%s','2024-04-29 07:00'), strftime('%s','2024-04-29 07:00'), 1, 1,
  strftime('%s','2024-04-29 07:00'), strftime('%s','2024-04-29 07:00'), NULL),
 -- quiet for long, but acknowledged three days ago: not stale
 (7, 'dsl-7.example.net', 'infected_host', 'acknowledged', 'dsl-7.example.net', '198.51.100.7', 'noc',
  strftime('%s','2024-04-01 09:00'), strftime('%s','2024-04-05 09:00'), 1, 1,
  strftime('%s','2024-04-01 09:00'), strftime('%s','2024-04-29 09:00'), NULL),
 -- the previous period: created and resolved on 2024-04-30
 (8, 'relay3.example.net', 'open_relay', 'resolved', 'relay3.example.net', '192.0.2.33', 'mail-team',
  strftime('%s','2024-04-30 10:00'), strftime('%s','2024-04-30 10:00'), 1, 1,
  strftime('%s','2024-04-30 10:00'), strftime('%s','2024-04-30 20:00'), strftime('%s','2024-04-30 20:00'));

INSERT INTO incident_events(incident_id, at, actor, old_status, new_status, note) VALUES
 (2, strftime('%s','2024-04-21 09:00'), 'alice', 'notified', 'acknowledged', 'looking'),
 (3, strftime('%s','2024-04-01 09:00'), 'abusedesk', NULL, 'open', 'created'),
 (4, strftime('%s','2024-05-01 12:00'), 'bob', 'notified', 'resolved', 'password reset'),
 (7, strftime('%s','2024-04-29 09:00'), 'carol', 'notified', 'acknowledged', 'customer called');

-- reports: (sha, received, status, format, reporter, verdict, host, ip, owner, injector, incident, subject)
CREATE TEMP TABLE r(sha, t, status, format, reporter, verdict, host, ip, owner, injector, inc, subject);
INSERT INTO r VALUES
 -- the period
 ('p1', '2024-05-01 03:00', 'done', 'arf', 'abuse@aol.com', 'open_relay', 'mx2.example.net', '192.0.2.25', 'mail-team', '203.0.113.5', 1, 'Buy now'),
 ('p2', '2024-05-01 06:30', 'done', 'arf', 'feedback@mail.yahoo.com', 'open_relay', 'mx2.example.net', '192.0.2.25', 'mail-team', '203.0.113.5', 1, 'Buy now'),
 ('p3', '2024-05-01 09:10', 'done', 'spamcop', 'spamcop@reports.spamcop.net', 'open_relay', 'mx2.example.net', '192.0.2.25', 'mail-team', '203.0.113.9', 1, 'Cheap meds'),
 ('p4', '2024-05-01 18:00', 'done', 'xarf', 'Abuse Desk <ABUSE@GMX.NET>', 'open_relay', 'mx2.example.net', '192.0.2.25', 'mail-team', '203.0.113.5', 1, 'Buy now'),
 ('p5', '2024-05-01 10:00', 'done', 'arf', 'abuse@aol.com', 'open_proxy', 'proxy1.example.net', '192.0.2.80', 'web-team', '198.18.0.4', 2, 'Loans'),
 ('p6', '2024-05-01 11:00', 'done', 'plain', 'someone@example.org', 'open_proxy', 'proxy1.example.net', '192.0.2.80', 'web-team', '198.18.0.4', 2, 'Loans again'),
 ('p7', '2024-05-01 20:00', 'done', 'arf', 'abuse@aol.com', 'open_relay', 'evil<script>alert(1)</script>.example.net', '192.0.2.66', 'mail-team', '"><img src=x onerror=alert(2)>', 6, '<b>bold</b>'),
 ('p8', '2024-05-01 12:30', 'done', 'unknown', 'x@"weird"&co.example', NULL, NULL, NULL, NULL, NULL, NULL, '<script>alert("x")</script> & "quotes" ''too'''),
 ('p9', '2024-05-01 13:00', 'done', 'forward', 'bob@example.com', NULL, NULL, NULL, NULL, NULL, NULL, 'bad ' || CAST(X'C328FF' AS TEXT) || ' utf8 ' || char(27) || '[31m red'),
 ('p10', '2024-05-01 14:00', 'done', 'dsn', 'MAILER-DAEMON@mx.example.com', 'unknown', NULL, NULL, NULL, NULL, NULL, 'Undelivered Mail Returned to Sender'),
 ('p11', '2024-05-01 15:00', 'pending', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 -- the previous period
 ('q1', '2024-04-30 10:00', 'done', 'arf', 'abuse@aol.com', 'open_relay', 'relay3.example.net', '192.0.2.33', 'mail-team', '203.0.113.5', 8, 'Old spam'),
 ('q2', '2024-04-30 11:00', 'done', 'arf', 'abuse@aol.com', 'not_ours', NULL, NULL, NULL, NULL, NULL, 'Forged'),
 -- earlier days, for the chart
 ('e1', '2024-04-20 08:00', 'done', 'arf', 'abuse@aol.com', 'open_proxy', 'proxy1.example.net', '192.0.2.80', 'web-team', '198.18.0.4', 2, 'x'),
 ('e2', '2024-04-21 08:00', 'done', 'arf', 'abuse@aol.com', 'open_proxy', 'proxy1.example.net', '192.0.2.80', 'web-team', '198.18.0.4', 2, 'x'),
 ('e3', '2024-04-21 09:00', 'done', 'arf', 'abuse@aol.com', 'open_proxy', 'proxy1.example.net', '192.0.2.80', 'web-team', '198.18.0.4', 2, 'x'),
 ('e4', '2024-04-25 10:00', 'done', 'arf', 'abuse@gmx.net', 'compromised_account', 'mail.example.net', '192.0.2.10', 'mail-team', '203.0.113.77', 4, 'x'),
 ('e5', '2024-04-26 10:00', 'done', 'arf', 'abuse@gmx.net', 'compromised_account', 'mail.example.net', '192.0.2.10', 'mail-team', '203.0.113.77', 4, 'x'),
 ('e6', '2024-04-29 07:00', 'done', 'arf', 'abuse@aol.com', 'web_script', 'www.example.net', '192.0.2.90', 'web-team', NULL, 5, 'x'),
 -- an old failure: the backlog line
 ('f1', '2024-03-01 00:00', 'failed', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO reports(received_at, size, sha256, spool_path, status, format, reporter, verdict,
  abused_host, abused_ip, owner, injector_ip, incident_id, orig_subject)
 SELECT strftime('%s', t), 1000, sha, 'new/' || sha, status, format, reporter, verdict, host, ip,
  owner, injector, inc, subject FROM r ORDER BY t;
DROP TABLE r;
COMMIT;

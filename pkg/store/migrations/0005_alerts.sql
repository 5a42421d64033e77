-- 0005_alerts: alerts raised from findings, what happened to them, and the
-- notifications they send (issue #14, OP3). pkg/alert decides; this schema
-- only keeps the decisions, so that a watcher killed at any moment and
-- started again neither loses nor repeats an alert:
--
--   * an alert's change, its event and the notifications it queues are
--     written in one transaction (outbox pattern): a committed alert always
--     has its notifications queued, an uncommitted one has none;
--   * at most one alert per finding key is firing (unique partial index), so
--     two evaluators racing open it once;
--   * a notification is delivered from the outbox and marked sent after
--     the channel accepted it; a failure is retried later, never dropped.
--
-- Times are Unix milliseconds; severities and statuses are result.Status
-- codes (0 OK, 1 WARN, 2 UNKNOWN, 3 CRIT, 4 UNREACHABLE).
CREATE TABLE alerts (
    id             INTEGER PRIMARY KEY,
    asset          TEXT NOT NULL,
    check_name     TEXT NOT NULL,
    item           TEXT NOT NULL DEFAULT '',
    type           TEXT NOT NULL DEFAULT '',
    system         TEXT NOT NULL DEFAULT '',
    zone           TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL DEFAULT '',          -- run kind: inspect, backup, drill
    state          TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
    severity       INTEGER NOT NULL,                  -- after escalation in a key period
    status         INTEGER NOT NULL,                  -- the finding's status when last changed
    escalated      INTEGER NOT NULL DEFAULT 0,        -- severity raised by a key period
    key_period     TEXT NOT NULL DEFAULT '',
    since          INTEGER NOT NULL,                  -- the finding's status_since at firing
    fired_at       INTEGER NOT NULL,
    resolved_at    INTEGER,
    last_run_id    INTEGER NOT NULL DEFAULT 0,
    message        TEXT NOT NULL DEFAULT '',
    code           TEXT NOT NULL DEFAULT '',
    args           TEXT NOT NULL DEFAULT '',
    advice         TEXT NOT NULL DEFAULT '',
    advice_code    TEXT NOT NULL DEFAULT '',
    advice_args    TEXT NOT NULL DEFAULT '',
    acked_at       INTEGER,
    acked_by       TEXT NOT NULL DEFAULT '',
    silenced_until INTEGER,
    silenced_by    TEXT NOT NULL DEFAULT '',
    notified_at    INTEGER,                           -- last notification queued (reminders)
    version        INTEGER NOT NULL DEFAULT 1         -- optimistic lock for concurrent evaluators
);
CREATE UNIQUE INDEX alerts_firing ON alerts (asset, check_name, item) WHERE state = 'firing';
CREATE INDEX alerts_fired_at ON alerts (fired_at);

-- Everything that happened to an alert, in order: fire, escalate, remind,
-- resolve, ack, silence, ... Tickets read it by id as a cursor.
CREATE TABLE alert_events (
    id        INTEGER PRIMARY KEY,
    alert_id  INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    severity  INTEGER NOT NULL,
    status    INTEGER NOT NULL,
    by        TEXT NOT NULL DEFAULT '',
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

-- The outbox: one row per notification and channel, rendered when queued.
--   state     pending (due at next_at), sending (claimed until lease_until
--             by a deliverer; a dead deliverer's claim expires), sent, or
--             dead (given up after alerts.retry.max_attempts, if set)
--   recipients  JSON {"names":[],"emails":[],"mobiles":[]} from the duty roster
--   data      JSON of the alert as a generic webhook receives it
CREATE TABLE alert_outbox (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    event_id    INTEGER NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    severity    INTEGER NOT NULL DEFAULT 0,
    recipients  TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    lease_until INTEGER,
    sent_at     INTEGER,
    last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_at) WHERE state IN ('pending', 'sending');
CREATE INDEX alert_outbox_alert ON alert_outbox (alert_id);

-- Every delivery attempt: the delivery log. batch is the outbox id of the
-- first notification of the message (a digest sends several rows as one
-- message when a channel's rate limit is reached); rate limits count
-- distinct batches that were sent.
CREATE TABLE alert_attempts (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES alert_outbox (id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    batch       INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    ok          INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_attempts_outbox ON alert_attempts (outbox_id);
CREATE INDEX alert_attempts_channel ON alert_attempts (channel, at) WHERE ok = 1;

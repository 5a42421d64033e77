-- 0006_tickets: tickets (工单) and their SLA clocks (issue #14, OP8, AP2, DC3).
--
-- A ticket is its opening row plus an append-only list of events; its state
-- (open, acknowledged, arrived, resolved, closed) and its clocks are
-- computed by pkg/ticket from the event times, never stored as a counter,
-- so a watcher killed at any moment loses nothing and a clock read twice
-- says the same. Events and marks are never updated or deleted (triggers).
--
--   tickets.terms   JSON: the deadlines and calendars in force when the
--                   ticket opened (from the system's sla: and the config),
--                   so a later inventory edit does not move a deadline
--   tickets.ref     the opener's idempotency key (e.g. "alert:42"): a
--                   second open with the same ref returns the first ticket
--   alert_*         the finding (result.Key) an alert ticket is about; at
--                   most one ticket per key is not closed (pkg/ticket finds
--                   it in the open transaction)
--   ticket_events   kind: open, ack, assign, arrive, note, evidence, pause,
--                   resume, resolve, close, report, item; data is a JSON
--                   object of strings (assignee, cause, run ids, ...)
--   ticket_marks    the 50/80/100 % levels each clock reached, with the
--                   computed instant; level 100 is a breach. Recorded once
--                   (INSERT OR IGNORE), never rewritten: a breach stays a
--                   breach even if a late event would now compute otherwise.
--
-- Times are Unix milliseconds.
CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    class       TEXT NOT NULL,
    system      TEXT NOT NULL DEFAULT '',
    asset       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT 'manual',
    ref         TEXT,
    alert_asset TEXT NOT NULL DEFAULT '',
    alert_check TEXT NOT NULL DEFAULT '',
    alert_item  TEXT NOT NULL DEFAULT '',
    opened_at   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    terms       TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX tickets_ref ON tickets (ref) WHERE ref IS NOT NULL;
CREATE INDEX tickets_opened ON tickets (opened_at);
CREATE INDEX tickets_alert ON tickets (alert_asset, alert_check, alert_item) WHERE alert_check <> '';

CREATE TABLE ticket_events (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    actor      TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at, id);

CREATE TABLE ticket_marks (
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    clock       TEXT NOT NULL,
    level       INTEGER NOT NULL CHECK (level IN (50, 80, 100)),
    at          INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, clock, level)
) WITHOUT ROWID;

CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket events are never rewritten'); END;
CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket events are never deleted'); END;
CREATE TRIGGER ticket_marks_no_update BEFORE UPDATE ON ticket_marks
BEGIN SELECT RAISE(ABORT, 'ticket marks are never rewritten'); END;
CREATE TRIGGER ticket_marks_no_delete BEFORE DELETE ON ticket_marks
BEGIN SELECT RAISE(ABORT, 'ticket marks are never deleted'); END;

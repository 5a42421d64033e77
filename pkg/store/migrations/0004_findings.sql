-- 0004_findings: one row per finding, that is per (asset, check, item)
-- (result.Key), kept up to date by AddResults in the same transaction as the
-- results, so alerts, tickets, the TUI and reports can ask "since when is
-- this CRIT, and how many times in a row" without scanning results.
--
--   first_seen    time of the first result stored for the key
--   last_seen     time of the latest result
--   last_status   its status (codes as in table statuses)
--   status_since  time of the first result of the current streak: when the
--                 key last changed to last_status
--   consecutive   results in a row with last_status; a run that has no
--                 result for the key does not reset it
--   last_run_id   run of the latest result (no foreign key: the row
--                 outlives a pruned run until prune drops the finding)
--   message, code, args   of the latest result (code/args as in results)
--
-- Times are the results' started_at. A result older than last_seen (stored
-- late) only moves first_seen.
CREATE TABLE findings (
    asset        TEXT NOT NULL,
    check_name   TEXT NOT NULL,
    item         TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL DEFAULT '',
    system       TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL DEFAULT '',               -- kind of the latest result's run
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    last_status  INTEGER NOT NULL CHECK (last_status BETWEEN 0 AND 4),
    status_since INTEGER NOT NULL,
    consecutive  INTEGER NOT NULL DEFAULT 1 CHECK (consecutive >= 1),
    last_run_id  INTEGER NOT NULL,
    message      TEXT NOT NULL DEFAULT '',
    code         TEXT NOT NULL DEFAULT '',
    args         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (asset, check_name, item)
) WITHOUT ROWID;
-- No secondary index on purpose: the table holds one row per key (tens of
-- thousands for a large site), read whole in milliseconds, while an index
-- on last_status, system or last_run_id would be rewritten with every
-- result stored (it costs AddResults a third of its speed).

-- Results that are not OK, by run: the monthly report reads a month's
-- problems through it instead of through a range of result ids, and it
-- costs a write only for the few results that are not OK.
CREATE INDEX results_run_notok ON results (run_id) WHERE status <> 0;

-- Backfill from the results already stored, in one sorted pass: per key,
-- the latest result (by time, then id) gives last_*, and a result belongs
-- to the current streak while every result from the latest back to it has
-- the same status (min = max over that frame). It runs once, at about
-- 5 s per million results on a loaded 2-core machine.
INSERT INTO findings (asset, check_name, item, type, system, kind, first_seen, last_seen, last_status,
                      status_since, consecutive, last_run_id, message, code, args)
WITH ordered AS (
    SELECT asset, check_name, item, type, system, run_id, started_at AS at, status, message, code, args,
           ROW_NUMBER() OVER w AS rn,
           MIN(status) OVER w = MAX(status) OVER w AS streak
    FROM results
    WINDOW w AS (PARTITION BY asset, check_name, item ORDER BY started_at DESC, id DESC ROWS UNBOUNDED PRECEDING)
), latest AS (
    SELECT asset, check_name, item,
           MAX(CASE WHEN rn = 1 THEN type END) AS type,
           MAX(CASE WHEN rn = 1 THEN system END) AS system,
           MIN(at) AS first_seen,
           MAX(CASE WHEN rn = 1 THEN at END) AS last_seen,
           MAX(CASE WHEN rn = 1 THEN status END) AS last_status,
           MIN(CASE WHEN streak THEN at END) AS status_since,
           SUM(streak) AS consecutive,
           MAX(CASE WHEN rn = 1 THEN run_id END) AS last_run_id,
           MAX(CASE WHEN rn = 1 THEN message END) AS message,
           MAX(CASE WHEN rn = 1 THEN code END) AS code,
           MAX(CASE WHEN rn = 1 THEN args END) AS args
    FROM ordered
    GROUP BY asset, check_name, item
)
SELECT l.asset, l.check_name, l.item, l.type, l.system, coalesce(r.kind, ''), l.first_seen, l.last_seen, l.last_status,
       l.status_since, l.consecutive, l.last_run_id, l.message, l.code, l.args
FROM latest l LEFT JOIN runs r ON r.id = l.last_run_id;

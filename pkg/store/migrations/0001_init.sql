-- 0001_init: the first hcops history schema.
--
-- Conventions (report queries rely on them):
--   * times are INTEGER Unix milliseconds (UTC); NULL when unknown;
--   * statuses are INTEGER codes, bigger is worse, as in pkg/result:
--     0 OK, 1 WARN, 2 UNKNOWN, 3 CRIT, 4 UNREACHABLE (see table statuses);
--   * a run's playbooks are a JSON array of names.

CREATE TABLE statuses (
    code INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
INSERT INTO statuses (code, name) VALUES
    (0, 'OK'), (1, 'WARN'), (2, 'UNKNOWN'), (3, 'CRIT'), (4, 'UNREACHABLE');

-- Inventory snapshots are stored once per distinct content (gzip), so a
-- daily run over an unchanged inventory costs nothing.
CREATE TABLE inventory_snapshots (
    sha256     TEXT PRIMARY KEY,        -- hex SHA-256 of the uncompressed bytes
    encoding   TEXT NOT NULL,           -- 'gzip'
    size       INTEGER NOT NULL,        -- uncompressed length in bytes
    data       BLOB NOT NULL
);

CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind <> ''),     -- inspect, backup, drill
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    operator      TEXT NOT NULL DEFAULT '',
    ran_from      TEXT NOT NULL DEFAULT '',             -- host name hcops ran on
    pid           INTEGER NOT NULL DEFAULT 0,           -- process id, to tell a dead "running" run
    playbooks     TEXT NOT NULL DEFAULT '[]',           -- JSON array
    selector      TEXT NOT NULL DEFAULT '',
    assets        INTEGER NOT NULL DEFAULT 0,           -- assets targeted
    inventory     INTEGER NOT NULL DEFAULT 0,           -- assets in the inventory then
    worst         INTEGER NOT NULL DEFAULT 0 REFERENCES statuses(code),
    n_ok          INTEGER NOT NULL DEFAULT 0,
    n_warn        INTEGER NOT NULL DEFAULT 0,
    n_crit        INTEGER NOT NULL DEFAULT 0,
    n_unknown     INTEGER NOT NULL DEFAULT 0,
    n_unreachable INTEGER NOT NULL DEFAULT 0,
    snapshot      TEXT REFERENCES inventory_snapshots(sha256)
);
CREATE INDEX runs_started ON runs (started_at);
CREATE INDEX runs_kind_started ON runs (kind, started_at);
CREATE INDEX runs_snapshot ON runs (snapshot) WHERE snapshot IS NOT NULL;

CREATE TABLE results (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    asset              TEXT NOT NULL,
    check_name         TEXT NOT NULL,          -- result.Result.Check ("check" is an SQL keyword)
    type               TEXT NOT NULL DEFAULT '',
    item               TEXT NOT NULL DEFAULT '',
    playbook           TEXT NOT NULL DEFAULT '',
    system             TEXT NOT NULL DEFAULT '',
    zone               TEXT NOT NULL DEFAULT '',
    status             INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),
    value              REAL,                   -- NULL when the check measured no number
    unit               TEXT NOT NULL DEFAULT '',
    warn               TEXT NOT NULL DEFAULT '',
    crit               TEXT NOT NULL DEFAULT '',
    message            TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL DEFAULT '',
    advice             TEXT NOT NULL DEFAULT '',
    evidence           TEXT NOT NULL DEFAULT '',   -- bounded (store.MaxEvidence bytes)
    evidence_truncated INTEGER NOT NULL DEFAULT 0,
    started_at         INTEGER NOT NULL,
    duration_ms        INTEGER NOT NULL DEFAULT 0
);
-- Results of one run in display order; also serves "results by run".
CREATE INDEX results_run ON results (run_id, asset, check_name);
CREATE INDEX results_asset_check ON results (asset, check_name);

CREATE TABLE metrics (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    result_id  INTEGER NOT NULL,               -- results.id (no FK: deleted with the run)
    at         INTEGER NOT NULL,
    asset      TEXT NOT NULL,
    check_name TEXT NOT NULL,
    item       TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL,
    value      REAL NOT NULL,
    unit       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX metrics_name_asset_at ON metrics (name, asset, at);
CREATE INDEX metrics_run ON metrics (run_id, result_id);

-- When each asset was last looked at by a playbook, kept up to date by
-- AddResults so "since the last run" windows need no scan of results.
CREATE TABLE last_seen (
    kind       TEXT NOT NULL,
    playbook   TEXT NOT NULL,
    asset      TEXT NOT NULL,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,               -- start of that run
    PRIMARY KEY (kind, playbook, asset)
) WITHOUT ROWID;
CREATE INDEX last_seen_run ON last_seen (run_id);

CREATE TABLE maintenance (
    id         INTEGER PRIMARY KEY,
    asset      TEXT NOT NULL DEFAULT '',       -- '' = every asset of system
    system     TEXT NOT NULL DEFAULT '',
    start_at   INTEGER NOT NULL,
    end_at     INTEGER NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    CHECK (end_at > start_at)
);
CREATE INDEX maintenance_time ON maintenance (start_at, end_at);

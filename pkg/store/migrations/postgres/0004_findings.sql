-- 0004_findings for PostgreSQL: the same table and index as the SQLite step.
-- The SQLite step also backfills findings from results stored before it
-- existed; a PostgreSQL history starts at a later schema version with no
-- results, so there is nothing to backfill (and PostgreSQL cannot SUM a
-- boolean, as that backfill does).
CREATE TABLE findings (
    asset        TEXT COLLATE "C" NOT NULL,
    check_name   TEXT COLLATE "C" NOT NULL,
    item         TEXT COLLATE "C" NOT NULL DEFAULT '',
    type         TEXT COLLATE "C" NOT NULL DEFAULT '',
    system       TEXT COLLATE "C" NOT NULL DEFAULT '',
    kind         TEXT COLLATE "C" NOT NULL DEFAULT '',
    first_seen   BIGINT NOT NULL,
    last_seen    BIGINT NOT NULL,
    last_status  BIGINT NOT NULL CHECK (last_status BETWEEN 0 AND 4),
    status_since BIGINT NOT NULL,
    consecutive  BIGINT NOT NULL DEFAULT 1 CHECK (consecutive >= 1),
    last_run_id  BIGINT NOT NULL,
    message      TEXT COLLATE "C" NOT NULL DEFAULT '',
    code         TEXT COLLATE "C" NOT NULL DEFAULT '',
    args         TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (asset, check_name, item)
);
CREATE INDEX results_run_notok ON results (run_id) WHERE status <> 0;

-- 0009_audit: the runners' audit logs in the shared history. Each runner
-- keeps its own hash-chained log file (pkg/audit), which works offline and
-- stays the original; its records are copied here, line for line, so the
-- actions of every zone can be listed and their chains verified in one
-- place. A line is the record exactly as written in the file (its hash
-- covers it); (runner, seq) is copied once.
CREATE TABLE audit_records (
    runner TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    line   TEXT NOT NULL,
    PRIMARY KEY (runner, seq)
) WITHOUT ROWID;

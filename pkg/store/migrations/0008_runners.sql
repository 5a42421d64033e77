-- 0008_runners: several runners (one per network zone or site) share one
-- history on PostgreSQL; each run says which one wrote it.
--
--   runs.runner, zone, site   the runner's name (default its host name),
--                             network zone and site, from its settings
--   runs.origin               for a run a runner spooled while the shared
--                             database was out of reach: the spool's key
--                             of the run ("runner/spool-id/run"), so its
--                             delivery is idempotent; NULL otherwise
--   deliveries                the spooled batches already delivered: a key
--                             is inserted in the same transaction as its
--                             batch, so a batch delivered twice (the runner
--                             died before clearing its spool) is stored once
ALTER TABLE runs ADD COLUMN runner TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN zone TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN origin TEXT;
CREATE UNIQUE INDEX runs_origin ON runs (origin) WHERE origin IS NOT NULL;
CREATE TABLE deliveries (
    key          TEXT PRIMARY KEY,
    delivered_at INTEGER NOT NULL
);

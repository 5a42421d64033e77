-- 0007_availability: what the watcher's availability probes measured, per
-- asset and clock hour: how many probes ran and how many found the asset
-- down. Availability over any period is 1 - down/samples of its hours, and
-- the report can say how many samples a figure rests on. One row per asset
-- and hour keeps a month of 500 assets at 360k small rows, where one row
-- per probe would be 21 million.
--
--   hour     start of the clock hour, ms since the epoch (UTC)
--   samples  probes run in that hour
--   down     of those, probes that found the asset unreachable
--   last_at  time of the latest probe counted
CREATE TABLE availability (
    asset   TEXT    NOT NULL,
    hour    INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    down    INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (asset, hour)
) WITHOUT ROWID;

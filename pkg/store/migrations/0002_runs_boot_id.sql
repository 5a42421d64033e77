-- 0002_runs_boot_id: the boot the writing process ran in (Linux
-- /proc/sys/kernel/random/boot_id), so a run left "running" before a
-- reboot is seen as interrupted even when its pid has been reused since.
ALTER TABLE runs ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';

CREATE TABLE t (x int);
SELECT 1; \! touch @OUT@

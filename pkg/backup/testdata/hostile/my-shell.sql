CREATE TABLE t (x INT);
\! touch @OUT@

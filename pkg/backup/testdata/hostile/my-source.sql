CREATE TABLE t (x INT);
source @SECRET@

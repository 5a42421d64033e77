CREATE TABLE t (x INT);
\u pacs_prod
DROP TABLE studies;

CREATE TABLE t (x INT);
USE`pacs_prod`;
DROP TABLE studies;

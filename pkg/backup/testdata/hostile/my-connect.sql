CREATE TABLE t (x INT);
connect pacs_prod;
DROP TABLE studies;

CREATE TABLE t (x INT);
/*!40101 USE pacs_prod*/;
DROP TABLE studies;

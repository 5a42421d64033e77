SELECT 1;
\! id > @OUT@

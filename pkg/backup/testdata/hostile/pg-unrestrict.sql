SELECT 1;
\unrestrict guessed
\! touch @OUT@

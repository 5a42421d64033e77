\o @OUT@
\qecho pwned

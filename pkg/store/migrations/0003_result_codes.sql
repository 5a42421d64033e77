-- 0003_result_codes: the meaning of a result's message and advice, so a
-- report can show them in its own language whatever the language of the run
-- (issue #11). code and advice_code are catalogue keys, args and advice_args
-- their arguments as a JSON array (see i18n.EncodeArgs). Results stored
-- before have '' everywhere here and keep their text in message and advice.
ALTER TABLE results ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE results ADD COLUMN args TEXT NOT NULL DEFAULT '';
ALTER TABLE results ADD COLUMN advice_code TEXT NOT NULL DEFAULT '';
ALTER TABLE results ADD COLUMN advice_args TEXT NOT NULL DEFAULT '';

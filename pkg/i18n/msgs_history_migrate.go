package i18n

// Messages of hcops history migrate (moving the history between an SQLite
// file and PostgreSQL).
func init() {
	Register(map[string]Msg{
		"migrate.header.table":     {"数据表", "TABLE"},
		"migrate.header.src_rows":  {"源记录数", "SOURCE ROWS"},
		"migrate.header.dest_rows": {"目标记录数", "DEST ROWS"},
		"migrate.header.checksum":  {"校验值", "CHECKSUM"},
		"migrate.header.ok":        {"核对", "OK"},
		"migrate.ok":               {"一致", "ok"},
		"migrate.differs":          {"不一致", "DIFFERS"},
		"migrate.not_copied":       {"（结构自带，仅核对）", " (created by the schema, verified only)"},

		"migrate.need_to":       {"请用 --to 指定目标：postgres:// 地址或历史库文件路径，例如 --to 'postgres://hcops@db.example:5432/hcops?sslmode=verify-full'", "say where to move the history with --to: a postgres:// URL or a history file path, e.g. --to 'postgres://hcops@db.example:5432/hcops?sslmode=verify-full'"},
		"migrate.same":          {"源与目标是同一个历史库（%s）", "the source and the destination are the same history (%s)"},
		"migrate.to_password":   {"--to-password 须为密码引用：env:变量名、file:文件路径或 vault:名称，不能是密码本身", "--to-password must be a reference: env:NAME, file:PATH or vault:NAME, never the password itself"},
		"migrate.password_file": {"--to-password 仅用于 postgres:// 目标；文件目标无需密码", "--to-password is for a postgres:// destination; a file needs none"},
		"migrate.confirm":       {"将把历史库 %s 完整复制到 %s（源库不会被修改）。是否继续？[y/N] ", "copy the whole history %s into %s (the source is not changed)? [y/N] "},
		"migrate.need_yes":      {"未在终端中运行，无法确认：确认无误后加 --yes 再执行", "not on a terminal, so nothing can be confirmed: add --yes to go ahead"},
		"migrate.declined":      {"已取消，未做任何修改", "cancelled; nothing was changed"},
		"migrate.progress":      {"正在复制 %s：%d 条", "copying %s: %d rows"},
		"migrate.not_empty":     {"目标 %s 已有历史数据（%d 次运行，数据表 %s 非空）：迁移只写入空的历史库，且不删除任何数据。若之前的迁移已完成，数据已在其中（可用 hcops --db %[1]s history list 查看）；若要重新迁移，请新建一个空数据库（createdb）或指定一个新的文件", "the destination %s already holds history (%d runs; table %s has rows): hcops migrates only into an empty history and deletes nothing. If an earlier migration finished, the history is there already (see hcops --db %[1]s history list); to start again, create a new empty database (createdb) or choose a new file"},
		"migrate.interrupted":   {"迁移已中断：目标 %s 未写入任何数据（整个复制在同一事务中，未提交），源库未改动；重新执行同一命令即可", "migration interrupted: nothing was written to %s (the copy is one transaction, never committed) and the source is unchanged; run the same command again"},
		"migrate.mismatch":      {"核对失败：数据表 %s 与源库不一致，复制已回滚，目标 %s 仍为空；请保留源库，并将上表反馈给维护人员", "verification failed: table(s) %s differ from the source; the copy was rolled back and %s is still empty. Keep the source and report the table above"},
		"migrate.bad_text":      {"数据表 %s 中编号为 %s 的记录，其 %s 字段含有 PostgreSQL 无法保存的文本（非 UTF-8 编码，如 GBK 主机的原始输出，或含 NUL 字节）；目标 %s 未写入任何数据。如接受将这些字节替换为 U+FFFD（替换数量会在报告中列出），请加 --repair-text 重新执行", "table %s, row %s, column %s holds text PostgreSQL cannot store (not UTF-8, such as a GBK host's raw output, or a NUL byte); nothing was written to %s. To store such text with U+FFFD in place of the bad bytes (counted in the report), run again with --repair-text"},
		"migrate.repaired":      {"有 %d 个文本值含 PostgreSQL 无法保存的字节，已以 U+FFFD 替换后写入（--repair-text）", "%d text values held bytes PostgreSQL cannot store and were written with U+FFFD in their place (--repair-text)"},
		"migrate.done":          {"已将 %d 张数据表共 %d 条记录从 %s 迁移到 %s，用时 %s；逐表核对记录数与校验值，全部一致", "moved %[2]d rows of %[1]d tables from %[3]s to %[4]s in %[5]s; every table has the same row count and checksum on both sides"},
		"migrate.next":          {"此后请让 hcops 使用新的历史库：--db %s（或在配置文件中设置 db）", "from now on point hcops at the new history: --db %s (or db in the config file)"},
		"migrate.next_pg":       {"此后请让 hcops 使用新的历史库：--db '%s' 并设置 --db-password（或 HCOPS_DB_PASSWORD）为 %s", "from now on point hcops at the new history: --db '%s' with --db-password (or HCOPS_DB_PASSWORD) %s"},
	})
}

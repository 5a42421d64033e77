package i18n

// Messages of a runner's spool: runs kept locally while the shared
// (PostgreSQL) history cannot be reached, delivered when it is back.
func init() {
	Register(map[string]Msg{
		"spool.spooling": {
			"无法连接历史库 %s（%v）：本次运行暂存于本地 %s，历史库恢复后自动补传，不丢不重",
			"the history %s cannot be reached (%v): this run is kept in the local spool %s and delivered, once, when the history is back",
		},
		"spool.delivered": {
			"已将暂存的 %d 次运行、%d 批结果（共 %d 项操作）补传至历史库 %s",
			"delivered the spool to the history %[4]s (runs begun: %[1]d, result batches: %[2]d, operations in all: %[3]d)",
		},
		"spool.deliver_failed": {
			"暂存数据补传未完成：%v；尚余 %d 项操作，下次连接历史库时继续补传",
			"the spool was not fully delivered: %v; %d operations remain and are delivered the next time the history answers",
		},
		"spool.run_spooled": {
			"巡检记录已暂存于本地，历史库恢复后补传（届时可用 hcops history list 查看）",
			"run kept in the local spool; it is delivered to the history when the history is back (then: hcops history list)",
		},
		"watch.history_wait": {
			"无法连接历史库 %s（%v）：值守进程等待其恢复，恢复后开始工作",
			"the history %s cannot be reached (%v): the watcher waits for it and starts when it answers",
		},
		"spool.needs_shared": {
			"历史库 %s 是本地文件，无需暂存：只有共享的 postgres:// 历史库会有暂存数据",
			"the history %s is a local file: only a shared postgres:// history is ever spooled for",
		},
		"spool.empty": {
			"没有待补传的暂存数据：所有运行均已写入历史库 %s",
			"nothing is spooled: every run is in the history %s",
		},
		"spool.pending": {
			"尚有 %d 项操作暂存于 %s，待历史库 %s 恢复后补传（%v）",
			"%d operations wait in the spool %s for the history %s (%v)",
		},
		"spool.unusable": {
			"本地暂存文件不可用：%v",
			"the local spool cannot be used: %v",
		},
	})
}

// Messages of the runners' audit logs copied into a shared history.
func init() {
	Register(map[string]Msg{
		"audit.share_failed":        {"审计日志未能同步至共享历史库：%v（下次连接时继续）", "the audit log was not copied into the shared history: %v (the next command copies it)"},
		"audit.runner_needs_shared": {"--runner 读取的是各运行器同步到共享历史库中的审计日志，须使用 postgres:// 历史库（--db）", "--runner reads the audit logs runners copied into a shared history: it needs a postgres:// history (--db)"},
		"audit.runner_head":         {"--head 核对的是本机审计日志及其检查点，不能与 --runner 同用", "--head checks this machine's log and its checkpoint; it cannot be used with --runner"},
		"audit.shared_where":        {"（运行器 %s，历史库 %s 中的副本）", "of runner %s (its copy in %s)"},
		"audit.verify.ok_shared":    {"审计日志%s完整：%d 条记录，每条哈希与链接均一致（副本无检查点；在该运行器上执行 hcops audit verify 核对其原始日志）", "audit log %s is intact: %d records, every hash and link agrees (a copy has no checkpoint: on that runner, hcops audit verify checks the original)"},
	})
}

package i18n

// Messages of hcops schedule and hcops maintenance.
func init() {
	Register(map[string]Msg{
		"schedule.locked":          {"任务 %s 正在运行（进程 %d，开始于 %s），本次退出", "job %s is already running (pid %d, since %s); exiting"},
		"schedule.locked_nopid":    {"任务 %s 正在运行，本次退出", "job %s is already running; exiting"},
		"schedule.started":         {"%s 任务 %s 开始（进程 %d）：hcops %s", "%s job %s started (pid %d): hcops %s"},
		"schedule.finished":        {"%s 任务 %s 结束，退出码 %d，耗时 %s", "%s job %s finished with exit code %d after %s"},
		"schedule.exec_failed":     {"任务 %s：无法启动 hcops：%v", "job %s: cannot start hcops: %v"},
		"schedule.defaults":        {"配置中没有 jobs:，以下为默认任务（在配置文件中添加 jobs: 可自定义）", "no jobs: in the configuration; these are the default jobs (add jobs: to the config file to choose your own)"},
		"schedule.wrote":           {"已写入 %s", "wrote %s"},
		"schedule.enable":          {"启用：systemctl daemon-reload && systemctl enable --now %s", "enable with: systemctl daemon-reload && systemctl enable --now %s"},
		"schedule.header.name":     {"任务", "JOB"},
		"schedule.header.schedule": {"计划（cron）", "SCHEDULE"},
		"schedule.header.next":     {"下次运行", "NEXT RUN"},
		"schedule.header.command":  {"命令", "COMMAND"},

		"maintenance.added":            {"已登记维护窗口 %d：%s，%s 至 %s", "maintenance window %d recorded: %s, %s to %s"},
		"maintenance.removed":          {"已删除维护窗口 %d", "maintenance window %d removed"},
		"maintenance.none":             {"%s 没有维护窗口", "no maintenance windows in %s"},
		"maintenance.none_all":         {"没有登记的维护窗口", "no maintenance windows recorded"},
		"maintenance.not_found":        {"维护窗口 %d 不存在（参见 hcops maintenance list）", "maintenance window %d not found (see hcops maintenance list)"},
		"maintenance.need_target":      {"请用 --asset 或 --system 指定维护对象（二选一）", "give the asset or the system under maintenance: --asset NAME or --system NAME (one of them)"},
		"maintenance.both_targets":     {"--asset 和 --system 只能指定一个", "give --asset or --system, not both"},
		"maintenance.bad_time":         {"%s 时间 %q 无法识别（格式：2026-11-03 22:00，本地时区 %s）", "%s time %q not understood (want 2026-11-03 22:00, local time zone %s)"},
		"maintenance.end_before":       {"结束时间 %s 不晚于开始时间 %s", "end %s is not after start %s"},
		"maintenance.need_reason":      {"请用 --reason 说明维护原因（会写入月报）", "give the reason with --reason (it goes into the monthly report)"},
		"maintenance.need_end":         {"请用 --end 给出结束时间，或用 --duration 给出时长", "give the end with --end, or the length with --duration"},
		"maintenance.end_and_duration": {"--end 和 --duration 只能指定一个", "give --end or --duration, not both"},
		"maintenance.bad_month":        {"月份 %q 无法识别（格式：2026-11）", "month %q not understood (want 2026-11)"},
		"maintenance.bad_id":           {"维护窗口编号 %q 无效（参见 hcops maintenance list）", "maintenance window id %q is not a number (see hcops maintenance list)"},
		"maintenance.unknown_asset":    {"资产清单中没有资产 %q", "no asset %q in the inventory"},
		"maintenance.unknown_system":   {"资产清单中没有应用系统 %q", "no system %q in the inventory"},
		"maintenance.target.asset":     {"资产 %s", "asset %s"},
		"maintenance.target.system":    {"系统 %s", "system %s"},
		"maintenance.header.id":        {"编号", "ID"},
		"maintenance.header.target":    {"对象", "TARGET"},
		"maintenance.header.start":     {"开始", "START"},
		"maintenance.header.end":       {"结束", "END"},
		"maintenance.header.duration":  {"时长", "DURATION"},
		"maintenance.header.reason":    {"原因", "REASON"},
	})
}

package i18n

// Messages of reports merged from several runners (one per network zone
// or site) sharing one history, and of their --zone / --runner scope.
func init() {
	Register(map[string]Msg{
		"report.f.scope":              {"报告范围", "Scope"},
		"report.scope.runs":           {"合并 %d 个巡检节点当日最新一次巡检：%s", "the latest inspection of the day of %d runners, merged: %s"},
		"report.scope.run_zone":       {"%s（网络区域 %s，巡检记录 %d，%s）", "%s (zone %s, run %d, %s)"},
		"report.scope.run":            {"%s（巡检记录 %d，%s）", "%s (run %d, %s)"},
		"report.scope.runner_unnamed": {"未命名节点", "unnamed runner"},
		"report.scope.zone":           {"仅含网络区域 %s 的设备", "assets of zone %s only"},
		"report.scope.runner":         {"仅含巡检节点 %s 的巡检", "inspections by runner %s only"},
		"report.scope.sep":            {"；", "; "},
		"report.scope.list_sep":       {"、", ", "},
		"report.daily.prev_line_runs": {"对比各巡检节点的上次巡检（记录 %s）：新出现问题 %d 项，已恢复 %d 项。", "Compared with each runner's previous inspection (runs %s): %d new problems, %d resolved."},
		"report.daily.note_sources":   {"数据来源：hcops 巡检记录 %s（%d 个巡检节点各自当日最新一次巡检，合并；同一设备被多个节点巡检时，采用开始时间最晚的一次巡检结果）。", "Source: hcops inspection runs %s (the latest inspection of the day of each of %d runners, merged; an asset inspected by more than one runner is reported from the run that started last)."},
		"report.cli.no_runs_scope":    {"历史记录中没有符合范围（%s）的巡检记录", "no inspection in history within the scope (%s)"},
		"report.cli.no_run_day_scope": {"%s 没有符合范围（%s）的巡检记录（可用 hcops history list 查看）", "no inspection on %s within the scope (%s) (see hcops history list)"},
	})
}

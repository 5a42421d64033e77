package i18n

// Messages of `hcops exec`. Keys start with "exec.".
func init() {
	Register(map[string]Msg{
		"exec.both":         {"请在 -- 之后给出命令，或用 --script 指定脚本文件，二者只能选一", "give a command after -- or a script with --script, not both"},
		"exec.no_command":   {"没有要执行的命令：请在 -- 之后给出命令，或用 --script 指定脚本文件", "nothing to run: give a command after -- or a script with --script"},
		"exec.script_read":  {"无法读取脚本 %s：%v", "cannot read the script %s: %v"},
		"exec.no_selector":  {"请指定目标资产（名称通配符、--group 或 -l）；不会在全部资产上执行", "select the target assets (name globs, --group or -l); exec never runs on every asset by default"},
		"exec.no_inventory": {"exec 需要资产清单（--inventory 或 HCOPS_INVENTORY）", "exec needs an inventory (--inventory or HCOPS_INVENTORY)"},
		"exec.no_target":    {"没有与 %s 匹配的资产", "no asset matches %s"},
		"exec.confirm": {"所选资产中有 %[1]d 台核心资产或一体机，请用 --confirm 逐一写出其名称确认后再执行（尚未确认：%[2]s；全部：%[3]s）",
			"%d of the selected assets are core or appliances: type their names back with --confirm to run on them (not confirmed: %s; all: %s)"},
		"exec.header.asset":      {"资产", "ASSET"},
		"exec.header.address":    {"地址", "ADDRESS"},
		"exec.header.system":     {"系统", "SYSTEM"},
		"exec.header.core":       {"核心", "CORE"},
		"exec.core_mark":         {"是（需 --confirm）", "yes (needs --confirm)"},
		"exec.dry_run":           {"演练模式：将在以上 %d 台资产上执行 %q，未执行任何操作", "dry run: %d assets above would run %q; nothing was run"},
		"exec.group.exit":        {"%d 台，退出码 %d", "%d hosts, exit %d"},
		"exec.group.timeout":     {"%d 台，超时未返回退出码（命令已终止）", "%d hosts, no exit status within the deadline (the command was killed)"},
		"exec.group.unreachable": {"%d 台，无法连接（%s）", "%d hosts, unreachable (%s)"},
		"exec.summary":           {"共 %d 台：成功 %d，失败 %d，无法连接或超时 %d，耗时 %s", "%d hosts: %d exited 0, %d failed, %d unreachable or timed out, in %s"},
		"exec.audited":           {"已记入审计日志（第 %d 条）", "recorded in the audit log (record %d)"},
		"exec.audit_failed":      {"命令已执行，但无法写入审计日志：%v", "the command ran but could not be recorded in the audit log: %v"},
		"cp.args":                {"请在 -- 之后给出两个路径：本地文件 远程路径（--get 时：远程文件 本地目录）", "give two paths after --: LOCAL REMOTE (with --get: REMOTE LOCALDIR)"},
		"cp.header.path":         {"路径", "PATH"},
		"cp.header.result":       {"结果", "RESULT"},
		"cp.verified":            {"已校验（%d 字节，SHA-256 %s…）", "verified (%d bytes, SHA-256 %s…)"},
		"cp.summary":             {"共 %d 台：校验通过 %d，失败 %d（失败的目标文件保持原样）", "%d hosts: %d verified, %d failed (their targets are unchanged)"},
		"ssh.recorded":           {"会话已录制：%s（审计日志第 %d 条）", "session recorded: %s (audit record %d)"},
		"run.audit_failed":       {"无法写入审计日志：%v（本次运行的结果已保存）", "cannot append to the audit log: %v (the run's results are stored)"},
		"exec.approval_needed": {"配置要求二次审批：%[1]d 台资产（%[2]s）需要第二人用其账号以 --approve 生成的审批文件，请用 --approval 指定",
			"the config requires a second person's approval for %d assets (%s): give the approval file they wrote from their own account with --approve, with --approval"},
		"exec.approval_refused": {"审批文件无效：%v", "approval refused: %v"},
		"exec.approved":         {"已由 %s 审批（有效期至 %s）", "approved by %s (valid until %s)"},
	})
}

package i18n

// Messages of the probe and generic check types in pkg/inspect: command,
// nagios-plugin, http, tcp-connect, tls-cert, dns, file, log-pattern.
// Messages name the thing checked and the number that decided; advice says
// what to do next in plain words.
func init() {
	Register(map[string]Msg{
		// shared
		"probe.no_output":           {"未采集到输出（采集脚本未执行完，或被截断在本检查之前）", "no output collected (the collector script did not run to completion or was cut before this check)"},
		"probe.output_truncated":    {"输出已被截断，结论可能不完整", "output was truncated, the verdict may be incomplete"},
		"probe.advice.fix_playbook": {"修改巡检剧本（playbook）或资产清单中该检查的参数后重新运行", "fix this check's parameters in the playbook or the inventory override, then run again"},

		// command
		"probe.command.exit":        {"退出码 %d", "exit %d"},
		"probe.command.exit_warn":   {"退出码 %d 属于警告", "exit code %d counts as a warning"},
		"probe.command.exit_bad":    {"退出码 %d（期望 %s）", "exit code %d (want %s)"},
		"probe.command.exit_127":    {"命令未找到（退出码 127）", "command not found (exit 127)"},
		"probe.command.no_match":    {"输出不匹配 /%s/", "output does not match /%s/"},
		"probe.command.match":       {"输出匹配了不应出现的 /%s/：%s", "output matches /%s/: %s"},
		"probe.command.value":       {"取值 %s%s", "value %s%s"},
		"probe.command.no_value":    {"输出中没有数字，无法与阈值比较", "no number in the output to compare with the thresholds"},
		"probe.command.no_value_re": {"输出中找不到 /%s/ 对应的数字", "no number matching /%s/ in the output"},
		"probe.advice.command":      {"查看证据中的完整输出，按该检查的说明处理；确认无误后可调整阈值或期望的退出码", "read the full output in the evidence and act on it; if the output is expected, adjust the thresholds or expected exit codes"},
	})
}

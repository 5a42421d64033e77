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

		// nagios-plugin
		"probe.nagios.missing":        {"插件 %s 不存在或不可执行", "plugin %s is not installed or not executable"},
		"probe.nagios.not_executable": {"插件 %s 无法执行（退出码 126，检查权限）", "plugin %s cannot be executed (exit 126: check its permissions)"},
		"probe.nagios.bad_exit":       {"插件退出码 %d 不符合 Nagios 约定（应为 0–3）：%s", "plugin exit code %d is outside the Nagios convention 0-3: %s"},
		"probe.nagios.no_summary":     {"插件退出码 %d，无输出", "plugin exited %d with no output"},
		"probe.nagios.bad_perf":       {"%d 项性能数据无法解析，已跳过", "%d perfdata item(s) could not be read and were skipped"},
		"probe.advice.nagios_missing": {"在目标主机安装插件（Debian/Ubuntu：apt install monitoring-plugins；RHEL/Kylin/UOS：yum install nagios-plugins-all），或在参数 plugin 中写明完整路径", "install the plugin on the host (Debian/Ubuntu: apt install monitoring-plugins; RHEL/Kylin/UOS: yum install nagios-plugins-all) or give its full path in the plugin parameter"},
		"probe.advice.nagios":         {"按插件输出的提示处理；阈值由插件参数 -w/-c 决定", "act on what the plugin reports; its thresholds come from the plugin's own -w/-c arguments"},
	})
}

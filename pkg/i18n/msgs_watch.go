package i18n

// Messages of `hcops watch` and its availability probes. Keys start with
// "watch.".
func init() {
	Register(map[string]Msg{
		"watch.probe.up":          {"%s 可连接（%d 毫秒）", "%s answers (%d ms)"},
		"watch.probe.down":        {"%s 无法连接：%v", "%s does not answer: %v"},
		"watch.probe.down_advice": {"请检查该主机或服务是否运行、网络路径与防火墙是否正常；持续无法连接将按故障等级开具工单", "check that the host or service runs and the network path and firewall let it through; if it stays down a ticket is opened by fault class"},
		"watch.reason.refused":    {"连接被拒绝", "connection refused"},
		"watch.reason.timeout":    {"连接超时", "connection timed out"},
		"watch.reason.dns":        {"域名无法解析", "the name does not resolve"},
		"watch.reason.network":    {"网络不可达", "network unreachable"},
		"watch.cycle":             {"%s 告警状态变化 %d 项，新开工单 %d 张，已发送通知 %d 条，发送失败 %d 条（稍后重试）", "%s: %d alert changes, %d tickets opened, %d notifications sent, %d failed (retried later)"},
		"watch.cycle_failed":      {"本轮处理未全部完成：%v", "the cycle did not complete: %v"},
		"watch.started":           {"开始值守：%d 项资产，每 %s 探测一次可用性，%d 个定时任务；按 Ctrl-C 停止", "watching: %d assets, availability probed every %s, %d scheduled jobs; Ctrl-C stops"},
		"watch.reason.no-banner":  {"端口可连接但 SSH 服务无响应", "the port answers but sshd sends no banner"},
		"watch.reason.auth":       {"认证失败", "authentication failed"},
		"watch.reason.no-reply":   {"ping 无应答", "no reply to ping"},
	})
}

package i18n

// Messages of report delivery (pkg/deliver and the --mail / --webhook flags).
func init() {
	Register(map[string]Msg{
		"deliver.webhook.status": {"总体状态：%s", "Overall status: %s"},
		"deliver.webhook.counts": {"正常 %d · 警告 %d · 严重 %d · 未知 %d · 无法连接 %d",
			"OK %d · WARN %d · CRIT %d · UNKNOWN %d · UNREACHABLE %d"},
		"deliver.webhook.link": {"查看完整报告", "Full report"},

		"deliver.mail.sent":      {"报告已发送至 %s", "report mailed to %s"},
		"deliver.mail.failed":    {"邮件发送失败：%v；报告文件已保存在 %s，可稍后重发", "mail delivery failed: %v; the report is kept at %s, send it again later"},
		"deliver.webhook.sent":   {"摘要已推送至 webhook %s", "summary posted to webhook %s"},
		"deliver.webhook.failed": {"webhook %s 推送失败：%v；报告文件已保存在 %s", "webhook %s failed: %v; the report is kept at %s"},
		"deliver.webhook.none":   {"配置中没有名为 %q 的 webhook（已配置：%s）", "no webhook named %q in the configuration (configured: %s)"},
	})
}

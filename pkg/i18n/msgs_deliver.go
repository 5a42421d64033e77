package i18n

// Messages of report delivery (pkg/deliver): the default webhook text.
func init() {
	Register(map[string]Msg{
		"deliver.webhook.status": {"总体状态：%s", "Overall status: %s"},
		"deliver.webhook.counts": {"正常 %d · 警告 %d · 严重 %d · 未知 %d · 无法连接 %d",
			"OK %d · WARN %d · CRIT %d · UNKNOWN %d · UNREACHABLE %d"},
		"deliver.webhook.link": {"查看完整报告", "Full report"},
	})
}

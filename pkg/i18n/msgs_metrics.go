package i18n

// Messages of `hcops metrics` and `hcops watch --metrics`. Keys start with
// "metrics.".
func init() {
	Register(map[string]Msg{
		"metrics.bad_max_items":   {"--max-items 应不小于 2，实际为 %d", "--max-items must be at least 2, not %d"},
		"metrics.bad_stale_after": {"--stale-after 应为正的时长（如 7d、72h），实际为 %s", "--stale-after must be a positive duration (7d, 72h), not %s"},
		"metrics.not_prom":        {"%s 的文件名不以 .prom 结尾，node_exporter 的 textfile 采集器不会读取它", "%s does not end in .prom: node_exporter's textfile collector will not read it"},
		"metrics.write_failed":    {"指标未能写出：%v", "the metrics were not written: %v"},
		"metrics.history_failed":  {"读取运维历史失败，已写出的指标中 hcops_history_up 为 0：%v", "reading the history failed; the metrics were written with hcops_history_up 0: %v"},
		"metrics.addr_in_use":     {"指标地址 %s 已被其他程序占用：请用 --metrics 换一个地址（端口），或先停止占用它的程序", "metrics address %s is already in use by another program: choose another address (port) with --metrics, or stop that program"},
		"metrics.listen_failed":   {"无法在 %s 提供指标：%v", "cannot serve metrics on %s: %v"},
		"metrics.serving":         {"指标已在 http://%s/metrics 提供，供 Prometheus 采集", "metrics served on http://%s/metrics for Prometheus"},
		"metrics.with_once":       {"--metrics 需要值守持续运行，不能与 --once 同用", "--metrics needs the watcher to keep running: it cannot be used with --once"},
	})
}

package i18n

// Messages of the monthly report's link section (SLA2: dedicated lines and
// VPNs). Keys start with "report.links." or "report.h.avail_links".
func init() {
	Register(map[string]Msg{
		"report.h.avail_links":        {"专线可用性（SLA2）", "Links (SLA2)"},
		"report.links.intro":          {"专线与 VPN 的可用性只依据已记录的测量样本计算：值守进程运行时为其每分钟一次的 ping 探测，否则为每次巡检的结果（ping 无应答计为中断）；目标默认为 %s。没有样本的线路标注“数据不足”，不按 100%% 计。", "The availability of links is computed only from stored samples: the watcher's per-minute pings where it ran, else each inspection's result (no reply to ping counts as down); the target is %s unless the inventory says otherwise. A link without samples says no data and is never counted as 100 %%."},
		"report.links.none":           {"资产清单中没有专线（kind: link）。", "The inventory has no links (kind: link)."},
		"report.links.c.link":         {"线路", "Link"},
		"report.links.c.measured":     {"测量方式", "Measured by"},
		"report.links.c.samples":      {"样本数（不可达）", "Samples (down)"},
		"report.links.c.worst":        {"最长中断", "Longest outages"},
		"report.links.c.pings":        {"巡检 ping 次数", "Inspection pings"},
		"report.links.c.loss":         {"平均丢包率（%）", "Mean loss (%)"},
		"report.links.c.rtt_avg":      {"平均时延（ms）", "Mean RTT (ms)"},
		"report.links.c.rtt_max":      {"最大时延（ms）", "Max RTT (ms)"},
		"report.links.c.jitter":       {"平均抖动（ms）", "Mean jitter (ms)"},
		"report.links.c.quality":      {"丢包与时延（巡检实测）", "Loss and latency (inspections)"},
		"report.links.quality":        {"平均丢包 %s%%，往返时延 平均 %s ms、最大 %s ms，抖动 %s ms（%d 次）", "loss %s%% on average, RTT avg %s ms, max %s ms, jitter %s ms (%d pings)"},
		"report.links.c.ends":         {"两端站点", "Ends"},
		"report.links.c.samples_n":    {"样本数", "Samples"},
		"report.links.c.samples_down": {"其中不可达", "Of them down"},
		"report.sheet.links":          {"专线可用性", "Links"},
		"report.links.by.probes":      {"值守 ping 探测", "watcher pings"},
		"report.links.by.inspections": {"日常巡检", "inspections"},
		"report.links.by.none":        {"无样本", "no samples"},
		"report.links.outage":         {"%s 起 %s", "%s for %s"},
		"report.links.ongoing":        {"%s 起，尚未恢复", "%s, still down"},
	})
}

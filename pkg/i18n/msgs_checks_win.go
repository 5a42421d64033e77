package i18n

// Messages of the Windows check types (pkg/checks/win: win-cpu, win-memory,
// win-disk, win-service, win-eventlog, win-uptime, win-reboot).
func init() {
	Register(map[string]Msg{
		"win.no_output":      {"未采集到输出（PowerShell 采集脚本未运行完成）", "no output collected (the PowerShell collector did not run to completion)"},
		"win.partial":        {"（输出被截断，结果可能不完整）", " (output cut short: the result may be incomplete)"},
		"win.internal_error": {"解析采集结果时出错（%v）；请将该主机的输出提交给 hcops 维护者", "internal error while reading the output (%v); please report this host's output to the hcops maintainers"},
		"win.unparsable":     {"无法读取 %s 的采集结果：%s", "cannot read what %s returned: %s"},

		"win.cpu.no_value": {"Win32_Processor 未给出 CPU 负载", "Win32_Processor gave no processor load"},
		"win.cpu.msg":      {"CPU 使用率 %.1f%%（%d 个逻辑处理器）", "CPU %.1f%% busy (%d logical processors)"},
		"win.cpu.advice":   {"在任务管理器或 Get-Process | Sort-Object CPU -Descending 中找出占用 CPU 最多的进程，确认是否为业务高峰", "find the processes using the most CPU (Task Manager, or Get-Process | Sort-Object CPU -Descending) and whether this is a business peak"},

		"win.memory.no_value": {"Win32_OperatingSystem 未给出内存总量与可用量", "Win32_OperatingSystem gave no memory total and free"},
		"win.memory.msg":      {"内存已用 %.1f%%（%s / %s）", "memory %.1f%% in use (%s of %s)"},
		"win.memory.commit":   {"；提交内存 %.1f%%（上限 %s，含页面文件）", "; commit charge %.1f%% (limit %s with page files)"},
		"win.memory.advice":   {"查找占用内存最多的进程（Get-Process | Sort-Object WS -Descending）；提交内存接近上限时应扩大页面文件或内存", "find the processes using the most memory (Get-Process | Sort-Object WS -Descending); when the commit charge nears its limit, enlarge the page file or the memory"},

		"win.disk.msg":        {"%s 已用 %.1f%%（剩余 %s / 共 %s）", "%s %.1f%% used (%s free of %s)"},
		"win.disk.bad_volume": {"%s 的容量数据无法读取", "%s reported no usable size or free space"},
		"win.disk.none":       {"未找到本地固定磁盘卷（或参数排除了全部卷）", "no local fixed volume found (or the parameters left out every one)"},
		"win.disk.advice":     {"清理 %s 上的日志、临时文件和旧安装包（cleanmgr、Windows\\Temp），或扩容该卷", "free space on %s (old logs, temporary files, installers; cleanmgr, Windows\\Temp), or extend the volume"},

		"win.service.required_down": {"%d 个必需服务未运行：%s", "%d required service(s) not running: %s"},
		"win.service.missing":       {"；必需服务未安装：%s", "; required service(s) not installed: %s"},
		"win.service.auto_stopped":  {"%d 个自动启动的服务未运行：%s", "%d automatic service(s) not running: %s"},
		"win.service.also_stopped":  {"；另有 %d 个自动启动的服务未运行：%s", "; %d more automatic service(s) not running: %s"},
		"win.service.ok":            {"自动启动的服务均在运行（必需服务 %d 个）", "every automatic service is running (%d required)"},
		"win.service.advice":        {"查看该服务的系统日志事件（服务控制管理器 7000–7043），确认原因后用 Start-Service 启动；按设计会停止的服务请加入 allow_stopped", "read the service's System log events (Service Control Manager 7000-7043), fix the cause and start it (Start-Service); add services that stop by design to allow_stopped"},

		"win.eventlog.none":        {"%s 日志自 %s 以来无错误或严重事件", "no error or critical events in %s since %s"},
		"win.eventlog.msg":         {"%d 个错误、%d 个严重事件（%s，自 %s 以来）；最多的是：%s", "%d error and %d critical event(s) in %s since %s; most frequent: %s"},
		"win.eventlog.capped":      {"；%s 日志已达到每次读取上限 %d 条，实际数量可能更多", "; %s reached the limit of %d events read per log: there may be more"},
		"win.eventlog.bad_time":    {"；%d 条事件的时间无法读取，未计入", "; %d event(s) with an unreadable time were not counted"},
		"win.eventlog.advice":      {"在事件查看器中按来源和事件 ID 查看这些错误，处理重复出现的；确认无害的可按 来源:ID 加入 ignore", "look the errors up by source and event ID in Event Viewer and deal with the recurring ones; add harmless ones to ignore as source:id"},
		"win.eventlog.advice_crit": {"严重事件（如 Kernel-Power 41 意外断电重启）需要立即查明原因：查看事件详情、硬件与电源、云平台事件记录", "critical events (such as Kernel-Power 41, an unexpected restart) need their cause found now: read the event, check the hardware, the power and the cloud platform's event log"},

		"win.uptime.msg":             {"已运行 %s（启动于 %s）", "up %s (booted %s)"},
		"win.uptime.os":              {"；%s（内部版本 %s）", "; %s (build %s)"},
		"win.uptime.rebooted":        {"主机在 %s 重启过（上次巡检 %s 之后），已运行 %s", "host rebooted at %s (after the last inspection at %s); up %s"},
		"win.uptime.rebooted_advice": {"确认这次重启是否在计划内；若不是，请查看系统日志中的 Kernel-Power 41、EventLog 6008 事件和云平台的事件记录", "confirm the reboot was planned; if not, read the System log (Kernel-Power 41, EventLog 6008) and the cloud platform's event log"},
		"win.uptime.advice":          {"主机长期未重启，可能未装上需要重启的安全更新；请安排维护窗口更新并重启", "the host has not rebooted for a long time and may lack updates that need one; plan a maintenance window to update and reboot"},

		"win.reboot.no_value": {"无法读取挂起重启的注册表项", "the pending-reboot registry keys could not be read"},
		"win.reboot.none":     {"无待完成的重启", "no reboot pending"},
		"win.reboot.pending":  {"有待完成的重启", "a reboot is pending"},
		"win.reboot.wu":       {"；Windows 更新已安装、需重启生效（WindowsUpdate RebootRequired）", "; installed Windows updates need it (WindowsUpdate RebootRequired)"},
		"win.reboot.cbs":      {"；组件服务有挂起的更改（CBS RebootPending）", "; component servicing has pending changes (CBS RebootPending)"},
		"win.reboot.renames":  {"；%d 项文件替换待重启完成（PendingFileRenameOperations）", "; %d file replacement entries wait for it (PendingFileRenameOperations)"},
		"win.reboot.advice":   {"已安装的更新要重启后才生效：与业务方约定维护窗口后重启，重启后确认服务恢复", "installed updates take effect only after a reboot: agree a maintenance window with the system's owners, reboot, and check the services afterwards"},

		// Parameter errors, reported when the playbook is loaded.
		"win.param.bad_pattern":  {"通配模式 %q 有误：%v", "bad pattern %q: %v"},
		"win.param.logs":         {"请至少写一个事件日志", "name at least one event log"},
		"win.param.lookback":     {"应在 1h 到 90d 之间，实际为 %s", "want between 1h and 90d, got %s"},
		"win.param.max_events":   {"应为 1 到 5000，实际为 %d", "want 1 to 5000, got %d"},
		"win.param.service_name": {"应为服务名称（不能用通配模式），实际为 %q", "want service names (no patterns), got %q"},
	})
}

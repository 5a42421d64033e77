package i18n

// Messages of the operating-system check types (pkg/inspect check_cpu.go,
// check_memory.go, check_disk.go, …). Keys start with "os.".
func init() {
	Register(map[string]Msg{
		"os.no_output": {"未采集到输出（采集脚本未运行完成）", "no output collected (the collector did not run to completion)"},
		"os.truncated": {"输出超出上限被截断，本项没有收到数据", "output hit the size bound before this check's data arrived"},

		"os.cpu.unparsable":    {"无法解析 /proc/stat：%v", "cannot read /proc/stat: %v"},
		"os.cpu.msg":           {"CPU 使用率 %.1f%%（iowait %.1f%%，steal %.1f%%）", "CPU %.1f%% busy (iowait %.1f%%, steal %.1f%%)"},
		"os.cpu.advice":        {"用 top 或 pidstat 1 5 找出占用 CPU 最多的进程；若是业务正常增长，请评估扩容 vCPU", "find the busiest processes with top or pidstat 1 5; if it is normal growth of the workload, plan more vCPUs"},
		"os.cpu.advice_iowait": {"iowait 达 %.1f%%：CPU 在等待磁盘，用 iostat -x 1 5 找出繁忙的磁盘和进程（iotop）", "iowait is %.1f%%: the CPUs wait for disks; find the busy disk and process with iostat -x 1 5 and iotop"},
		"os.cpu.advice_steal":  {"steal 达 %.1f%%：宿主机 CPU 资源争用，请联系云平台检查该云主机所在的物理机", "steal is %.1f%%: the hypervisor is short of CPU; ask the cloud provider to check the physical host"},

		"os.mem.unparsable": {"无法解析内存信息：%v", "cannot read memory figures: %v"},
		"os.mem.msg":        {"可用内存 %s / 共 %s（%.1f%%）", "%s of %s memory available (%.1f%%)"},
		"os.mem.estimated":  {"（内核未提供 MemAvailable，按 free+buffers+cache 估算）", " (estimated as free + buffers + cache: the kernel has no MemAvailable)"},
		"os.mem.advice":     {"用 ps aux --sort=-rss | head 找出占用内存最多的进程；检查是否有内存泄漏，必要时重启该服务或扩容内存", "find the largest processes with ps aux --sort=-rss | head; look for a leak, restart that service if needed, or add memory"},
		"os.swap.none":      {"未配置交换分区", "no swap configured"},
		"os.swap.msg":       {"交换分区已用 %s / 共 %s（%.1f%%）", "%s of %s swap used (%.1f%%)"},
		"os.swap.advice":    {"交换分区使用偏高说明内存长期不足：用 smem 或 grep VmSwap /proc/*/status 找出被换出的进程，考虑扩容内存", "heavy swap use means memory has been short: find swapped-out processes (grep VmSwap /proc/*/status) and consider more memory"},

		"os.load.unparsable": {"无法解析负载：%v", "cannot read the load average: %v"},
		"os.load.msg":        {"每核负载 %.2f（%d 分钟平均；1/5/15 分钟：%.2f %.2f %.2f，%d 个 CPU）", "load per core %.2f (%d-minute average; 1/5/15 min: %.2f %.2f %.2f on %d CPUs)"},
		"os.load.advice":     {"用 top 查看是 CPU 繁忙还是进程在等待 I/O（状态 D）；找出原因后再决定优化或扩容", "check with top whether the CPUs are busy or processes wait for I/O (state D); fix the cause or add CPUs"},

		"os.uptime.unparsable":      {"无法解析 /proc/uptime：%v", "cannot read /proc/uptime: %v"},
		"os.uptime.msg":             {"已运行 %s（启动于 %s）", "up %s (booted %s)"},
		"os.uptime.rebooted":        {"主机在 %s 重启过（上次巡检 %s 之后），已运行 %s", "host rebooted at %s (after the last inspection at %s); up %s"},
		"os.uptime.rebooted_advice": {"确认这次重启是否在计划内；若不是，请查看上次启动的内核日志（journalctl -k -b -1）和云平台的事件记录", "confirm the reboot was planned; if not, read the previous boot's kernel log (journalctl -k -b -1) and the cloud platform's event log"},
		"os.uptime.advice":          {"主机长期未重启，可能错过了内核安全更新；请安排维护窗口更新并重启", "the host has not rebooted for a long time and may miss kernel security updates; plan a maintenance window to update and reboot"},
		"os.dur.dh":                 {"%d 天 %d 小时", "%dd %dh"},
		"os.dur.hm":                 {"%d 小时 %d 分钟", "%dh %dm"},
		"os.dur.m":                  {"%d 分钟", "%dm"},

		"os.osinfo.unknown": {"无法识别操作系统：没有 /etc/os-release 等发行版文件，uname 也没有输出", "cannot tell the operating system: no /etc/os-release or release file, and no uname output"},

		"os.disk.msg":             {"%s 已用 %.1f%%，剩余 %s / 共 %s（%s）", "%s %.1f%% used, %s free of %s (%s)"},
		"os.disk.readonly":        {"%s 被挂载为只读（%s，%s）", "%s is mounted read-only (%s, %s)"},
		"os.disk.readonly_advice": {"文件系统只读通常是磁盘 I/O 错误后内核自动切换所致：先查看 dmesg | grep -i error，确认磁盘健康后对 %[2]s 执行 fsck 并重新挂载 %[1]s；若是有意只读，请在 allow_readonly 参数中列出", "a filesystem usually turns read-only after I/O errors: read dmesg | grep -i error, check the disk, run fsck on %[2]s and remount %[1]s; if it is read-only on purpose, list it in allow_readonly"},
		"os.disk.advice":          {"清理或扩容 %s：剩余 %s / 共 %s；用 du -xh --max-depth=2 %[1]s | sort -h | tail 找出大目录，优先清理旧日志和临时文件", "clean up or extend %s: %s free of %s; find the largest directories with du -xh --max-depth=2 %[1]s | sort -h | tail, and start with old logs and temporary files"},
		"os.disk.none":            {"df 没有列出任何文件系统", "df listed no filesystem"},
		"os.disk.all_filtered":    {"df 列出的 %d 个文件系统都被过滤掉了（伪文件系统或参数排除）", "all %d filesystems df listed were filtered out (pseudo filesystems or excluded by parameters)"},

		"os.inode.msg":          {"%s inode 已用 %.1f%%（剩余 %.0f / 共 %.0f）", "%s %.1f%% of inodes used (%.0f free of %.0f)"},
		"os.inode.advice":       {"%s 的 inode 即将耗尽，无法再创建文件：用 find %[1]s -xdev -type f | cut -d/ -f2-3 | sort | uniq -c | sort -n | tail 找出小文件最多的目录（常见为邮件队列、会话、缓存目录）并清理", "inodes on %s are running out and new files will fail: find the directory with the most small files (find %[1]s -xdev -type f | cut -d/ -f2-3 | sort | uniq -c | sort -n | tail; often mail queues, sessions, caches) and clean it"},
		"os.inode.all_filtered": {"df -i 列出的 %d 个文件系统都被过滤掉了（伪文件系统、无固定 inode 表或参数排除）", "all %d filesystems df -i listed were filtered out (pseudo filesystems, no fixed inode table, or excluded by parameters)"},
	})
}

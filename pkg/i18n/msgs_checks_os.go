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

		"os.systemd.none":                 {"主机未使用 systemd（如 CentOS 6 或容器），无法检查服务单元", "the host does not run systemd (CentOS 6 or a container): no units to check"},
		"os.systemd.unparsable":           {"无法解析 systemctl 的输出", "cannot read the output of systemctl"},
		"os.systemd.error":                {"systemctl 执行失败：%s", "systemctl failed: %s"},
		"os.systemd.no_failed":            {"没有失败的 systemd 单元", "no failed systemd units"},
		"os.systemd.failed":               {"%d 个 systemd 单元处于失败状态：%s", "%d failed systemd unit(s): %s"},
		"os.systemd.failed_advice":        {"用 systemctl status %[1]s 和 journalctl -u %[1]s -n 50 查看失败原因并修复；若该单元已不再需要，执行 systemctl reset-failed 或在 ignore 参数中排除", "read why with systemctl status %[1]s and journalctl -u %[1]s -n 50 and fix it; if the unit is no longer needed, run systemctl reset-failed or list it in ignore"},
		"os.systemd.unit_unknown":         {"systemctl 没有返回 %s 的状态", "systemctl said nothing about %s"},
		"os.systemd.unit_notfound":        {"服务单元 %s 不存在", "unit %s does not exist"},
		"os.systemd.unit_notfound_advice": {"确认 %s 的名称是否正确、软件是否已安装（systemctl list-unit-files | grep 名称）", "check that %s is spelt right and installed (systemctl list-unit-files | grep NAME)"},
		"os.systemd.unit_active":          {"%s 运行中（%s）", "%s is active (%s)"},
		"os.systemd.unit_down":            {"%s 未运行：%s（%s）", "%s is not running: %s (%s)"},
		"os.systemd.unit_advice":          {"查看 systemctl status %[1]s 和 journalctl -u %[1]s -n 50，修复后执行 systemctl start %[1]s", "read systemctl status %[1]s and journalctl -u %[1]s -n 50, fix the cause, then systemctl start %[1]s"},

		"os.zombie.unparsable": {"无法读取 /proc 中的进程信息", "cannot read the process list from /proc"},
		"os.zombie.none":       {"没有僵尸进程（共 %d 个进程）", "no zombie processes (%d processes)"},
		"os.zombie.found":      {"%d 个僵尸进程（共 %d 个进程）；父进程：%s", "%d zombie process(es) of %d; parents: %s"},
		"os.zombie.advice":     {"僵尸进程需由父进程回收：检查父进程 %d（%s）是否异常，必要时在维护窗口重启该服务；kill 僵尸进程本身无效", "zombies are reaped by their parent: look at parent %d (%s) and restart that service in a maintenance window if needed; killing the zombies themselves does nothing"},

		"os.process.unparsable":      {"无法读取 /proc 中的进程名", "cannot read process names from /proc"},
		"os.process.no_args":         {"没有收到进程命令行（ps 未运行）", "no process command lines collected (ps did not run)"},
		"os.process.too_few":         {"进程 %s 只有 %d 个，至少需要 %d 个", "%s: %d running, want at least %d"},
		"os.process.too_few_advice":  {"%s 未运行：查看其服务状态和日志，确认原因后启动", "%s is not running: read its service status and log, fix the cause and start it"},
		"os.process.too_many":        {"进程 %s 有 %d 个，超过上限 %d", "%s: %d running, want at most %d"},
		"os.process.too_many_advice": {"%s 实例数超出预期：检查是否有重复启动或重启失败残留的进程", "more %s instances than expected: look for a duplicate start or leftovers of a failed restart"},
		"os.process.ok":              {"%s 运行中（%d 个）", "%s running (%d)"},

		"os.port.unparsable":        {"无法读取监听端口（ss、netstat 和 /proc/net 都没有结果）", "cannot read listening ports (no result from ss, netstat or /proc/net)"},
		"os.port.missing":           {"%s 没有程序在监听", "nothing listens on %s"},
		"os.port.missing_advice":    {"应监听 %s 的服务未运行或配置了其他端口：检查该服务的状态和配置", "the service that should listen on %s is down or configured elsewhere: check its status and configuration"},
		"os.port.listening":         {"%s 正在监听：%s", "%s is listening: %s"},
		"os.port.unexpected":        {"%d 个非预期的监听端口：%s", "%d unexpected listening port(s): %s"},
		"os.port.unexpected_advice": {"确认这些端口的用途：不需要的服务请停用，需要的请加入 allowed 参数；对外暴露的端口应有防火墙限制", "find out what each port is for: stop services that are not needed and list the needed ones in allowed; exposed ports should be limited by the firewall"},
		"os.port.summary":           {"%d 个监听端口（%s）：%s", "%d listening port(s) (%s): %s"},

		"os.time.notool":          {"未找到 chronyc、ntpq 和 timedatectl，无法检查时间同步", "chronyc, ntpq and timedatectl not found: cannot check time sync"},
		"os.time.notool_advice":   {"安装并启用 chrony（yum install chrony / apt install chrony），配置院内或政务云的 NTP 服务器", "install and enable chrony (yum install chrony / apt install chrony) and point it at the site's NTP servers"},
		"os.time.noanswer":        {"时间同步服务没有应答：%s", "no time service answered: %s"},
		"os.time.noanswer_advice": {"启动时间同步服务（systemctl enable --now chronyd 或 ntpd）并确认能访问 NTP 服务器", "start the time service (systemctl enable --now chronyd or ntpd) and make sure the NTP servers are reachable"},
		"os.time.unsynced_offset": {"时钟未同步（%s），当前偏差 %s", "clock not synchronised (%s); offset %s"},
		"os.time.unsynced":        {"时钟未同步（%s）", "clock not synchronised (%s)"},
		"os.time.offset":          {"时钟偏差 %s（参考源 %s，%s）", "clock offset %s (source %s, %s)"},
		"os.time.synced":          {"时钟已同步（%s 未提供偏差值）", "clock synchronised (%s gives no offset)"},
		"os.time.offset_advice":   {"时钟偏差过大：检查 NTP 服务器是否可达、是否有多个时间服务冲突；chrony 可执行 chronyc makestep 立即校正", "the clock is off: check that the NTP servers are reachable and that only one time service runs; with chrony, chronyc makestep corrects it at once"},
		"os.time.unsynced_advice": {"时间服务（%s）未与服务器同步：检查 NTP 服务器配置和网络（UDP 123 端口）", "the time service (%s) is not synchronised: check its server configuration and the network (UDP port 123)"},
	})
}

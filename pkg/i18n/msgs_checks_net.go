package i18n

// Messages of the SNMP check types (pkg/checks/net: snmp-system,
// snmp-interfaces, snmp-health, snmp-storage). Keys start with "net.".
// Device, interface and sensor names, MIB value names (normal, supply,
// notPresent) and OIDs stay as the device writes them: the engineer looks
// them up there.
func init() {
	Register(map[string]Msg{
		"net.sep": {"；", "; "},

		// the SNMP session
		"net.snmp.not_configured":        {"未配置 SNMP，仅做 ping 检查", "SNMP is not configured: only ping checks this device"},
		"net.snmp.not_configured_advice": {"如需检查接口、CPU、温度等，请在清单中为该资产或其分组添加 snmp 配置（团体名或 v3 用户，以引用方式给出口令）", "to check its interfaces, CPU and temperature, add an snmp block to the asset or its group in the inventory (a community or a v3 user, secrets as references)"},
		"net.snmp.no_channel":            {"本次运行未提供 SNMP 通道", "this run provides no SNMP channel"},
		"net.snmp.no_answer_v2c":         {"%s（%s）未响应 SNMP v2c 请求：团体名错误或 SNMP 代理未运行", "no answer from %s (%s) over SNMP v2c: wrong community or agent down"},
		"net.snmp.no_answer_v2c_advice":  {"核对清单中引用的团体名与设备配置是否一致，设备是否允许本机地址访问（ACL），UDP 161 是否被防火墙拦截", "check that the community the inventory refers to matches the device, that the device's ACL admits this machine, and that no firewall drops UDP 161"},
		"net.snmp.no_answer_v3":          {"%s（%s）未响应 SNMPv3 请求：SNMP 代理未运行或被拦截", "no answer from %s (%s) over SNMPv3: agent down or blocked"},
		"net.snmp.no_answer_v3_advice":   {"确认设备已启用 SNMPv3 并允许本机地址访问，UDP 161 未被防火墙拦截", "check that SNMPv3 is enabled on the device, that its ACL admits this machine, and that no firewall drops UDP 161"},
		"net.snmp.wrong_digest":          {"%s 拒绝 SNMPv3 用户 %s 的认证：认证密钥或认证算法错误", "%s rejected SNMPv3 user %s: wrong authentication key or protocol"},
		"net.snmp.decryption":            {"%s 无法解密 SNMPv3 用户 %s 的请求：加密密钥或加密算法错误", "%s could not decrypt the requests of SNMPv3 user %s: wrong privacy key or protocol"},
		"net.snmp.key_advice":            {"核对清单中 auth_proto/auth_key、priv_proto/priv_key 引用的内容与设备上该用户的配置是否一致", "check that auth_proto/auth_key and priv_proto/priv_key in the inventory match the user as configured on the device"},
		"net.snmp.not_authentic":         {"%s 对 SNMPv3 用户 %s 的应答未通过认证：用户不存在，或认证密钥、认证算法错误", "%s answered SNMPv3 user %s with a message that fails authentication: unknown user, or wrong authentication key or protocol"},
		"net.snmp.user_key_advice":       {"核对清单中的 snmp.user、auth_proto 与 auth_key 引用的内容是否与设备上的用户配置一致", "check that snmp.user, auth_proto and auth_key in the inventory match the user as configured on the device"},
		"net.snmp.silent_v3":             {"%s 响应了 SNMPv3 引擎发现，但不响应用户 %s 的请求：加密密钥或加密算法错误（设备丢弃无法解密的请求）", "%s answered the SNMPv3 engine discovery but not the requests of user %s: wrong privacy key or protocol (the agent drops what it cannot decrypt)"},
		"net.snmp.unknown_user":          {"%s 上不存在 SNMPv3 用户 %s", "%s has no SNMPv3 user %s"},
		"net.snmp.level":                 {"%s 不允许 SNMPv3 用户 %s 使用此安全级别", "%s does not allow SNMPv3 user %s this security level"},
		"net.snmp.user_advice":           {"核对清单中的 snmp.user 与安全级别（level），或在设备上创建该用户", "check snmp.user and its level in the inventory, or create the user on the device"},
		"net.snmp.secret":                {"无法读取 %s 的 SNMP 口令：%s", "cannot read the SNMP secret of %s: %s"},
		"net.snmp.secret_advice":         {"设置清单引用的环境变量、文件或密钥库条目（hcops secret），口令本身不要写入清单", "set the environment variable, file or vault entry (hcops secret) the inventory refers to; never write the secret itself in the inventory"},
		"net.snmp.failed":                {"读取 %s 的 SNMP 数据失败：%s", "reading %s over SNMP failed: %s"},
		"net.profile.bad":                {"厂商配置文件有误：%s", "vendor profile error: %s"},

		// snmp-system
		"net.sys.msg":             {"%s（厂商配置：%s；%s），已运行 %.1f 天", "%s (profile %s; %s), up %.1f days"},
		"net.sys.first":           {"首次采集，下次巡检起可判断期间是否重启", "first sample: from the next inspection on, a restart in between is detected"},
		"net.sys.no_history":      {"未读取历史记录（--no-store），无法判断两次巡检间是否重启", "no history read (--no-store): a restart between inspections cannot be detected"},
		"net.sys.rebooted":        {"设备或其 SNMP 代理已于 %s 前后重启（上次巡检 %s 之后）", "the device or its SNMP agent restarted around %s (after the last inspection at %s)"},
		"net.sys.rebooted_advice": {"查看设备日志确认重启原因（计划维护、掉电、故障），非计划重启请登记工单", "check the device's log for why it restarted (planned work, power, a fault); log a ticket for an unplanned restart"},

		// snmp-interfaces
		"net.if.up":                {"%s 已连接，速率 %s", "%s up, %s"},
		"net.if.up_nospeed":        {"%s 已连接（速率未知）", "%s up (speed unknown)"},
		"net.if.rates":             {"%s 已连接，速率 %s，带宽利用率 入 %.1f%% / 出 %.1f%%，错包率 %.3f%%，丢包率 %.3f%%（%.1f 小时平均）", "%s up, %s, utilisation in %.1f%% / out %.1f%%, errors %.3f%%, discards %.3f%% (%.1f h average)"},
		"net.if.rates_nospeed":     {"%s 已连接（速率未知），流量 入 %s / 出 %s，错包率 %.3f%%，丢包率 %.3f%%（%.1f 小时平均）", "%s up (speed unknown), in %s / out %s, errors %.3f%%, discards %.3f%% (%.1f h average)"},
		"net.if.norate.first":      {"首次采集计数器，下次巡检起计算速率", "first sample of its counters: rates from the next inspection"},
		"net.if.norate.no_history": {"未读取历史记录（--no-store），无法计算速率", "no history read (--no-store): no rates"},
		"net.if.norate.reset":      {"设备或 SNMP 代理在两次巡检之间重启，计数器已清零，下次巡检起计算速率", "the device or its agent restarted since the last inspection and the counters were reset: rates from the next inspection"},
		"net.if.norate.discont":    {"计数器与上次巡检不连续（速率将超过端口速率，可能被清零或更换），下次巡检起计算速率", "counters discontinuous since the last inspection (the rate would exceed the link speed: reset or replaced): rates from the next inspection"},
		"net.if.norate.wrap32":     {"设备只提供 32 位计数器，两次巡检间隔内可能多次回绕，无法计算速率", "the device has only 32-bit counters, which may wrap more than once between inspections: no rate"},
		"net.if.norate.interval":   {"与上次采集间隔为零，无法计算速率", "no time since the previous sample: no rate"},
		"net.if.down":              {"%s 管理状态为开启，但链路未连接（%s）", "%s administratively up but link down (%s)"},
		"net.if.down_advice":       {"检查线缆、光模块与对端端口；如端口已停用，请在设备上将其关闭（shutdown），或在剧本中用 exclude 排除", "check the cable, the transceiver and the far end; if the port is out of use, shut it down on the device or exclude it in the playbook"},
		"net.if.state":             {"%s 管理状态为开启，运行状态 %s", "%s administratively up, operational status %s"},
		"net.if.util_advice":       {"带宽利用率偏高：核对流量来源，必要时扩容链路或调整流量", "high utilisation: find where the traffic comes from; widen the link or move traffic if it persists"},
		"net.if.errors_advice":     {"错包或丢包偏高：检查线缆、光模块、双工与速率协商，以及端口缓存与拥塞", "errors or discards are high: check the cable, the transceiver, duplex and speed negotiation, and port buffers and congestion"},
		"net.if.none":              {"设备共有 %d 个接口，无管理状态为开启且需检查的接口", "none of the device's %d interfaces is administratively up and to be checked"},

		// snmp-health
		"net.health.cpu":                  {"%s CPU 使用率 %.1f%%", "%s CPU %.1f%%"},
		"net.health.cpu_avg":              {"CPU 平均使用率 %.1f%%（%d 个处理器）", "CPU %.1f%% (average of %d processors)"},
		"net.health.cpu_max":              {"CPU 使用率最高 %.1f%%（%d 个处理器）", "CPU %.1f%% (the busiest of %d processors)"},
		"net.health.mem":                  {"%s 内存使用率 %.1f%%", "%s memory %.1f%% used"},
		"net.health.temp":                 {"%s 温度 %.1f ℃", "%s temperature %.1f °C"},
		"net.health.state.fan":            {"风扇 %s：%s（%d）", "fan %s: %s (%d)"},
		"net.health.state.psu":            {"电源 %s：%s（%d）", "power supply %s: %s (%d)"},
		"net.health.state.status":         {"部件 %s：%s（%d）", "component %s: %s (%d)"},
		"net.health.state_unknown.fan":    {"风扇 %s 的状态值 %d 未在厂商配置中定义", "fan %s: state value %d is not in the vendor profile"},
		"net.health.state_unknown.psu":    {"电源 %s 的状态值 %d 未在厂商配置中定义", "power supply %s: state value %d is not in the vendor profile"},
		"net.health.state_unknown.status": {"部件 %s 的状态值 %d 未在厂商配置中定义", "component %s: status value %d is not in the vendor profile"},
		"net.health.advice.cpu":           {"CPU 使用率偏高：查看设备上占用 CPU 的进程或协议（如路由震荡、广播风暴、攻击流量）", "high CPU: look on the device for what uses it (routing flaps, broadcast storms, attack traffic)"},
		"net.health.advice.memory":        {"内存使用率偏高：查看设备内存占用，必要时安排重启或升级版本", "high memory use: look at what holds memory on the device; plan a restart or a software upgrade if it keeps growing"},
		"net.health.advice.temperature":   {"温度偏高：检查机房空调、风扇与设备通风", "high temperature: check the room's cooling, the fans and the airflow around the device"},
		"net.health.advice.fan":           {"风扇异常：尽快更换风扇模块，并关注设备温度", "fan fault: replace the fan module soon and watch the device's temperature"},
		"net.health.advice.psu":           {"电源异常：检查电源线与供电回路，冗余电源失效时尽快更换", "power supply fault: check the power cord and circuit; replace a failed redundant supply soon"},
		"net.health.advice.status":        {"部件故障：查看设备告警与日志，联系厂商维保", "component fault: check the device's alarms and log, and call the vendor's support"},
		"net.health.no_profile":           {"没有与 sysObjectID %s 对应的厂商配置", "no vendor profile for sysObjectID %s"},
		"net.health.profile_advice":       {"在剧本参数 profiles_dir 指定的目录中为该厂商添加配置文件（YAML，参照内置的 huawei.yaml）", "add a profile for the vendor (YAML, like the built-in huawei.yaml) in the directory the playbook's profiles_dir parameter names"},
		"net.health.no_data":              {"设备未返回厂商配置 %s 中的任何数据（sysObjectID %s）", "the device answered none of the OIDs of profile %s (sysObjectID %s)"},
		"net.health.no_data_advice":       {"确认设备的 SNMP 视图（view）允许读取这些 MIB，或为该型号补充厂商配置", "check that the device's SNMP view lets this user read those MIBs, or add a profile for the model"},

		// snmp-storage
		"net.storage.msg":         {"%s 已用 %.1f%%（%.1f / %.1f GiB）", "%s %.1f%% used (%.1f of %.1f GiB)"},
		"net.storage.advice":      {"清理或归档数据，或为该卷扩容", "clean up or archive data, or grow the volume"},
		"net.storage.none":        {"设备的 %d 个存储条目中没有需检查的磁盘卷", "none of the device's %d storage entries is a volume to check"},
		"net.storage.none_advice": {"确认设备支持 HOST-RESOURCES-MIB（hrStorageTable），或用参数 include 指定卷", "check that the device serves HOST-RESOURCES-MIB (hrStorageTable), or name the volumes with the include parameter"},

		// Parameter errors, reported when the playbook is loaded.
		"net.param.down": {"应为 warn 或 crit，实际为 %q", "want warn or crit, got %q"},
	})
}

package i18n

// Messages of the inventory's snmp block (pkg/inventory/snmp.go): how a
// switch, firewall or storage device is read over SNMP.
func init() {
	Register(map[string]Msg{
		"inventory.problem.snmp_version":           {"SNMP 版本 %q 无法识别", "unknown SNMP version %q"},
		"inventory.hint.snmp_version":              {"请写 \"2c\" 或 \"3\"（加引号）", "write \"2c\" or \"3\" (quoted)"},
		"inventory.problem.snmp_level":             {"SNMPv3 安全级别 %q 无法识别", "unknown SNMPv3 security level %q"},
		"inventory.hint.snmp_level":                {"安全级别为 noAuthNoPriv、authNoPriv 或 authPriv；加密（priv）必须同时认证（auth）", "the levels are noAuthNoPriv, authNoPriv and authPriv; privacy (priv) needs authentication (auth)"},
		"inventory.problem.snmp_proto":             {"%s 不支持 %q", "%s %q is not supported"},
		"inventory.hint.snmp_protos":               {"可选：%s", "choose one of %s"},
		"inventory.problem.snmp_timeout":           {"SNMP 超时 %q 无法识别或超出范围", "SNMP timeout %q cannot be read or is out of range"},
		"inventory.hint.snmp_timeout":              {"请写 1s 到 60s 之间的时长，例如 5s", "write a duration from 1s to 60s, e.g. 5s"},
		"inventory.problem.snmp_retries":           {"SNMP 重试次数 %d 超出范围（0–5）", "SNMP retries %d out of range (0 to 5)"},
		"inventory.problem.snmp_no_community":      {"资产 %s 使用 SNMP v2c，但未配置团体名（community）", "asset %s uses SNMP v2c but has no community"},
		"inventory.hint.snmp_community":            {"团体名属于口令，请写成 community: {env: 环境变量名}、{file: 文件路径} 或 {vault: 密钥库条目名}", "the community is a secret: write community: {env: VARIABLE}, {file: PATH} or {vault: NAME}"},
		"inventory.problem.snmp_no_user":           {"资产 %s 使用 SNMPv3，但未配置用户名（user）", "asset %s uses SNMPv3 but has no user"},
		"inventory.hint.snmp_user":                 {"请写 snmp.user，与设备上配置的 USM 用户名一致", "set snmp.user to the USM user configured on the device"},
		"inventory.problem.snmp_no_key":            {"资产 %s 的 SNMPv3 安全级别为 %s，但未配置 %s", "asset %s has SNMPv3 level %s but no %s"},
		"inventory.problem.snmp_priv_without_auth": {"资产 %s 配置了 SNMPv3 加密密钥（priv_key），但没有认证密钥（auth_key）", "asset %s has an SNMPv3 privacy key (priv_key) but no authentication key (auth_key)"},
	})
}

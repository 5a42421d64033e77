package i18n

func init() {
	Register(map[string]Msg{
		"status.OK":          {"正常", "OK"},
		"status.WARN":        {"警告", "WARN"},
		"status.CRIT":        {"严重", "CRIT"},
		"status.UNKNOWN":     {"未知", "UNKNOWN"},
		"status.UNREACHABLE": {"无法连接", "UNREACHABLE"},

		"reason.refused":           {"连接被拒绝", "connection refused"},
		"reason.timeout":           {"连接超时", "timed out"},
		"reason.auth":              {"认证失败", "authentication failed"},
		"reason.host-key-mismatch": {"主机密钥不匹配", "host key mismatch"},
		"reason.host-key-unknown":  {"主机密钥未知", "host key unknown"},
		"reason.dns":               {"域名解析失败", "DNS lookup failed"},
		"reason.network":           {"网络错误", "network error"},

		"config.unknown_key":  {"%s:%d: 未知的配置项 %q（请检查拼写，参见 hcops --help）", "%s:%d: unknown key %q (check the spelling; see hcops --help)"},
		"config.bad":          {"%s: %v", "%s: %v"},
		"err.interrupted":     {"已中断", "interrupted"},
		"err.no_inventory":    {"未指定资产清单：请使用 --inventory 或设置 HCOPS_INVENTORY", "no inventory given: use --inventory or set HCOPS_INVENTORY"},
		"err.db_password_ref": {"db_password 须为密码引用：env:变量名、file:文件路径或 vault:名称，不能是密码本身", "db_password must be a reference: env:NAME, file:PATH or vault:NAME, never the password itself"},
		"err.bad_output":      {"不支持的输出格式 %q（可选：%s）", "unsupported output format %q (want %s)"},
		"err.bad_lang":        {"不支持的语言 %q（可选：zh、en）", "unsupported language %q (want zh or en)"},
	})
}

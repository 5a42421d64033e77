package i18n

// Messages of security issue #10, item 8: what an imported spreadsheet may
// bring into the register (secret references, key files, check settings)
// and TLS for database connections. The db. and transport. advice for a
// connection TLS stopped is here too, so the wording stays in one
// place.
func init() {
	Register(map[string]Msg{
		// A secret reference that cannot be resolved.
		"inventory.secret.env_unset":    {"环境变量 %s 未设置", "environment variable %s is not set"},
		"inventory.secret.many_sources": {"密钥引用指定了多个来源（env、file、vault），只能保留一个", "a secret reference names more than one source (env, file, vault): keep one"},
		// database.tls in the inventory.
		"inventory.problem.bad_db_tls": {"未知的数据库 TLS 模式 %q", "unknown database TLS mode %q"},
		"inventory.hint.db_tls": {
			"可选值：%s。不填写时，经网络的连接必须加密，仅本机回环地址可不加密",
			"one of: %s; when not given, a connection over the network must use TLS and only a loopback one may go without"},

		// What an imported row brings in, in the dry run and the refusal.
		"inventory.import.brings_secret":    {"密码引用（由本机读取密码或口令并发送给该资产）", "a secret reference (a password or passphrase this machine reads and sends to the asset)"},
		"inventory.import.brings_key_file":  {"本机密钥或证书文件", "a key or certificate file on this machine"},
		"inventory.import.brings_check":     {"检查项设置（命令、路径等参数，告警阈值，或停用检查）", "a check setting (parameters such as commands and paths, thresholds, or switching the check off)"},
		"inventory.import.brings_local":     {"本机执行（巡检命令在本机运行）", "local execution (the playbook's commands run on this machine)"},
		"inventory.import.brings_plaintext": {"允许以明文传输数据库密码", "permission to send the database password without TLS"},
		"inventory.import.brings_redirect":  {"该资产密码的新发送地址", "a new destination for the asset's password"},
		"inventory.import.refused_row": {
			"%[1]s 第 %[2]d 行（%[3]s）：%[4]s = %[5]s，属于%[6]s，未经 --allow-secrets 不予导入",
			"%[1]s: row %[2]d (%[3]s): %[4]s = %[5]s is %[6]s; not imported without --allow-secrets"},
		"inventory.import.refused_line": {
			"%[1]s 第 %[2]d 行（%[3]s）：%[4]s = %[5]s，属于%[6]s，未经 --allow-secrets 不予导入",
			"%[1]s:%[2]d (%[3]s): %[4]s = %[5]s is %[6]s; not imported without --allow-secrets"},
		"inventory.cli.import_brings": {"    需核对：%[3]s：%[1]s = %[2]s", "    review: %[3]s: %[1]s = %[2]s"},
		"inventory.cli.import_refused": {
			"未导入任何内容：有 %d 行含密码引用、密钥文件、检查项设置等需人工核对的内容（见上）。请先用 --dry-run 逐项核对，确认来源可信后加 --allow-secrets 重新导入",
			"nothing was imported: %d row(s) bring in secret references, key files, check settings or the like (listed above); review them with --dry-run and, if they are yours, import again with --allow-secrets"},

		// A database connection that TLS stopped (transport.ReasonTLS).
		"db.advice.tls": {
			"服务器未启用 TLS 或证书校验未通过，连接已在发送密码之前中止。请在数据库服务器上启用 SSL/TLS；如确认该链路允许明文传输，可在资产清单中为该资产设置 database.tls: disable",
			"the server does not offer TLS or its certificate did not verify, so the connection stopped before the password was sent: enable SSL/TLS on the database server or, where plaintext on this link is acceptable, set database.tls: disable for this asset in the inventory"},
		"transport.advice.tls": {
			"服务器未启用 TLS 或证书校验未通过，连接已在发送密码之前中止。请在服务器上启用 TLS，或在资产清单中明确允许该资产使用明文连接",
			"the server does not offer TLS or its certificate did not verify, so the connection stopped before the password was sent: enable TLS on the server, or allow plaintext for this asset explicitly in the inventory"},
	})
}

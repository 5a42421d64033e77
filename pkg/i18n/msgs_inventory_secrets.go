package i18n

// Messages of security issue #10, item 8: TLS for database connections
// (and, later, what an imported spreadsheet may bring into the register). The db. and transport. advice for a
// connection TLS stopped is here too, so the wording stays in one
// place.
func init() {
	Register(map[string]Msg{
		// database.tls in the inventory.
		"inventory.problem.bad_db_tls": {"未知的数据库 TLS 模式 %q", "unknown database TLS mode %q"},
		"inventory.hint.db_tls": {
			"可选值：%s。不填写时，经网络的连接必须加密，仅本机回环地址可不加密",
			"one of: %s; when not given, a connection over the network must use TLS and only a loopback one may go without"},

		// A database connection that TLS stopped (transport.ReasonTLS).
		"db.advice.tls": {
			"服务器未启用 TLS 或证书校验未通过，连接已在发送密码之前中止。请在数据库服务器上启用 SSL/TLS；如确认该链路允许明文传输，可在资产清单中为该资产设置 database.tls: disable",
			"the server does not offer TLS or its certificate did not verify, so the connection stopped before the password was sent: enable SSL/TLS on the database server or, where plaintext on this link is acceptable, set database.tls: disable for this asset in the inventory"},
		"transport.advice.tls": {
			"服务器未启用 TLS 或证书校验未通过，连接已在发送密码之前中止。请在服务器上启用 TLS，或在资产清单中明确允许该资产使用明文连接",
			"the server does not offer TLS or its certificate did not verify, so the connection stopped before the password was sent: enable TLS on the server, or allow plaintext for this asset explicitly in the inventory"},
	})
}

package i18n

// Messages of pkg/transport: what to do about a host that could not be
// reached (one per unreachable reason, for Result.Advice), and the
// passphrase prompt for encrypted SSH keys.
func init() {
	Register(map[string]Msg{
		"transport.advice.refused": {
			"目标端口无服务监听：确认主机上 sshd 已启动、资产清单中的端口正确、防火墙未拦截",
			"nothing listens on the port: check that sshd runs on the host, the port in the inventory is right, and no firewall rejects it"},
		"transport.advice.timeout": {
			"在连接超时内未完成连接或 SSH 握手：确认主机是否宕机或负载过高、网络与防火墙是否放行；必要时调大 --connect-timeout",
			"no connection or SSH handshake within the connect timeout: check whether the host is down or overloaded and the network and firewall let it through; raise --connect-timeout if the link is slow"},
		"transport.advice.auth": {
			"登录被拒绝：确认用户名、密钥（--identity 或资产的 key_file）已加入主机的 authorized_keys；加密密钥在无终端时请先加入 ssh-agent",
			"login refused: check the user name and that the key (--identity or the asset's key_file) is in the host's authorized_keys; without a terminal, load encrypted keys into ssh-agent"},
		"transport.advice.host-key-mismatch": {
			"主机密钥与已记录的不一致，可能遭到中间人攻击，也可能是主机重装。请先与主机管理员核对新密钥指纹，确认无误后用 ssh-keygen -R 删除旧记录再重新巡检",
			"the host key differs from the recorded one: someone may be intercepting the connection, or the host was reinstalled. Verify the new key's fingerprint with the host's administrator, then remove the old entry with ssh-keygen -R and inspect again"},
		"transport.advice.host-key-unknown": {
			"尚未记录该主机的密钥：核对指纹后加入 known_hosts，或在可信网络中使用 --accept-new-host-keys 首次信任并记录",
			"the host's key is not recorded yet: verify its fingerprint and add it to known_hosts, or on a trusted network run with --accept-new-host-keys to trust and record it"},
		"transport.advice.dns": {
			"主机名无法解析：检查资产清单中的地址拼写和本机 DNS 配置，或直接填写 IP 地址",
			"the host name does not resolve: check the address in the inventory and this machine's DNS settings, or use the IP address"},
		"transport.advice.network": {
			"网络层连接失败（如路由不可达、跳板机不允许转发）：检查路由、跳板机的 AllowTcpForwarding 设置及错误详情",
			"the connection failed at the network level (no route, jump host forbids forwarding, ...): check routing, the jump host's AllowTcpForwarding and the error details"},
		"transport.passphrase_prompt": {"请输入密钥 %s 的口令：", "Enter passphrase for key %s: "},
	})
}

package i18n

// Messages of pkg/transport: what to do about a host that could not be
// reached (one per unreachable reason, for Result.Advice — inspect, backup
// and exec use the same; what happened is the message, so the advice only
// says what to do), and the
// passphrase prompt for encrypted SSH keys.
func init() {
	Register(map[string]Msg{
		"transport.advice.refused": {
			"确认主机上 sshd 已启动、资产清单中的端口正确、防火墙未拦截",
			"check that sshd runs on the host, the port in the inventory is right, and no firewall rejects it"},
		"transport.advice.timeout": {
			"确认主机是否宕机或负载过高、网络与防火墙是否放行 SSH；链路较慢时调大 --connect-timeout",
			"check whether the host is down or overloaded and whether the network and firewall let SSH through; raise --connect-timeout on a slow link"},
		"transport.advice.auth": {
			"确认用户名，以及密钥（--identity 或资产的 key_file）已加入主机的 authorized_keys；无终端时请先将加密密钥加入 ssh-agent",
			"check the user name and that the key (--identity or the asset's key_file) is in the host's authorized_keys; without a terminal, load encrypted keys into ssh-agent"},
		"transport.advice.host-key-mismatch": {
			"可能是主机重装，也可能遭到中间人攻击：先与主机管理员核对新密钥指纹，确认无误后删除旧记录（ssh-keygen -R 主机 -f 文件）再重试",
			"a reinstalled host, or someone intercepting the connection: verify the new key's fingerprint with the host's administrator, then remove the old entry (ssh-keygen -R HOST -f FILE) and try again"},
		"transport.advice.host-key-unknown": {
			"核对指纹后加入 known_hosts，或在可信网络中加 --accept-new-host-keys 运行一次以首次信任并记录",
			"verify its fingerprint, then add it to known_hosts, or on a trusted network run once with --accept-new-host-keys to trust and record it"},
		"transport.advice.dns": {
			"检查资产清单中的地址拼写和本机 DNS 配置，或直接填写 IP 地址",
			"check the address in the inventory and this machine's DNS settings, or use the IP address"},
		"transport.advice.network": {
			"检查路由、跳板机的 AllowTcpForwarding 设置及错误详情",
			"check routing, the jump host's AllowTcpForwarding and the error details"},
		"transport.passphrase_prompt": {"请输入密钥 %s 的口令：", "Enter passphrase for key %s: "},
	})
}

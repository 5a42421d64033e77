package i18n

// Messages of the probe and generic check types in pkg/inspect: command,
// nagios-plugin, http, tcp-connect, tls-cert, dns, file, log-pattern.
// Messages name the thing checked and the number that decided; advice says
// what to do next in plain words.
func init() {
	Register(map[string]Msg{
		// shared
		"probe.no_output":           {"未采集到输出（采集脚本未执行完，或被截断在本检查之前）", "no output collected (the collector script did not run to completion or was cut before this check)"},
		"probe.output_truncated":    {"输出已被截断，结论可能不完整", "output was truncated, the verdict may be incomplete"},
		"probe.advice.fix_playbook": {"修改巡检剧本（playbook）或资产清单中该检查的参数后重新运行", "fix this check's parameters in the playbook or the inventory override, then run again"},

		// command
		"probe.command.exit":        {"退出码 %d", "exit %d"},
		"probe.command.exit_warn":   {"退出码 %d 属于警告", "exit code %d counts as a warning"},
		"probe.command.exit_bad":    {"退出码 %d（期望 %s）", "exit code %d (want %s)"},
		"probe.command.exit_127":    {"命令未找到（退出码 127）", "command not found (exit 127)"},
		"probe.command.no_match":    {"输出不匹配 /%s/", "output does not match /%s/"},
		"probe.command.match":       {"输出匹配了不应出现的 /%s/：%s", "output matches /%s/: %s"},
		"probe.command.value":       {"取值 %s%s", "value %s%s"},
		"probe.command.no_value":    {"输出中没有数字，无法与阈值比较", "no number in the output to compare with the thresholds"},
		"probe.command.no_value_re": {"输出中找不到 /%s/ 对应的数字", "no number matching /%s/ in the output"},
		"probe.advice.command":      {"查看证据中的完整输出，按该检查的说明处理；确认无误后可调整阈值或期望的退出码", "read the full output in the evidence and act on it; if the output is expected, adjust the thresholds or expected exit codes"},

		// nagios-plugin
		"probe.nagios.missing":        {"插件 %s 不存在或不可执行", "plugin %s is not installed or not executable"},
		"probe.nagios.not_executable": {"插件 %s 无法执行（退出码 126，检查权限）", "plugin %s cannot be executed (exit 126: check its permissions)"},
		"probe.nagios.bad_exit":       {"插件退出码 %d 不符合 Nagios 约定（应为 0–3）：%s", "plugin exit code %d is outside the Nagios convention 0-3: %s"},
		"probe.nagios.no_summary":     {"插件退出码 %d，无输出", "plugin exited %d with no output"},
		"probe.nagios.bad_perf":       {"%d 项性能数据无法解析，已跳过", "%d perfdata item(s) could not be read and were skipped"},
		"probe.advice.nagios_missing": {"在目标主机安装插件（Debian/Ubuntu：apt install monitoring-plugins；RHEL/Kylin/UOS：yum install nagios-plugins-all），或在参数 plugin 中写明完整路径", "install the plugin on the host (Debian/Ubuntu: apt install monitoring-plugins; RHEL/Kylin/UOS: yum install nagios-plugins-all) or give its full path in the plugin parameter"},
		"probe.advice.nagios":         {"按插件输出的提示处理；阈值由插件参数 -w/-c 决定", "act on what the plugin reports; its thresholds come from the plugin's own -w/-c arguments"},

		// http
		"probe.http.no_url":        {"没有要检查的 URL：该资产及其应用系统在清单中没有 endpoints", "no URL to check: the asset and its system have no endpoints in the inventory"},
		"probe.http.failed":        {"%s：%s（%s ms）", "%s: %s after %s ms"},
		"probe.http.status":        {"%s：状态码 %d，耗时 %s ms", "%s: status %d in %s ms"},
		"probe.http.status_bad":    {"%s：状态码 %d（期望 %s），耗时 %s ms", "%s: status %d (want %s) in %s ms"},
		"probe.http.slow":          {"响应慢%s", "slow%s"},
		"probe.http.body_error":    {"读取响应体出错：%s", "reading the body failed: %s"},
		"probe.http.body_no_match": {"响应体不匹配 /%s/", "body does not match /%s/"},
		"probe.http.body_match":    {"响应体匹配了不应出现的 /%s/：%s", "body matches /%s/: %s"},
		"probe.http.not_json":      {"响应体不是 JSON：%s", "body is not JSON: %s"},
		"probe.http.json_missing":  {"JSON 中没有 %s", "JSON has no %s"},
		"probe.http.json_value":    {"JSON %s = %s（期望 %s）", "JSON %s is %s (want %s)"},
		"probe.http.json_empty":    {"JSON %s 为空值（%s）", "JSON %s is empty (%s)"},
		"probe.advice.http_no_url": {"在资产清单中为该资产或其应用系统填写 endpoints，或在剧本中为该检查给出 params.url", "add endpoints to the asset or its system in the inventory, or give params.url in the playbook"},
		"probe.advice.http_5xx":    {"应用服务端出错：查看该应用的日志与进程状态，必要时重启服务并通知应用厂商", "the application failed on the server side: read its logs and process state, restart it if needed and tell the vendor"},
		"probe.advice.http_status": {"确认地址是否变更、是否需要登录或被网关拦截；若该状态码属正常，请在清单中修改期望状态码", "check whether the URL moved, needs a login or is blocked by a gateway; if this status is normal, set the expected status in the inventory"},
		"probe.advice.http_body":   {"服务有响应但内容不对：查看证据中的响应内容与应用日志", "the service answers but with the wrong content: read the response in the evidence and the application logs"},
		"probe.advice.http_slow":   {"响应变慢：检查应用服务器负载、数据库慢查询和网络链路", "responses are slow: check the application server's load, slow database queries and the network path"},

		// network errors shared by http, tcp-connect, tls-cert and dns
		"probe.net.dns":              {"域名 %s 解析失败", "name %s does not resolve"},
		"probe.net.tls_name":         {"证书与访问的名称不符（证书为：%s）", "certificate does not match the name (it is for %s)"},
		"probe.net.tls_untrusted":    {"证书不受信任（签发者：%s）", "certificate is not trusted (issuer %s)"},
		"probe.net.tls_expired":      {"证书已于 %s 过期", "certificate expired on %s"},
		"probe.net.tls_invalid":      {"证书无效：%s", "certificate invalid: %s"},
		"probe.net.not_tls":          {"对端不是 TLS 服务（是否应使用 http://？）", "the server does not speak TLS (should the URL be http://?)"},
		"probe.net.refused":          {"连接被拒绝", "connection refused"},
		"probe.net.redirects":        {"重定向次数过多", "too many redirects"},
		"probe.net.timeout":          {"超时", "timed out"},
		"probe.net.reset":            {"连接被对端中断", "the connection was closed by the server"},
		"probe.net.unreachable":      {"网络不可达", "network unreachable"},
		"probe.advice.dns":           {"检查名称拼写、本机 DNS 配置（/etc/resolv.conf）以及内网 DNS 服务器上的记录", "check the name's spelling, this machine's DNS settings (/etc/resolv.conf) and the record on the intranet DNS server"},
		"probe.advice.tls_name":      {"更换包含该访问名称的证书，或改用证书中的名称访问", "install a certificate that includes this name, or use the name the certificate is for"},
		"probe.advice.tls_untrusted": {"若为内部 CA 签发，请在参数 ca_file 中指定 CA 证书；若为自签名设备证书，确认指纹后可设置 insecure: true", "if an internal CA issued it, give its certificate in ca_file; for a self-signed device certificate, verify the fingerprint and set insecure: true"},
		"probe.advice.tls_expired":   {"立即续签并部署新证书，部署后重启或重载服务", "renew and install the certificate now, then reload the service"},
		"probe.advice.not_tls":       {"核对端口与协议：该端口可能只提供 HTTP", "check the port and scheme: this port may serve plain HTTP"},
		"probe.advice.refused":       {"服务未在该端口监听：检查服务进程是否运行、端口配置与防火墙", "nothing listens on that port: check that the service runs, its port setting and the firewall"},
		"probe.advice.redirects":     {"检查应用或网关的重定向配置是否形成循环", "check the application's or gateway's redirects for a loop"},
		"probe.advice.timeout":       {"检查主机是否在线、服务是否卡死，以及本机到目标之间的防火墙与网络链路", "check that the host is up and the service not hung, and the firewall and network path from this machine"},
		"probe.advice.reset":         {"查看服务端日志；连接被中断常见于服务崩溃、负载均衡或安全设备拦截", "read the server's logs: a dropped connection often means a crashed service, a load balancer or a security device in the way"},

		// tcp-connect
		"probe.tcp.no_target":     {"没有可连接的目标：请在参数中给出 host 与 port，或在清单中填写资产的 address 与 port（no port）", "nothing to connect to: give host and port in the parameters, or the asset's address and port in the inventory (no port)"},
		"probe.tcp.ok":            {"%s：连接成功，耗时 %s ms", "%s: connected in %s ms"},
		"probe.tcp.failed":        {"%s：%s（%s ms）", "%s: %s after %s ms"},
		"probe.tcp.no_banner":     {"连接后对端没有发出问候信息（no greeting）", "no greeting from the server"},
		"probe.tcp.bad_banner":    {"对端返回 %q，不匹配 /%s/", "server said %q, want /%s/"},
		"probe.advice.tcp_slow":   {"建立连接变慢：检查网络链路、防火墙会话数与目标主机负载", "connections are slow to open: check the network path, firewall session load and the target's load"},
		"probe.advice.tcp_banner": {"端口有其他服务在监听，或服务已挂起：核对端口配置并检查服务状态", "another service answers on this port, or the service hangs: check the port setting and the service"},

		// tls-cert
		"probe.tls.no_target":           {"没有要检查的证书：请给出 endpoints 或 files，或在清单中填写资产地址", "no certificate to check: give endpoints or files, or the asset's address in the inventory"},
		"probe.tls.failed":              {"%s：TLS 握手失败：%s", "%s: TLS handshake failed: %s"},
		"probe.tls.no_cert":             {"%s：对端未提供证书", "%s: the server sent no certificate"},
		"probe.tls.name":                {"证书与名称 %s 不符（证书为：%s）", "certificate does not match %s (it is for %s)"},
		"probe.tls.self_signed":         {"自签名证书，不受信任", "self-signed certificate, not trusted"},
		"probe.tls.untrusted":           {"证书链不受信任（签发者：%s）", "chain not trusted (issuer %s)"},
		"probe.tls.expired":             {"%s 的证书已于 %s 过期（已过 %s 天）", "certificate for %s expired on %s (%s days ago)"},
		"probe.tls.expires":             {"%s 的证书将于 %s 到期（剩余 %s 天）", "certificate for %s expires %s (%s days left)"},
		"probe.tls.chain_first":         {"（链中最先到期的是 %s）", "(first to expire in the chain: %s)"},
		"probe.tls.issuer":              {"签发者 %s", "issuer %s"},
		"probe.tls.bundle":              {"证书包内共 %d 张证书，%s", "bundle of %d certificates, %s"},
		"probe.tls.some_bad":            {"另有 %d 个证书块无法解析", "%d more certificate block(s) could not be read"},
		"probe.tls.file_missing":        {"证书文件 %s 不存在", "certificate file %s does not exist"},
		"probe.tls.file_no_cert":        {"%s 中没有 PEM 格式的证书（DER 格式或无读权限？）", "%s holds no PEM certificate (DER format, or not readable?)"},
		"probe.tls.file_bad_cert":       {"%s 中的 %d 个证书块无法解析", "%s: %d certificate block(s) could not be read"},
		"probe.tls.files_nothing":       {"采集结果中没有证书文件信息", "the collector reported no certificate files"},
		"probe.advice.tls_renew":        {"证书即将到期：尽快申请续签，部署后重载服务，并在变更记录中登记", "the certificate expires soon: request the renewal now, install it, reload the service and record the change"},
		"probe.advice.tls_file_missing": {"确认证书路径是否变更；若该证书已停用，请从剧本或清单的 files 中删除", "check whether the certificate moved; if it is retired, remove it from files in the playbook or inventory"},

		// dns
		"probe.dns.no_name":         {"没有要解析的名称：请给出参数 name（资产地址是 IP）", "no name to resolve: give the name parameter (the asset's address is an IP)"},
		"probe.dns.via":             {"（经 %s）", "(via %s)"},
		"probe.dns.not_found":       {"%s：没有 %s 记录（不存在该域名），耗时 %s ms", "%s: no %s record (no such name) after %s ms"},
		"probe.dns.timeout":         {"%s：DNS 查询超时（%s ms）", "%s: DNS query timed out after %s ms"},
		"probe.dns.failed":          {"%s：DNS 查询失败：%s", "%s: DNS query failed: %s"},
		"probe.dns.ok":              {"%s：解析为 %s，耗时 %s ms", "%s: %s in %s ms"},
		"probe.dns.missing":         {"缺少期望的解析结果 %s", "expected %s missing"},
		"probe.dns.extra":           {"多出未预期的解析结果 %s", "unexpected %s"},
		"probe.advice.dns_server":   {"检查 DNS 服务器是否运行、负载是否过高，以及本机到 DNS 服务器的网络（UDP/TCP 53 端口）", "check that the DNS server runs and is not overloaded, and the network from this machine to it (UDP/TCP port 53)"},
		"probe.advice.dns_mismatch": {"解析结果与预期不符：核对 DNS 服务器上的记录是否被误改，或清单中的期望地址是否需要更新", "the answers differ from what is expected: check whether the record on the DNS server was changed by mistake, or update the expected addresses"},
	})
}

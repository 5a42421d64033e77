package sec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// exposureParams are the allow- and deny-lists of ports, services and
// tools.
type exposureParams struct {
	AllowedPorts    []int    `param:"allowed_ports"`    // when set, every port listening beyond loopback must be in it
	DeniedPorts     []int    `param:"denied_ports"`     // high-risk ports (used when allowed_ports is empty)
	CleartextPorts  []int    `param:"cleartext_ports"`  // cleartext remote management: telnet, FTP, rsh/rlogin/rexec
	DeniedServices  []string `param:"denied_services"`  // unit names (with or without .service/.socket) that must not be enabled
	AllowedServices []string `param:"allowed_services"` // exceptions the site registered
	DeniedTools     []string `param:"denied_tools"`     // programs a production server should not carry
}

// Defaults sets the lists of MLPS3-LINUX.md §1 c and §4 a–b.
func (p *exposureParams) Defaults() {
	*p = exposureParams{
		DeniedPorts:    []int{21, 23, 69, 111, 135, 137, 138, 139, 445, 512, 513, 514, 873, 2049},
		CleartextPorts: []int{21, 23, 512, 513, 514},
		DeniedServices: []string{"telnet", "telnet.socket", "rsh.socket", "rlogin.socket", "rexec.socket", "tftp", "tftp.socket",
			"xinetd", "avahi-daemon", "cups", "rpcbind", "nfs-server", "smb", "nmb", "smbd", "nmbd", "ypbind", "ypserv", "vsftpd"},
		DeniedTools: []string{"gcc", "cc", "tcpdump", "tshark", "nmap", "gdb", "telnet", "ftp", "tftp"},
	}
}

// Exposure is the check type "sec-exposure": cleartext remote management
// (ia-remote-ssh-only), listening ports and enabled services against the
// lists, and minimal installation (default target, tools on PATH). Ports
// come from /proc/net, enabled units from /etc/systemd/system/*.wants and
// the SysV runlevel 3 links, so no root and no systemctl are needed; only
// the listening lines leave the host (a busy server's /proc/net/tcp holds
// every connection).
func Exposure() inspect.Check {
	return kind[exposureParams]{
		typ:   "sec-exposure",
		rules: []string{"ia-remote-ssh-only", "ip-minimal-install", "ip-services", "ip-listening-ports"},
		body: func(p *exposureParams) (string, error) {
			tools := make([]string, len(p.DeniedTools))
			for i, t := range p.DeniedTools {
				tools[i] = inspect.ShellQuote(t)
			}
			return `hc tcp awk 'NR==1||$4=="0A"' /proc/net/tcp
hc tcp6 awk 'NR==1||$4=="0A"' /proc/net/tcp6
hc udp awk 'NR==1||$4=="07"' /proc/net/udp
hc udp6 awk 'NR==1||$4=="07"' /proc/net/udp6
for d in /etc/systemd/system/*.wants /etc/systemd/system/*.requires; do
  [ -d "$d" ] || continue
  for u in "$d"/*; do [ -e "$u" ] || [ -L "$u" ] && echo "@@V UNIT ${u##*/}"; done
done
for u in /etc/rc3.d/S*; do [ -e "$u" ] && echo "@@V RC3 ${u##*/}"; done
hf /etc/inetd.conf /etc/xinetd.d/* 2>/dev/null | grep -v '^@@ABSENT'
t=$(readlink /etc/systemd/system/default.target 2>/dev/null) && echo "@@V DEFAULT ${t##*/}"
for t in ` + strings.Join(tools, " ") + `; do p=$(command -v "$t" 2>/dev/null) && echo "@@V TOOL $t $p"; done
`, nil
		},
		eval: func(c *ctx, p *exposureParams) []result.Result {
			ports := c.s.listening()
			return []result.Result{c.cleartext(p, ports), c.minimal(), c.services(p), c.ports(p, ports)}
		},
	}
}

// socket is one listening socket.
type socket struct {
	Proto string // tcp, udp
	Addr  string
	Port  int
}

func (s socket) String() string { return fmt.Sprintf("%s %s:%d", s.Proto, s.Addr, s.Port) }

// loopback says whether only this host can reach the socket.
func (s socket) loopback() bool {
	return strings.HasPrefix(s.Addr, "127.") || s.Addr == "::1"
}

// listening reads /proc/net/{tcp,tcp6,udp,udp6}: TCP sockets in LISTEN
// (0A), UDP sockets bound with no peer (07).
func (s *snap) listening() []socket {
	var out []socket
	seen := map[string]bool{}
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		c, ok := s.cmd(name)
		if !ok {
			continue
		}
		proto := strings.TrimSuffix(name, "6")
		for _, l := range c.Lines {
			f := strings.Fields(l)
			if len(f) < 4 || f[0] == "sl" {
				continue
			}
			st := f[3]
			if proto == "tcp" && st != "0A" || proto == "udp" && (st != "07" || !strings.HasSuffix(f[2], ":0000")) {
				continue
			}
			addr, port, ok := procNetAddr(f[1])
			if !ok {
				continue
			}
			so := socket{proto, addr, port}
			if !seen[so.String()] {
				seen[so.String()] = true
				out = append(out, so)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Port != out[j].Port {
			return out[i].Port < out[j].Port
		}
		return out[i].String() < out[j].String()
	})
	return out
}

// procNetAddr decodes "0100007F:0016" (IPv4, little-endian words) or the
// 32-hex-digit IPv6 form.
func procNetAddr(s string) (string, int, bool) {
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0, false
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return "", 0, false
	}
	switch len(h) {
	case 8:
		v, err := strconv.ParseUint(h, 16, 32)
		if err != nil {
			return "", 0, false
		}
		return fmt.Sprintf("%d.%d.%d.%d", v&0xff, v>>8&0xff, v>>16&0xff, v>>24), int(port), true
	case 32:
		var b [16]byte
		for w := 0; w < 4; w++ {
			v, err := strconv.ParseUint(h[w*8:w*8+8], 16, 32)
			if err != nil {
				return "", 0, false
			}
			for i := 0; i < 4; i++ {
				b[w*4+i] = byte(v >> (8 * i))
			}
		}
		switch {
		case b == [16]byte{}:
			return "::", int(port), true
		case b == [16]byte{15: 1}:
			return "::1", int(port), true
		case b[10] == 0xff && b[11] == 0xff && b[0]|b[1]|b[2]|b[3]|b[4]|b[5]|b[6]|b[7]|b[8]|b[9] == 0:
			return fmt.Sprintf("%d.%d.%d.%d", b[12], b[13], b[14], b[15]), int(port), true
		}
		parts := make([]string, 8)
		for i := range parts {
			parts[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
		}
		return strings.Join(parts, ":"), int(port), true
	}
	return "", 0, false
}

func (c *ctx) cleartext(p *exposureParams, socks []socket) result.Result {
	f := c.rule("ia-remote-ssh-only")
	if _, ok := c.s.cmd("tcp"); !ok {
		return f.unknown("no-data", "sec.ports.unread").done()
	}
	var found []string
	for _, so := range socks {
		if so.Proto == "tcp" && containsInt(p.CleartextPorts, so.Port) {
			found = append(found, so.String())
			f.text("/proc/net/tcp: LISTEN " + so.String())
		}
	}
	for _, u := range c.s.enabledUnits() {
		base := unitBase(u)
		if base == "telnet" || base == "rsh" || base == "rlogin" || base == "rexec" || strings.HasPrefix(base, "telnet@") {
			found = append(found, u)
			f.text("enabled unit: " + u)
		}
	}
	for _, file := range c.s.glob("/etc/xinetd.d/", "") {
		base := file[strings.LastIndex(file, "/")+1:]
		if base != "telnet" && base != "rsh" && base != "rlogin" && base != "rexec" {
			continue
		}
		if v, l, ok := c.s.kvSpaced(file, "disable"); ok && v == "no" {
			found = append(found, "xinetd "+base)
			f.line(file, l)
		}
	}
	if len(found) > 0 {
		return f.bad(result.Crit, "sec.cleartext.found", strings.Join(found, ", ")).adv(strings.Join(found, ", ")).done()
	}
	return f.note("sec.cleartext.ok").done()
}

// kvSpaced reads "key = value" (xinetd style).
func (s *snap) kvSpaced(file, key string) (string, line, bool) {
	for _, l := range s.Files[file] {
		k, v, ok := strings.Cut(l.Text, "=")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), l, true
		}
	}
	return "", line{}, false
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// enabledUnits lists the units linked in /etc/systemd/system/*.wants and
// the SysV services started in runlevel 3 (S<nn>name).
func (s *snap) enabledUnits() []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range s.Vals["UNIT"] {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, u := range s.Vals["RC3"] {
		name := strings.TrimLeft(strings.TrimPrefix(u, "S"), "0123456789")
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// unitBase is a unit name without its type suffix.
func unitBase(u string) string {
	for _, suf := range []string{".service", ".socket", ".path", ".timer", ".target"} {
		if strings.HasSuffix(u, suf) {
			return strings.TrimSuffix(u, suf)
		}
	}
	return u
}

func (c *ctx) services(p *exposureParams) result.Result {
	f := c.rule("ip-services")
	units := c.s.enabledUnits()
	var found []string
	for _, u := range units {
		if contains(p.AllowedServices, u) || contains(p.AllowedServices, unitBase(u)) {
			continue
		}
		if contains(p.DeniedServices, u) || contains(p.DeniedServices, unitBase(u)) {
			found = append(found, u)
			f.text("enabled: " + u)
		}
	}
	for _, file := range c.s.glob("/etc/xinetd.d/", "") {
		if v, l, ok := c.s.kvSpaced(file, "disable"); ok && v == "no" {
			base := file[strings.LastIndex(file, "/")+1:]
			found = append(found, "xinetd "+base)
			f.line(file, l)
		}
	}
	if len(found) > 0 {
		return f.bad(result.Crit, "sec.services.found", strings.Join(found, ", ")).adv(found[0]).done()
	}
	if len(units) == 0 {
		return f.unknown("no-data", "sec.services.unread").done()
	}
	return f.note("sec.services.ok", len(units)).done()
}

func (c *ctx) ports(p *exposureParams, socks []socket) result.Result {
	f := c.rule("ip-listening-ports")
	if _, ok := c.s.cmd("tcp"); !ok {
		return f.unknown("no-data", "sec.ports.unread").done()
	}
	var bad, open []string
	for _, so := range socks {
		if so.loopback() {
			continue
		}
		open = append(open, so.String())
		if len(p.AllowedPorts) > 0 && !containsInt(p.AllowedPorts, so.Port) || len(p.AllowedPorts) == 0 && containsInt(p.DeniedPorts, so.Port) {
			bad = append(bad, so.String())
			f.text("/proc/net/" + so.Proto + ": " + so.String() + "  (not allowed)")
		} else {
			f.text("/proc/net/" + so.Proto + ": " + so.String())
		}
	}
	if len(bad) > 0 {
		return f.bad(result.Crit, "sec.ports.bad", strings.Join(bad, ", ")).adv(strings.Join(bad, ", ")).done()
	}
	if len(p.AllowedPorts) > 0 {
		return f.note("sec.ports.allowed", len(open)).done()
	}
	return f.note("sec.ports.ok", len(open)).done()
}

func (c *ctx) minimal() result.Result {
	f := c.rule("ip-minimal-install")
	if d, ok := val(c.s, "DEFAULT"); ok {
		f.text("/etc/systemd/system/default.target -> " + d)
		if d == "graphical.target" {
			f.bad(result.Warn, "sec.minimal.graphical")
		}
	}
	var tools []string
	for _, t := range c.s.Vals["TOOL"] {
		name, path, _ := strings.Cut(t, " ")
		tools = append(tools, name)
		f.text("$ command -v " + name + ": " + path)
	}
	if len(tools) > 0 {
		f.bad(result.Warn, "sec.minimal.tools", strings.Join(tools, ", "))
	}
	if f.status == result.OK {
		f.note("sec.minimal.ok")
	}
	return f.done()
}

package os

import (
	"context"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// portListenCheck compares the ports a host listens on with what is
// expected (type "port-listen").
//
//	expected:        ports that must be listening: "22", "443/tcp", "53/udp",
//	                 "127.0.0.1:25/tcp" (an address limits where; a wildcard
//	                 listener 0.0.0.0 / :: satisfies any address)
//	allowed:         ports that may listen but need not
//	warn_unexpected: WARN when anything else listens (SEC5: open ports);
//	                 default false
//	ignore_loopback: leave listeners on 127.0.0.0/8 and ::1 out of the
//	                 unexpected list; default true
//
// Each expected port is a result (Item "22/tcp"): CRIT when nothing
// listens. One more result (Item "listeners") lists every listener with
// its program, so the report shows the host's open ports; it is WARN when
// warn_unexpected is set and an unexpected one is found.
//
// The collector runs ss once (netstat where ss is missing, /proc/net/tcp*
// and udp* with the read builtin where both are).
type portListenCheck struct{}

// osPortSpec is one expected or allowed port.
type osPortSpec struct {
	Addr  string // "" = any
	Port  int
	Proto string // tcp or udp
}

func (p osPortSpec) String() string {
	s := strconv.Itoa(p.Port) + "/" + p.Proto
	if p.Addr != "" {
		if strings.Contains(p.Addr, ":") {
			return "[" + p.Addr + "]:" + s
		}
		return p.Addr + ":" + s
	}
	return s
}

func osParsePortSpec(s string) (osPortSpec, error) {
	p := osPortSpec{Proto: "tcp"}
	s = strings.TrimSpace(s)
	if body, proto, ok := strings.Cut(s, "/"); ok {
		proto = strings.ToLower(proto)
		if proto != "tcp" && proto != "udp" {
			return p, i18n.NewError("os.param.port_proto", s)
		}
		p.Proto, s = proto, body
	}
	portStr := s
	if i := strings.LastIndex(s, ":"); i >= 0 {
		p.Addr = strings.Trim(s[:i], "[]")
		portStr = s[i+1:]
		if net.ParseIP(p.Addr) == nil {
			return p, i18n.NewError("os.param.port_addr", s, p.Addr)
		}
	}
	n, err := strconv.Atoi(portStr)
	if err != nil || n < 1 || n > 65535 {
		return p, i18n.NewError("os.param.port_num", s)
	}
	p.Port = n
	return p, nil
}

type osPortOptions struct {
	expected, allowed []osPortSpec
	warnUnexpected    bool
	ignoreLoopback    bool
}

// portTyped are the parameters of port-listen, decoded once when the
// playbook is loaded.
type portTyped struct {
	Expected       []string `param:"expected"`        // [addr:]port[/proto] that must listen
	Allowed        []string `param:"allowed"`         // others that may
	WarnUnexpected bool     `param:"warn_unexpected"` // WARN on any other listener
	IgnoreLoopback bool     `param:"ignore_loopback"` // listeners on 127.0.0.0/8 and ::1 are never unexpected

	opts osPortOptions
}

// Defaults ignores loopback listeners.
func (p *portTyped) Defaults() { p.IgnoreLoopback = true }

// CheckParams parses the port specifications.
func (p *portTyped) CheckParams(spec *inspect.Spec) error {
	p.opts = osPortOptions{warnUnexpected: p.WarnUnexpected, ignoreLoopback: p.IgnoreLoopback}
	for _, l := range []struct {
		name string
		list []string
		into *[]osPortSpec
	}{{"expected", p.Expected, &p.opts.expected}, {"allowed", p.Allowed, &p.opts.allowed}} {
		for _, s := range l.list {
			ps, err := osParsePortSpec(s)
			if err != nil {
				return inspect.BadParamMsg(spec, l.name, "inspect.param.detail", err)
			}
			*l.into = append(*l.into, ps)
		}
	}
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (portListenCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[portTyped](spec)
}

func portParams(spec *inspect.Spec) (osPortOptions, error) {
	p, err := inspect.ParamsOf[portTyped](spec)
	if err != nil {
		return osPortOptions{}, err
	}
	return p.opts, nil
}

// Validate checks the parameters when the playbook is loaded.
func (portListenCheck) Validate(spec *inspect.Spec) error { _, err := portParams(spec); return err }

// A tool that exists but fails (ss without netlink in a container) hands
// over to the next one.
const portScript = `if command -v ss >/dev/null 2>&1 && o=$(ss -tulnp 2>&1); then
  echo "@@SS"; echo "$o"
elif command -v netstat >/dev/null 2>&1 && o=$(netstat -tulnp 2>&1); then
  echo "@@NETSTAT"; echo "$o"
else
  echo "@@PROCNET"
  for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
    [ -r "$f" ] || continue
    echo "F $f"
    while read -r sl local rem st rest; do
      case "$st" in 0A|07) echo "$local" ;; esac
    done < "$f"
  done
fi`

// Script returns the collector.
func (portListenCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	if _, err := portParams(spec); err != nil {
		return "", err
	}
	return portScript, nil
}

// osListener is one listening socket.
type osListener struct {
	Proto   string // tcp or udp
	Addr    string // "0.0.0.0", "::", "127.0.0.1", ...
	Port    int
	Process string
}

func (l osListener) String() string {
	s := l.Addr + ":" + strconv.Itoa(l.Port) + "/" + l.Proto
	if strings.Contains(l.Addr, ":") {
		s = "[" + l.Addr + "]:" + strconv.Itoa(l.Port) + "/" + l.Proto
	}
	if l.Process != "" {
		s += " (" + l.Process + ")"
	}
	return s
}

func (l osListener) wildcard() bool {
	return l.Addr == "0.0.0.0" || l.Addr == "::" || l.Addr == "*" || l.Addr == ""
}

func (l osListener) loopback() bool {
	ip := net.ParseIP(l.Addr)
	return ip != nil && ip.IsLoopback()
}

// osSplitHostPort splits "0.0.0.0:22", "*:22", "[::]:22", ":::22",
// "127.0.0.53%lo:53" into address and port.
func osSplitHostPort(s string) (string, int, bool) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", 0, false
	}
	port, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return "", 0, false
	}
	addr := strings.Trim(s[:i], "[]")
	if j := strings.IndexByte(addr, '%'); j >= 0 {
		addr = addr[:j]
	}
	if addr == "*" {
		addr = "0.0.0.0"
	}
	return addr, port, true
}

// parseSS reads `ss -tulnp` (and -tulpen): Netid State Recv-Q Send-Q
// Local:Port Peer:Port [Process].
func parseSS(s string) []osListener {
	var out []osListener
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || (f[0] != "tcp" && f[0] != "udp") {
			continue
		}
		if f[1] != "LISTEN" && f[1] != "UNCONN" {
			continue
		}
		addr, port, ok := osSplitHostPort(f[4])
		if !ok {
			continue
		}
		l := osListener{Proto: f[0], Addr: addr, Port: port}
		if i := strings.Index(line, `users:(("`); i >= 0 {
			name := line[i+len(`users:(("`):]
			if j := strings.IndexByte(name, '"'); j >= 0 {
				l.Process = name[:j]
			}
		}
		out = append(out, l)
	}
	return out
}

// parseNetstat reads `netstat -tulnp` or `netstat -lnp`: Proto Recv-Q
// Send-Q Local Foreign [State] PID/Program.
func parseNetstat(s string) []osListener {
	var out []osListener
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		proto := strings.TrimSuffix(f[0], "6")
		if proto != "tcp" && proto != "udp" {
			continue
		}
		if proto == "tcp" && (len(f) < 6 || f[5] != "LISTEN") {
			continue
		}
		addr, port, ok := osSplitHostPort(f[3])
		if !ok {
			continue
		}
		l := osListener{Proto: proto, Addr: addr, Port: port}
		last := f[len(f)-1]
		if pid, prog, ok := strings.Cut(last, "/"); ok {
			if _, err := strconv.Atoi(pid); err == nil {
				l.Process = prog
			}
		}
		out = append(out, l)
	}
	return out
}

// parseProcNet reads the collector's /proc/net fallback: "F <file>" lines
// followed by hex "ADDR:PORT" of listening sockets.
func parseProcNet(s string) []osListener {
	var out []osListener
	proto := ""
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if f, ok := strings.CutPrefix(line, "F "); ok {
			proto = "tcp"
			if strings.Contains(f, "udp") {
				proto = "udp"
			}
			continue
		}
		hexAddr, hexPort, ok := strings.Cut(line, ":")
		if !ok || proto == "" {
			continue
		}
		port, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil {
			continue
		}
		ip, ok := procNetIP(hexAddr)
		if !ok {
			continue
		}
		out = append(out, osListener{Proto: proto, Addr: ip, Port: int(port)})
	}
	return out
}

// procNetIP decodes /proc/net/tcp addresses: 32-bit words in host byte
// order (little-endian on x86-64 and arm64).
func procNetIP(h string) (string, bool) {
	if len(h) != 8 && len(h) != 32 {
		return "", false
	}
	b := make(net.IP, len(h)/2)
	for w := 0; w < len(h)/8; w++ {
		v, err := strconv.ParseUint(h[w*8:w*8+8], 16, 32)
		if err != nil {
			return "", false
		}
		b[w*4], b[w*4+1], b[w*4+2], b[w*4+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return b.String(), true
}

// matches reports whether listener l satisfies spec p.
func (p osPortSpec) matches(l osListener) bool {
	if l.Proto != p.Proto || l.Port != p.Port {
		return false
	}
	return p.Addr == "" || l.wildcard() || net.ParseIP(p.Addr).Equal(net.ParseIP(l.Addr))
}

// Evaluate compares listeners with the expected ports.
func (portListenCheck) Evaluate(_ context.Context, env *inspect.Env) []result.Result {
	base := osBase("port-listen")
	if r, bad := osSectionProblem(env, base); bad {
		return []result.Result{r}
	}
	o, err := portParams(env.Spec)
	if err != nil {
		return []result.Result{osParamError(base, err)}
	}
	var ls []osListener
	var tool string
	for _, b := range osSplit(env.Section.Stdout) {
		switch b.Name {
		case "SS":
			ls, tool = parseSS(b.Body), "ss"
		case "NETSTAT":
			ls, tool = parseNetstat(b.Body), "netstat"
		case "PROCNET":
			ls, tool = parseProcNet(b.Body), "/proc/net"
		}
	}
	if tool == "" || len(ls) == 0 {
		r := osUnknownMsg(base, env, "unparsable", "os.port.unparsable")
		osSetEvidence(&r, env.Section.Stdout, 20, false)
		return []result.Result{r}
	}
	// One line per distinct listener (ss lists IPv4 and IPv6 and each
	// process of a pre-forked server separately).
	seen := map[string]bool{}
	var uniq []osListener
	for _, l := range ls {
		k := l.String()
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, l)
		}
	}
	sort.Slice(uniq, func(i, j int) bool {
		if uniq[i].Proto != uniq[j].Proto {
			return uniq[i].Proto < uniq[j].Proto
		}
		if uniq[i].Port != uniq[j].Port {
			return uniq[i].Port < uniq[j].Port
		}
		return uniq[i].Addr < uniq[j].Addr
	})
	var out []result.Result
	for _, p := range o.expected {
		r := base
		r.Item = p.String()
		var by []string
		for _, l := range uniq {
			if p.matches(l) {
				by = append(by, l.String())
			}
		}
		if len(by) == 0 {
			r.Status = result.Crit
			r.Reason = "not-listening"
			inspect.SetMsg(&r, env, "os.port.missing", p.String())
			inspect.SetAdvice(&r, env, "os.port.missing_advice", p.String())
		} else {
			r.Status = result.OK
			inspect.SetMsg(&r, env, "os.port.listening", p.String(), osList(by, 3))
		}
		out = append(out, r)
	}
	var unexpected, all []string
	for _, l := range uniq {
		all = append(all, l.String())
		ok := false
		for _, p := range append(append([]osPortSpec{}, o.expected...), o.allowed...) {
			if p.Proto == l.Proto && p.Port == l.Port {
				ok = true
			}
		}
		if !ok && !(o.ignoreLoopback && l.loopback()) {
			unexpected = append(unexpected, l.String())
		}
	}
	sum := base
	sum.Item = "listeners"
	sum.Status = result.OK
	sum.SetValue(float64(len(uniq)), "")
	sum.Metrics = []result.Metric{{Name: "net.listeners", Value: float64(len(uniq))}}
	sum.Evidence, sum.EvidenceTruncated = osEvidence(strings.Join(all, "\n"), 100, false)
	if o.warnUnexpected && len(unexpected) > 0 {
		sum.Status = result.Warn
		sum.Reason = "unexpected-listener"
		inspect.SetMsg(&sum, env, "os.port.unexpected", len(unexpected), osList(unexpected, 8))
		inspect.SetAdvice(&sum, env, "os.port.unexpected_advice")
		sum.Evidence, sum.EvidenceTruncated = osEvidence(strings.Join(unexpected, "\n"), 100, false)
	} else {
		inspect.SetMsg(&sum, env, "os.port.summary", len(uniq), tool, osList(all, 12))
	}
	return append(out, sum)
}

// PortListen is the check type playbooks call "port-listen".
func PortListen() inspect.Check { return osGuard{portListenCheck{}} }

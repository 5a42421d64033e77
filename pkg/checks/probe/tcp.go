package probe

import (
	"bufio"
	"context"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// tcpCheck connects to TCP ports from this machine (type "tcp-connect"): is
// the service reachable through the network, and how long does the connect
// take. One result per port, Item = host:port.
//
// Parameters:
//
//	host          address to connect to (default: the asset's address)
//	port          one port (default: the asset's port)
//	ports         several ports: [1521, 8080]
//	timeout       connect timeout (default 5s)
//	banner_regex  the first line the server sends must match (Go RE2), e.g.
//	              "^SSH-2.0" or "^220 "; read within the timeout
//
// warn/crit (Nagios ranges) apply to the connect time in milliseconds.
// Refused, timed out or unresolvable is CRIT with that reason.
type tcpCheck struct{}

type tcpConf struct {
	host    string
	ports   []int
	timeout time.Duration
	banner  *regexp.Regexp
}

// tcpParams are the parameters of tcp-connect, decoded once when the
// playbook is loaded.
type tcpParams struct {
	Host        string         `param:"host"` // default: the asset's address
	Port        *int           `param:"port"` // nil: the asset's port
	Ports       []int          `param:"ports"`
	Timeout     time.Duration  `param:"timeout"`
	BannerRegex *regexp.Regexp `param:"banner_regex"`
}

// Defaults: 5 s.
func (p *tcpParams) Defaults() { p.Timeout = 5 * time.Second }

// CheckParams checks the timeout and the ports.
func (p *tcpParams) CheckParams(spec *inspect.Spec) error {
	if p.Timeout == 0 {
		return inspect.BadParamMsg(spec, "timeout", "probe.param.more_than_0")
	}
	for _, n := range p.ports() {
		if n < 1 || n > 65535 {
			return inspect.BadParamMsg(spec, "port", "probe.param.port", n)
		}
	}
	return nil
}

// ports returns port, then ports.
func (p *tcpParams) ports() []int {
	out := make([]int, 0, len(p.Ports)+1)
	if p.Port != nil {
		out = append(out, *p.Port)
	}
	return append(out, p.Ports...)
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (tcpCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[tcpParams](spec)
}

// tcpParse returns the configuration for asset a (nil: none yet).
func tcpParse(spec *inspect.Spec, a *inventory.Asset) (*tcpConf, error) {
	p, err := inspect.ParamsOf[tcpParams](spec)
	if err != nil {
		return nil, err
	}
	c := &tcpConf{host: p.Host, ports: p.ports(), timeout: p.Timeout, banner: p.BannerRegex}
	if c.host == "" && a != nil {
		c.host = a.Address
	}
	return c, nil
}

func (tcpCheck) Validate(spec *inspect.Spec) error {
	_, err := tcpParse(spec, nil)
	return err
}

func (tcpCheck) Script(spec *inspect.Spec, a *inventory.Asset) (string, error) {
	_, err := tcpParse(spec, a)
	return "", err
}

func (tcpCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	c, err := tcpParse(env.Spec, env.Asset)
	if err != nil {
		return inspect.BadParamsResult(env, "tcp-connect", err)
	}
	if len(c.ports) == 0 && env.Asset != nil && env.Asset.Port > 0 {
		c.ports = []int{env.Asset.Port}
	}
	if c.host == "" || len(c.ports) == 0 {
		r := inspect.NewResult(env, "tcp-connect", "")
		r.Status = result.Unknown
		r.Reason = "bad-params"
		inspect.SetMsg(&r, env, "probe.tcp.no_port")
		if c.host == "" {
			inspect.SetMsg(&r, env, "probe.tcp.no_host")
		}
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return []result.Result{r}
	}
	out := make([]result.Result, len(c.ports))
	var wg sync.WaitGroup
	for i, p := range c.ports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = tcpProbe(ctx, env, c, p)
		}()
	}
	wg.Wait()
	return out
}

func tcpProbe(ctx context.Context, env *inspect.Env, c *tcpConf, port int) result.Result {
	addr := net.JoinHostPort(c.host, strconv.Itoa(port))
	r := inspect.NewResult(env, "tcp-connect", addr)
	r.StartedAt = time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	d := net.Dialer{}
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", addr)
	elapsed := time.Since(start)
	r.DurationMS = elapsed.Milliseconds()
	ms := float64(elapsed.Microseconds()) / 1000
	if err != nil {
		reason, why, advice := classifyNetErr(env, err)
		r.Status = result.Crit
		r.Reason = reason
		inspect.SetMsg(&r, env, "probe.tcp.failed", addr, why, fmtMS(ms))
		inspect.SetAdviceSub(&r, env, advice)
		return r
	}
	defer conn.Close()
	r.Status = result.OK
	env.Thresholds.Apply(&r, ms, "ms")
	inspect.SetMsg(&r, env, "probe.tcp.ok", addr, fmtMS(ms))
	if r.Status != result.OK {
		r.AppendText("; ")
		inspect.AddMsg(&r, env, "probe.http.slow", inspect.RangesText(env, env.Thresholds))
		inspect.SetAdvice(&r, env, "probe.advice.tcp_slow")
	}
	if c.banner != nil {
		dl, _ := ctx.Deadline()
		conn.SetReadDeadline(dl)
		line, err := bufio.NewReaderSize(conn, 1024).ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		r.Evidence = inspect.Clip(line, 512)
		switch {
		case line == "" && err != nil:
			r.Status = result.Crit
			r.Reason = "banner"
			r.AppendText("; ")
			inspect.AddMsg(&r, env, "probe.tcp.no_banner")
			inspect.SetAdvice(&r, env, "probe.advice.tcp_banner")
		case !c.banner.MatchString(line):
			r.Status = result.Crit
			r.Reason = "banner"
			r.AppendText("; ")
			inspect.AddMsg(&r, env, "probe.tcp.bad_banner", inspect.Clip(line, 80), c.banner.String())
			inspect.SetAdvice(&r, env, "probe.advice.tcp_banner")
		}
	}
	return r
}

// TCPConnect is the check type playbooks call "tcp-connect".
func TCPConnect() inspect.Check { return tcpCheck{} }

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

var tcpParams = []string{"host", "port", "ports", "timeout", "banner_regex"}

type tcpConf struct {
	host    string
	ports   []int
	timeout time.Duration
	banner  *regexp.Regexp
}

func tcpParse(spec *inspect.Spec, a *inventory.Asset) (*tcpConf, error) {
	if err := inspect.ParamKnown(spec, tcpParams...); err != nil {
		return nil, err
	}
	c := &tcpConf{}
	def := ""
	if a != nil {
		def = a.Address
	}
	var err error
	if c.host, err = inspect.ParamString(spec, "host", def); err != nil {
		return nil, err
	}
	if c.timeout, err = inspect.ParamDuration(spec, "timeout", 5*time.Second); err != nil {
		return nil, err
	}
	if c.timeout == 0 {
		return nil, inspect.BadParam(spec, "timeout", "must be more than 0")
	}
	if c.banner, err = inspect.ParamRegexp(spec, "banner_regex"); err != nil {
		return nil, err
	}
	if c.ports, err = inspect.ParamInts(spec, "ports", nil); err != nil {
		return nil, err
	}
	if inspect.ParamHas(spec, "port") {
		p, err := inspect.ParamInt(spec, "port", 0)
		if err != nil {
			return nil, err
		}
		c.ports = append([]int{p}, c.ports...)
	}
	for _, p := range c.ports {
		if p < 1 || p > 65535 {
			return nil, inspect.BadParam(spec, "port", "%d is not a TCP port (1-65535)", p)
		}
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

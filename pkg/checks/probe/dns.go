package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// dnsCheck resolves a name from this machine (type "dns"): does it resolve,
// to the expected addresses, through the expected server, and how fast.
//
// Parameters:
//
//	name    the name to resolve (default: the asset's address when it is a
//	        name rather than an IP)
//	type    A, AAAA, ip (A and AAAA, the default) or CNAME
//	expect  expected answers: addresses for A/AAAA/ip (each must be among
//	        the answers), the canonical name for CNAME
//	exact   true: the answers must be exactly the expected ones (no more)
//	server  resolver to ask, "10.0.0.53" or "10.0.0.53:5353"; default the
//	        system's (/etc/hosts, then /etc/resolv.conf)
//	timeout lookup timeout (default 5s)
//
// warn/crit (Nagios ranges) apply to the lookup time in milliseconds. A name
// that does not resolve, or resolves elsewhere than expected, is CRIT.
type dnsCheck struct{}

type dnsConf struct {
	name, qtype, server string
	expect              []string
	exact               bool
	timeout             time.Duration
}

// dnsParams are the parameters of dns, decoded once when the playbook is
// loaded.
type dnsParams struct {
	Name    string        `param:"name"`
	Type    string        `param:"type"`   // A, AAAA, ip or CNAME
	Expect  []string      `param:"expect"` // addresses, or the canonical name
	Exact   bool          `param:"exact"`
	Server  string        `param:"server"` // "10.0.0.53" or "10.0.0.53:5353"
	Timeout time.Duration `param:"timeout"`

	conf *dnsConf
}

// Defaults: A and AAAA, 5 s.
func (p *dnsParams) Defaults() { p.Type, p.Timeout = "ip", 5*time.Second }

// CheckParams checks the values and builds the configuration.
func (p *dnsParams) CheckParams(spec *inspect.Spec) error {
	c := &dnsConf{name: p.Name, qtype: strings.ToUpper(p.Type), expect: slices.Clone(p.Expect), exact: p.Exact, server: p.Server, timeout: p.Timeout}
	switch c.qtype {
	case "A", "AAAA", "IP", "CNAME":
	default:
		return inspect.BadParamMsg(spec, "type", "probe.param.dns_type", c.qtype)
	}
	if c.qtype != "CNAME" {
		for i, e := range c.expect {
			a, err := netip.ParseAddr(strings.TrimSpace(e))
			if err != nil {
				return inspect.BadParamMsg(spec, "expect", "probe.param.not_ip", e)
			}
			c.expect[i] = a.Unmap().String()
		}
	}
	if c.server != "" {
		if _, _, err := net.SplitHostPort(c.server); err != nil {
			c.server = net.JoinHostPort(strings.Trim(c.server, "[]"), "53")
		}
		if _, err := netip.ParseAddrPort(c.server); err != nil {
			return inspect.BadParamMsg(spec, "server", "probe.param.dns_server", c.server)
		}
	}
	if c.timeout == 0 {
		return inspect.BadParamMsg(spec, "timeout", "probe.param.more_than_0")
	}
	p.conf = c
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (dnsCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[dnsParams](spec)
}

// dnsParse returns the configuration; the caller may change its copy.
func dnsParse(spec *inspect.Spec) (*dnsConf, error) {
	p, err := inspect.ParamsOf[dnsParams](spec)
	if err != nil {
		return nil, err
	}
	c := *p.conf
	c.expect = slices.Clone(c.expect)
	return &c, nil
}

func (dnsCheck) Validate(spec *inspect.Spec) error {
	_, err := dnsParse(spec)
	return err
}

func (dnsCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	_, err := dnsParse(spec)
	return "", err
}

func (dnsCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	c, err := dnsParse(env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "dns", err)
	}
	name := c.name
	if name == "" && env.Asset != nil {
		if _, err := netip.ParseAddr(env.Asset.Address); err != nil {
			name = env.Asset.Address
		}
	}
	r := inspect.NewResult(env, "dns", name)
	if name == "" {
		r.Status = result.Unknown
		r.Reason = "bad-params"
		inspect.SetMsg(&r, env, "probe.dns.no_name")
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return []result.Result{r}
	}
	res := net.DefaultResolver
	var via i18n.Sub
	addVia := func(r *result.Result) {
		if via.Key != "" {
			r.AppendText(" ")
			inspect.AddMsg(r, env, via.Key, via.Args...)
		}
	}
	if c.server != "" {
		via = i18n.S("probe.dns.via", c.server)
		server := c.server
		res = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	r.StartedAt = time.Now()
	start := time.Now()
	var answers []string
	switch c.qtype {
	case "CNAME":
		var cname string
		cname, err = res.LookupCNAME(ctx, name)
		if err == nil {
			answers = []string{strings.TrimSuffix(cname, ".")}
		}
	default:
		network := map[string]string{"A": "ip4", "AAAA": "ip6", "IP": "ip"}[c.qtype]
		var ips []net.IP
		ips, err = res.LookupIP(ctx, network, name)
		for _, ip := range ips {
			if a, ok := netip.AddrFromSlice(ip); ok {
				answers = append(answers, a.Unmap().String())
			}
		}
	}
	elapsed := time.Since(start)
	r.DurationMS = elapsed.Milliseconds()
	ms := float64(elapsed.Microseconds()) / 1000
	if err != nil {
		r.Status = result.Crit
		var de *net.DNSError
		switch {
		case errors.As(err, &de) && de.IsNotFound:
			r.Reason = result.ReasonDNS
			inspect.SetMsg(&r, env, "probe.dns.not_found", name, c.qtype, fmtMS(ms))
			addVia(&r)
			inspect.SetAdvice(&r, env, "probe.advice.dns")
		case errors.As(err, &de) && de.IsTimeout, errors.Is(err, context.DeadlineExceeded):
			r.Reason = result.ReasonTimeout
			inspect.SetMsg(&r, env, "probe.dns.timeout", name, fmtMS(ms))
			addVia(&r)
			inspect.SetAdvice(&r, env, "probe.advice.dns_server")
		default:
			r.Reason = result.ReasonDNS
			inspect.SetMsg(&r, env, "probe.dns.failed", name, inspect.Clip(err.Error(), 160))
			addVia(&r)
			inspect.SetAdvice(&r, env, "probe.advice.dns_server")
		}
		return []result.Result{r}
	}
	slices.Sort(answers)
	answers = slices.Compact(answers)
	r.Status = result.OK
	env.Thresholds.Apply(&r, ms, "ms")
	shown := strings.Join(answers, ", ")
	if shown == "" {
		shown = "-"
	}
	inspect.SetMsg(&r, env, "probe.dns.ok", name, shown, fmtMS(ms))
	addVia(&r)
	r.Evidence = c.qtype + " " + name + ": " + strings.Join(answers, " ")
	var notes []i18n.Sub
	if r.Status != result.OK {
		notes = append(notes, i18n.S("probe.http.slow", inspect.RangesText(env, env.Thresholds)))
		inspect.SetAdvice(&r, env, "probe.advice.dns_server")
	}
	if len(c.expect) > 0 {
		var missing, extra []string
		for _, e := range c.expect {
			if !slices.ContainsFunc(answers, func(a string) bool { return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(e, ".")) }) {
				missing = append(missing, e)
			}
		}
		if c.exact {
			for _, a := range answers {
				if !slices.ContainsFunc(c.expect, func(e string) bool { return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(e, ".")) }) {
					extra = append(extra, a)
				}
			}
		}
		if len(missing) > 0 {
			notes = append(notes, i18n.S("probe.dns.missing", strings.Join(missing, ", ")))
		}
		if len(extra) > 0 {
			notes = append(notes, i18n.S("probe.dns.extra", strings.Join(extra, ", ")))
		}
		if len(missing) > 0 || len(extra) > 0 {
			r.Status = result.Crit
			r.Reason = "dns-mismatch"
			inspect.SetAdvice(&r, env, "probe.advice.dns_mismatch")
		}
	}
	if len(notes) > 0 {
		inspect.AddNotes(&r, env, "; ", notes)
	}
	return []result.Result{r}
}

// DNS is the check type playbooks call "dns".
func DNS() inspect.Check { return dnsCheck{} }

package mw

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// nginxCheck reads nginx's stub_status page from this machine (type
// "nginx"): active connections (the value; warn/crit apply to it, no
// default), with reading/writing/waiting, and the accepted, handled and
// request counters as metrics. Accepted connections that were not handled
// mean nginx hit worker_connections or a resource limit: WARN. The page
// must be enabled (location /nginx_status { stub_status; allow <hcops>;
// deny all; }).
//
// Parameters:
//
//	url       the server's base URL (default http://ADDRESS[:PORT], https
//	          for ports 443 and 8443)
//	path      the status page's path (default /nginx_status)
//	host, port  instead of the asset's address and port (default 80)
//	user, password  basic auth, the password a secret reference
//	insecure  skip certificate verification
//	timeout   default 10s
type nginxCheck struct{}

// Nginx is the check type playbooks call "nginx".
func Nginx() inspect.Check { return nginxCheck{} }

// nginxParams are the parameters, decoded once when the playbook is loaded.
type nginxParams struct {
	URL      string        `param:"url"`
	Path     string        `param:"path"`
	Host     string        `param:"host"`
	Port     int           `param:"port"`
	User     string        `param:"user"`
	Password mwPassword    `param:"password"`
	Insecure bool          `param:"insecure"`
	Timeout  time.Duration `param:"timeout"`
}

// Defaults: /nginx_status, 10 s.
func (p *nginxParams) Defaults() { p.Path, p.Timeout = "/nginx_status", 10*time.Second }

// CheckParams checks url, port and timeout.
func (p *nginxParams) CheckParams(spec *inspect.Spec) error {
	if err := mwCheckURL(spec, p.URL); err != nil {
		return err
	}
	return mwCheckCommon(spec, p.Port, p.Timeout)
}

// httpConf is where and how an HTTP-based check asks its service.
type httpConf struct {
	url      string // "" when there is no address at all
	user     string
	password inventory.SecretRef
	plain    string // a password that is no secret (RabbitMQ's guest)
	insecure bool
	timeout  time.Duration
}

// newHTTPConf builds the configuration from the parameters the HTTP-based
// checks share, for asset a.
func newHTTPConf(url, path, host string, port int, user string, pw mwPassword, insecure bool, timeout time.Duration, a *inventory.Asset, defPort int) *httpConf {
	if path != "" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return &httpConf{url: mwBaseURL(url, host, port, a, defPort, path), user: user, password: pw.Ref,
		insecure: insecure, timeout: timeout}
}

// get fetches path below the configured URL (path "" for the URL itself).
func (c *httpConf) get(ctx context.Context, path string) ([]byte, error) {
	pw := c.plain
	if !c.password.IsZero() {
		v, err := c.password.Resolve()
		if err != nil {
			return nil, &secretError{err}
		}
		pw = v
	}
	return mwGet(ctx, mwHTTP(c.timeout, c.insecure), c.url+path, c.user, pw)
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (nginxCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[nginxParams](spec)
}

// Validate has nothing left to check: DecodeParams did.
func (nginxCheck) Validate(*inspect.Spec) error { return nil }

// Script: none, the page is read from this machine.
func (nginxCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "", nil }

// NginxStatus is what stub_status prints.
type NginxStatus struct {
	Active, Accepts, Handled, Requests, Reading, Writing, Waiting float64
}

// ParseNginxStatus reads a stub_status page:
//
//	Active connections: 291
//	server accepts handled requests
//	 16630948 16630948 31070465
//	Reading: 6 Writing: 179 Waiting: 106
func ParseNginxStatus(s string) (NginxStatus, error) {
	var st NginxStatus
	lines := strings.Split(strings.ReplaceAll(s, "\r", ""), "\n")
	seen := 0
	for i, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) == 3 && f[0] == "Active" && f[1] == "connections:":
			v, err := strconv.ParseFloat(f[2], 64)
			if err != nil {
				return st, fmt.Errorf("active connections %q", f[2])
			}
			st.Active = v
			seen++
		case len(f) >= 4 && f[0] == "server" && f[1] == "accepts" && i+1 < len(lines):
			n := strings.Fields(lines[i+1])
			if len(n) < 3 {
				return st, fmt.Errorf("no counters after %q", l)
			}
			var err error
			for j, p := range []*float64{&st.Accepts, &st.Handled, &st.Requests} {
				if *p, err = strconv.ParseFloat(n[j], 64); err != nil {
					return st, fmt.Errorf("counter %q", n[j])
				}
			}
			seen++
		case len(f) == 6 && f[0] == "Reading:" && f[2] == "Writing:" && f[4] == "Waiting:":
			for j, p := range []*float64{&st.Reading, &st.Writing, &st.Waiting} {
				v, err := strconv.ParseFloat(f[2*j+1], 64)
				if err != nil {
					return st, fmt.Errorf("%s %q", f[2*j], f[2*j+1])
				}
				*p = v
			}
			seen++
		}
	}
	if seen != 3 {
		return st, fmt.Errorf("not an nginx stub_status page")
	}
	return st, nil
}

func (nginxCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	const typ = "nginx"
	p, err := inspect.ParamsOf[nginxParams](env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	c := newHTTPConf(p.URL, p.Path, p.Host, p.Port, p.User, p.Password, p.Insecure, p.Timeout, env.Asset, 80)
	if c.url == "" {
		r := mwUnknown(env, typ, "", "bad-params", "mw.no_address")
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return []result.Result{r}
	}
	body, err := c.get(ctx, "")
	if err != nil {
		if _, ok := err.(*secretError); ok {
			return []result.Result{mwUnknown(env, typ, "", "secret", "mw.secret", err)}
		}
		return []result.Result{mwHTTPProblem(env, typ, "nginx stub_status", err)}
	}
	st, err := ParseNginxStatus(string(body))
	if err != nil {
		r := mwUnknown(env, typ, "", "unparsable", "mw.nginx.unparsable", c.url, err.Error())
		inspect.SetAdvice(&r, env, "mw.nginx.unparsable_advice")
		inspect.SetEvidence(&r, inspect.Clip(string(body), 2000), false)
		return []result.Result{r}
	}
	r := mwResult(env, typ, "")
	env.Thresholds.Apply(&r, st.Active, "")
	r.Metrics = []result.Metric{
		{Name: "nginx.active", Value: st.Active}, {Name: "nginx.accepts", Value: st.Accepts},
		{Name: "nginx.handled", Value: st.Handled}, {Name: "nginx.requests", Value: st.Requests},
	}
	inspect.SetMsg(&r, env, "mw.nginx.msg", int(st.Active), int(st.Reading), int(st.Writing), int(st.Waiting), st.Requests)
	if dropped := st.Accepts - st.Handled; dropped > 0 {
		r.Status = result.Worst(r.Status, result.Warn)
		r.Reason = "dropped"
		inspect.AddMsg(&r, env, "mw.nginx.dropped", dropped)
		inspect.SetAdvice(&r, env, "mw.nginx.dropped_advice")
	}
	inspect.SetEvidence(&r, string(body), false)
	return []result.Result{r}
}

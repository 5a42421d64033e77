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

var nginxParams = []string{"url", "path", "host", "port", "user", "password", "insecure", "timeout"}

type httpConf struct {
	url      string
	user     string
	password inventory.SecretRef
	plain    string // a password that is no secret (RabbitMQ's guest)
	insecure bool
	timeout  time.Duration
}

// httpParse reads the parameters the HTTP-based checks share.
func httpParse(spec *inspect.Spec, a *inventory.Asset, known []string, defPort int, defPath string) (*httpConf, error) {
	if err := inspect.ParamKnown(spec, known...); err != nil {
		return nil, err
	}
	path, err := inspect.ParamString(spec, "path", defPath)
	if err != nil {
		return nil, err
	}
	if path != "" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	c := &httpConf{}
	if c.url, err = mwBaseURL(spec, a, defPort, path); err != nil {
		return nil, err
	}
	if c.user, err = inspect.ParamString(spec, "user", ""); err != nil {
		return nil, err
	}
	if c.password, err = mwSecret(spec, "password"); err != nil {
		return nil, err
	}
	if c.insecure, err = inspect.ParamBool(spec, "insecure", false); err != nil {
		return nil, err
	}
	c.timeout, err = mwTimeout(spec)
	return c, err
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

func (nginxCheck) Validate(spec *inspect.Spec) error {
	_, err := httpParse(spec, nil, nginxParams, 80, "/nginx_status")
	return err
}

// Script: none, the page is read from this machine.
func (nginxCheck) Script(spec *inspect.Spec, a *inventory.Asset) (string, error) {
	_, err := httpParse(spec, a, nginxParams, 80, "/nginx_status")
	return "", err
}

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
	c, err := httpParse(env.Spec, env.Asset, nginxParams, 80, "/nginx_status")
	if err != nil {
		return inspect.BadParamsResult(env, typ, err)
	}
	if c.url == "" {
		r := mwUnknown(env, typ, "", "bad-params", "mw.no_address")
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return []result.Result{r}
	}
	body, err := c.get(ctx, "")
	if err != nil {
		if _, ok := err.(*secretError); ok {
			return []result.Result{mwUnknown(env, typ, "", "secret", "mw.secret", err.Error())}
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

// Package mw holds the middleware check types: probes from the machine
// hcops runs on that ask a service for its own health, the way its
// administrator would — Redis INFO over its protocol, nginx's stub_status
// page, the RabbitMQ management API, Tomcat's manager status. They need the
// service's address and, where it asks for one, a password given as a
// secret reference ({env: NAME}, {file: PATH} or {vault: NAME}), never in
// clear in a playbook or the inventory.
package mw

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// mwMaxBody bounds what is read of a status page or API answer.
const mwMaxBody = 4 << 20

// mwPassword is a password parameter: a secret reference, {env: NAME},
// {file: PATH} or {vault: NAME}. A plain string is refused when the
// playbook is loaded: passwords are never written in clear in a playbook
// or an inventory.
type mwPassword struct{ Ref inventory.SecretRef }

// ParamType names the parameter's type in `hcops inspect checks`.
func (*mwPassword) ParamType() string { return "secret reference" }

// UnmarshalParam reads the reference (inspect.ParamUnmarshaler).
func (p *mwPassword) UnmarshalParam(spec *inspect.Spec, name string, raw any) error {
	m, ok := raw.(map[string]any)
	if !ok {
		return inspect.BadParamMsg(spec, name, "mw.param.secret_ref")
	}
	var ref inventory.SecretRef
	for k, v := range m {
		s, ok := v.(string)
		if !ok || s == "" {
			return inspect.BadParamMsg(spec, name, "mw.param.secret_value", k)
		}
		switch k {
		case "env":
			ref.Env = s
		case "file":
			ref.File = s
		case "vault":
			ref.Vault = s
		default:
			return inspect.BadParamMsg(spec, name, "mw.param.secret_key", k)
		}
	}
	if ref.Sources() != 1 {
		return inspect.BadParamMsg(spec, name, "mw.param.secret_one")
	}
	p.Ref = ref
	return nil
}

// mwAddr is host (default: the asset's address) and port (default: the
// asset's port, else def) as the parameters and the asset give them.
func mwAddr(host string, port int, a *inventory.Asset, def int) (string, int) {
	if host == "" && a != nil {
		host = a.Address
	}
	if port == 0 && a != nil && a.Port > 0 {
		port = a.Port
	}
	if port == 0 {
		port = def
	}
	return host, port
}

// mwCheckCommon validates what every middleware check's parameters share.
func mwCheckCommon(spec *inspect.Spec, port int, timeout time.Duration) error {
	if port < 0 || port > 65535 {
		return inspect.BadParamMsg(spec, "port", "mw.param.port", port)
	}
	if timeout <= 0 || timeout > 5*time.Minute {
		return inspect.BadParamMsg(spec, "timeout", "mw.param.timeout", timeout.String())
	}
	return nil
}

// mwDown is the CRIT result of a service that could not be asked at all:
// refused, timed out, unresolvable. The reason is the transport's.
func mwDown(env *inspect.Env, typ, item, what string, err error) result.Result {
	r := inspect.NewResult(env, typ, item)
	r.Status = result.Crit
	r.Reason = transport.NetReason(err)
	if r.Reason == "" {
		r.Reason = result.ReasonNetwork
	}
	inspect.SetMsg(&r, env, "mw.down", what, err.Error())
	inspect.SetAdvice(&r, env, "mw.down_advice")
	return r
}

// mwUnknown is an UNKNOWN result with a reason and a catalogue message.
func mwUnknown(env *inspect.Env, typ, item, reason, key string, args ...any) result.Result {
	r := inspect.NewResult(env, typ, item)
	r.Status = result.Unknown
	r.Reason = reason
	inspect.SetMsg(&r, env, key, args...)
	return r
}

// mwResult starts a result for one aspect of a service.
func mwResult(env *inspect.Env, typ, item string) result.Result {
	r := inspect.NewResult(env, typ, item)
	r.Status = result.OK
	return r
}

// mwHTTP is an HTTP client for a management endpoint: bounded by timeout,
// no proxy from the environment, optionally without certificate checks.
func mwHTTP(timeout time.Duration, insecure bool) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: insecure},
		// One request per connection: a check leaves no idle connection
		// behind on the service (nor in the counts it reads).
		DisableKeepAlives: true,
	}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// errHTTPStatus is an answer other than 200.
type errHTTPStatus struct {
	Code int
	URL  string
}

func (e *errHTTPStatus) Error() string { return fmt.Sprintf("%s answered HTTP %d", e.URL, e.Code) }

// mwGet fetches url with basic auth when user is set, and returns the body
// of a 200 answer (bounded). Any other status is *errHTTPStatus.
func mwGet(ctx context.Context, c *http.Client, url, user, password string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "hcops")
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, mwMaxBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, &errHTTPStatus{Code: resp.StatusCode, URL: url}
	}
	return body, nil
}

// mwHTTPProblem turns a failed management request into a result: not
// reachable is CRIT (the service is down for its users too); refused
// credentials and a missing page are UNKNOWN with what to fix.
func mwHTTPProblem(env *inspect.Env, typ, what string, err error) result.Result {
	var st *errHTTPStatus
	if errors.As(err, &st) {
		switch st.Code {
		case http.StatusUnauthorized, http.StatusForbidden:
			r := mwUnknown(env, typ, "", "auth", "mw.http.auth", what, st.Code)
			inspect.SetAdvice(&r, env, "mw.http.auth_advice")
			return r
		case http.StatusNotFound:
			r := mwUnknown(env, typ, "", "config", "mw.http.not_found", st.URL)
			inspect.SetAdvice(&r, env, "mw.http.not_found_advice", what)
			return r
		}
		r := inspect.NewResult(env, typ, "")
		r.Status = result.Crit
		r.Reason = "http-status"
		inspect.SetMsg(&r, env, "mw.http.status", what, st.Code)
		return r
	}
	return mwDown(env, typ, "", what, err)
}

// mwBaseURL is url (the service's base URL, scheme://host[:port]
// [/prefix]), or scheme://host:port built from the parameters and the
// asset, followed by path; "" when there is no address at all.
func mwBaseURL(url, host string, port int, a *inventory.Asset, defPort int, path string) string {
	if url != "" {
		return strings.TrimRight(url, "/") + path
	}
	host, port = mwAddr(host, port, a, defPort)
	if host == "" {
		return ""
	}
	scheme := "http"
	if port == 443 || port == 8443 || port == 15671 {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + path
}

// mwCheckURL refuses a url parameter that is not http(s).
func mwCheckURL(spec *inspect.Spec, url string) error {
	if url != "" && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return inspect.BadParamMsg(spec, "url", "mw.param.url", url)
	}
	return nil
}

// mwPct is part/whole in percent, rounded to one decimal.
func mwPct(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(int64(part/whole*1000+0.5)) / 10
}

// i18nS is a catalogue message as an argument, rendered in the report's
// language.
func i18nS(key string, args ...any) any { return i18n.S(key, args...) }

// secretError is a password reference that could not be read (variable
// unset, file missing, vault locked): nothing was asked of the service.
type secretError struct{ err error }

func (e *secretError) Error() string { return "password: " + e.err.Error() }
func (e *secretError) Unwrap() error { return e.err }

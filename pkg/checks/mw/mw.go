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

// mwSecret reads a secret reference parameter: {env: NAME}, {file: PATH}
// or {vault: NAME}. A plain string is refused: passwords are never written
// in clear in a playbook or an inventory.
func mwSecret(spec *inspect.Spec, name string) (inventory.SecretRef, error) {
	raw, ok := inspect.ParamRaw(spec, name)
	if !ok || raw == nil {
		return inventory.SecretRef{}, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return inventory.SecretRef{}, inspect.BadParam(spec, name, "give a secret reference, {env: NAME}, {file: PATH} or {vault: NAME}, never the password itself")
	}
	var ref inventory.SecretRef
	for k, v := range m {
		s, ok := v.(string)
		if !ok || s == "" {
			return ref, inspect.BadParam(spec, name, "%s: want a name or path", k)
		}
		switch k {
		case "env":
			ref.Env = s
		case "file":
			ref.File = s
		case "vault":
			ref.Vault = s
		default:
			return ref, inspect.BadParam(spec, name, "unknown key %q (want env, file or vault)", k)
		}
	}
	if ref.Sources() != 1 {
		return ref, inspect.BadParam(spec, name, "name exactly one of env, file, vault")
	}
	return ref, nil
}

// mwHost is the host parameter, or the asset's address.
func mwHost(spec *inspect.Spec, a *inventory.Asset) (string, error) {
	def := ""
	if a != nil {
		def = a.Address
	}
	return inspect.ParamString(spec, "host", def)
}

// mwPort is the port parameter, else the asset's port, else def.
func mwPort(spec *inspect.Spec, a *inventory.Asset, def int) (int, error) {
	if a != nil && a.Port > 0 {
		def = a.Port
	}
	p, err := inspect.ParamInt(spec, "port", def)
	if err != nil {
		return 0, err
	}
	if p < 1 || p > 65535 {
		return 0, inspect.BadParam(spec, "port", "%d is not a TCP port (1-65535)", p)
	}
	return p, nil
}

// mwTimeout is the timeout parameter (default 10s).
func mwTimeout(spec *inspect.Spec) (time.Duration, error) {
	d, err := inspect.ParamDuration(spec, "timeout", 10*time.Second)
	if err == nil && (d <= 0 || d > 5*time.Minute) {
		err = inspect.BadParam(spec, "timeout", "want more than 0 and at most 5m, got %s", d)
	}
	return d, err
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

// mwBaseURL is the url parameter (the service's base URL, scheme://host
// [:port][/prefix]), or scheme://host:port built from the asset, followed
// by path.
func mwBaseURL(spec *inspect.Spec, a *inventory.Asset, defPort int, path string) (string, error) {
	if u, err := inspect.ParamString(spec, "url", ""); err != nil || u != "" {
		if err == nil && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			err = inspect.BadParam(spec, "url", "want an http:// or https:// URL, got %q", u)
		}
		return strings.TrimRight(u, "/") + path, err
	}
	host, err := mwHost(spec, a)
	if err != nil || host == "" {
		return "", err
	}
	port, err := mwPort(spec, a, defPort)
	if err != nil {
		return "", err
	}
	scheme := "http"
	if port == 443 || port == 8443 || port == 15671 {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + path, nil
}

// mwPct is part/whole in percent, rounded to one decimal.
func mwPct(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(int64(part/whole*1000+0.5)) / 10
}

// mwBytes formats a byte count in binary units.
func mwBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	if b >= 100 {
		return fmt.Sprintf("%.0f %s", b, units[i])
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", b), ".0") + " " + units[i]
}

// mwDefaultThresholds returns env's thresholds, or defaults when neither
// warn nor crit is given.
func mwDefaultThresholds(env *inspect.Env, warn, crit string) inspect.Thresholds {
	if env.Thresholds.Warn != nil || env.Thresholds.Crit != nil {
		return env.Thresholds
	}
	th, err := inspect.ParseThresholds(warn, crit)
	if err != nil {
		return env.Thresholds
	}
	return th
}

// i18nS is a catalogue message as an argument, rendered in the report's
// language.
func i18nS(key string, args ...any) any { return i18n.S(key, args...) }

// secretError is a password reference that could not be read (variable
// unset, file missing, vault locked): nothing was asked of the service.
type secretError struct{ err error }

func (e *secretError) Error() string { return "password: " + e.err.Error() }
func (e *secretError) Unwrap() error { return e.err }

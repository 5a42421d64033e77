package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// httpCheck probes HTTP(S) endpoints from this machine (type "http"), the way
// a user's browser or an interface partner would reach them: status code,
// latency, body content, a JSON field, and with HTTPS the certificate chain.
//
// Which URLs: the url parameter when given; otherwise every endpoint of the
// asset (inventory `endpoints:`), plus the endpoints of its application
// system when the asset is of kind application (the asset that stands for the
// system) or system_endpoints is true. One result per URL, Item = the URL.
// An endpoint's own settings (status, body_regex, insecure, ca_file,
// timeout_sec) override the parameters.
//
// Parameters:
//
//	url              URL to probe (http:// or https://)
//	method           GET (default), HEAD, POST, ...
//	body             request body (for POST/PUT)
//	headers          request headers, e.g. {Accept: application/json}; a
//	                 secret value is a reference, never written in the
//	                 playbook: {Authorization: {env: HIS_API_TOKEN}} or
//	                 {X-Api-Key: {file: /etc/hcops/his.key}} (first line).
//	                 Host sets the virtual host asked for.
//	status           expected status codes: 200, [200, 204], "200-299,302";
//	                 default 200-399
//	body_regex       the body must match (Go RE2), else CRIT
//	body_not_regex   the body must not match, else CRIT
//	json_path        dotted path into a JSON body: status, data.items.0.state
//	json_value       expected value at json_path (compared as text); without
//	                 it the path must exist and not be null/false/""
//	ca_file          PEM bundle of CAs to trust instead of the system roots
//	cert_file, key_file  client certificate and key (mutual TLS)
//	insecure         skip certificate verification (self-signed devices)
//	timeout          whole-request timeout (default 10s)
//	proxy            "env" to use HTTP(S)_PROXY/NO_PROXY; default: no proxy
//	max_redirects    redirects followed (default 10; 0 = do not follow)
//	system_endpoints also check the system's endpoints from a non-application asset
//
// warn/crit (Nagios ranges) apply to the latency in milliseconds: warn
// "1000" crit "5000" alert above one and five seconds.
// A failed connection (refused, timeout, DNS, TLS) is CRIT with its reason.
type httpCheck struct{}

// httpBodyMax bounds what is read of a response body.
const httpBodyMax = 1 << 20

// httpTarget is one URL with its effective settings.
type httpTarget struct {
	name, url, method, body string
	status                  []statusRange
	bodyRe, bodyNotRe       *regexp.Regexp
	jsonPath, jsonValue     string
	hasJSONValue            bool
	headers                 []httpHeader
	opts                    transport.HTTPOptions
}

// httpHeader is one request header; a secret value is read from env or
// file when the request is made, so it never sits in a Spec or a message.
type httpHeader struct {
	name, value string
	ref         inventory.SecretRef // a secret value, read when the request is made
}

type statusRange struct{ lo, hi int }

func (httpCheck) Validate(spec *inspect.Spec) error {
	_, err := httpParse(spec)
	return err
}

func (httpCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	_, err := httpParse(spec)
	return "", err
}

// httpParams are the parameters of http, decoded once when the playbook is
// loaded.
type httpParams struct {
	URL             string         `param:"url"`
	Method          string         `param:"method"`
	Body            string         `param:"body"`
	Headers         httpHeaders    `param:"headers"`
	Status          []string       `param:"status"` // 200, [200, 204], "200-299,302"
	BodyRegex       *regexp.Regexp `param:"body_regex"`
	BodyNotRegex    *regexp.Regexp `param:"body_not_regex"`
	JSONPath        string         `param:"json_path"`
	JSONValue       *string        `param:"json_value"` // nil: the path must hold something
	CAFile          string         `param:"ca_file"`
	CertFile        string         `param:"cert_file"`
	KeyFile         string         `param:"key_file"`
	Insecure        bool           `param:"insecure"`
	Timeout         time.Duration  `param:"timeout"`
	Proxy           string         `param:"proxy"` // "env" or nothing
	MaxRedirects    int            `param:"max_redirects"`
	SystemEndpoints bool           `param:"system_endpoints"`

	tmpl *httpTarget
}

// Defaults: GET, 10 s, 10 redirects.
func (p *httpParams) Defaults() {
	p.Method, p.Timeout, p.MaxRedirects = http.MethodGet, transport.DefaultHTTPTimeout, 10
}

// CheckParams checks the values together and builds the template target.
func (p *httpParams) CheckParams(spec *inspect.Spec) error {
	t := &httpTarget{url: p.URL, method: p.Method, body: p.Body, jsonPath: p.JSONPath,
		hasJSONValue: p.JSONValue != nil, headers: p.Headers,
		bodyRe: p.BodyRegex, bodyNotRe: p.BodyNotRegex}
	if p.JSONValue != nil {
		t.jsonValue = *p.JSONValue
	}
	t.opts.CAFile, t.opts.CertFile, t.opts.KeyFile = p.CAFile, p.CertFile, p.KeyFile
	t.opts.Insecure, t.opts.Timeout = p.Insecure, p.Timeout
	t.method = strings.ToUpper(strings.TrimSpace(t.method))
	if t.method == "" || strings.Trim(t.method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return inspect.BadParamMsg(spec, "method", "probe.param.http_method", t.method)
	}
	if t.url != "" {
		if err := httpCheckURL(t.url); err != nil {
			return inspect.BadParamMsg(spec, "url", "inspect.param.detail", err)
		}
	}
	switch p.Proxy {
	case "", "none", "off":
	case "env":
		t.opts.UseEnvProxy = true
	default:
		return inspect.BadParamMsg(spec, "proxy", "probe.param.proxy", p.Proxy)
	}
	if (t.opts.CertFile == "") != (t.opts.KeyFile == "") {
		return inspect.BadParamMsg(spec, "cert_file", "probe.param.client_cert")
	}
	if p.Status != nil {
		var err error
		if t.status, err = parseStatusRanges(strings.Join(p.Status, ",")); err != nil {
			return inspect.BadParamMsg(spec, "status", "inspect.param.detail", err)
		}
	}
	if p.MaxRedirects <= 0 {
		t.opts.MaxRedirects = -1
	} else {
		t.opts.MaxRedirects = p.MaxRedirects
	}
	if t.hasJSONValue && t.jsonPath == "" {
		return inspect.BadParamMsg(spec, "json_value", "probe.param.needs_json_path")
	}
	p.tmpl = t
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (httpCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[httpParams](spec)
}

// httpParse returns a copy of the template target the parameters make (url
// may be empty).
func httpParse(spec *inspect.Spec) (*httpTarget, error) {
	p, err := inspect.ParamsOf[httpParams](spec)
	if err != nil {
		return nil, err
	}
	t := *p.tmpl
	return &t, nil
}

// httpHeaders is the headers parameter (inspect.ParamUnmarshaler).
type httpHeaders []httpHeader

// ParamType names the parameter's type in `hcops inspect checks`.
func (*httpHeaders) ParamType() string { return "mapping of header name to value or {env|file}" }

// UnmarshalParam reads the mapping, in header name order.
func (l *httpHeaders) UnmarshalParam(spec *inspect.Spec, name string, raw any) error {
	m, ok := raw.(map[string]any)
	if !ok {
		return inspect.BadParamMsg(spec, name, "probe.param.headers", inspect.DescribeParam(raw))
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []httpHeader
	for _, k := range names {
		if k == "" || strings.ContainsAny(k, " :\r\n\t") {
			return inspect.BadParamMsg(spec, name, "probe.param.header_name", k)
		}
		h := httpHeader{name: k}
		switch v := m[k].(type) {
		case string:
			h.value = v
		case int, float64, bool:
			h.value = fmt.Sprint(v)
		case map[string]any:
			env, _ := v["env"].(string)
			file, _ := v["file"].(string)
			if (env == "") == (file == "") || len(v) != 1 {
				return inspect.BadParamMsg(spec, name, "probe.param.header_secret", k)
			}
			h.ref = inventory.SecretRef{Env: env, File: file}
		default:
			return inspect.BadParamMsg(spec, name, "probe.param.header_value", k, inspect.DescribeParam(v))
		}
		if strings.ContainsAny(h.value, "\r\n") {
			return inspect.BadParamMsg(spec, name, "probe.param.header_one_line", k)
		}
		out = append(out, h)
	}
	*l = out
	return nil
}

// resolve returns the header's value, reading a secret reference.
func (h httpHeader) resolve() (string, error) {
	if h.ref.IsZero() {
		return h.value, nil
	}
	v, err := h.ref.Resolve()
	if err != nil {
		return "", fmt.Errorf("header %s: %w", h.name, err)
	}
	if v == "" {
		return "", fmt.Errorf("header %s: the secret reference gives an empty value", h.name)
	}
	return v, nil
}

func httpCheckURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return i18n.NewError("probe.param.url_bad", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return i18n.NewError("probe.param.url_scheme", u.Redacted())
	}
	if u.Host == "" {
		return i18n.NewError("probe.param.url_host", u.Redacted())
	}
	return nil
}

// parseStatusRanges reads "200-299,302" into ranges.
func parseStatusRanges(s string) ([]statusRange, error) {
	var out []statusRange
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
			return nil, i18n.NewError("probe.param.status", part)
		}
		out = append(out, statusRange{a, b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no status codes given")
	}
	return out, nil
}

func statusText(rs []statusRange) string {
	if len(rs) == 0 {
		return "200-399"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r.lo == r.hi {
			parts[i] = strconv.Itoa(r.lo)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", r.lo, r.hi)
		}
	}
	return strings.Join(parts, ",")
}

func statusOK(rs []statusRange, code int) bool {
	if len(rs) == 0 {
		return code >= 200 && code <= 399
	}
	for _, r := range rs {
		if code >= r.lo && code <= r.hi {
			return true
		}
	}
	return false
}

// httpTargets lists the URLs to probe for env.
func httpTargets(env *inspect.Env, tmpl *httpTarget) ([]httpTarget, error) {
	if tmpl.url != "" {
		t := *tmpl
		return []httpTarget{t}, nil
	}
	var eps []inventory.Endpoint
	if env.Asset != nil {
		eps = append(eps, env.Asset.Endpoints...)
	}
	withSystem := false
	if p, err := inspect.ParamsOf[httpParams](env.Spec); err == nil {
		withSystem = p.SystemEndpoints
	}
	if env.System != nil && (withSystem || (env.Asset != nil && env.Asset.Kind == inventory.KindApplication)) {
		eps = append(eps, env.System.Endpoints...)
	}
	seen := map[string]bool{}
	var out []httpTarget
	for _, ep := range eps {
		if seen[ep.URL] {
			continue
		}
		seen[ep.URL] = true
		t := *tmpl
		t.url, t.name = ep.URL, ep.Name
		if ep.Status != 0 {
			t.status = []statusRange{{ep.Status, ep.Status}}
		}
		if ep.BodyRegex != "" {
			re, err := regexp.Compile(ep.BodyRegex)
			if err != nil {
				return nil, fmt.Errorf("endpoint %s: body_regex: %v", ep.URL, err)
			}
			t.bodyRe = re
		}
		if ep.Insecure {
			t.opts.Insecure = true
		}
		if ep.CAFile != "" {
			t.opts.CAFile = ep.CAFile
		}
		if ep.TimeoutSec > 0 {
			t.opts.Timeout = time.Duration(ep.TimeoutSec) * time.Second
		}
		out = append(out, t)
	}
	return out, nil
}

func (httpCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	tmpl, err := httpParse(env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "http", err)
	}
	targets, err := httpTargets(env, tmpl)
	if err != nil {
		return inspect.BadParamsResult(env, "http", err)
	}
	if len(targets) == 0 {
		r := inspect.NewResult(env, "http", "")
		r.Status = result.Unknown
		r.Reason = "no-endpoints"
		inspect.SetMsg(&r, env, "probe.http.no_url")
		inspect.SetAdvice(&r, env, "probe.advice.http_no_url")
		return []result.Result{r}
	}
	out := make([]result.Result, len(targets))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4) // a few endpoints at once: a dead system costs one timeout, not one per URL
	for i := range targets {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = httpProbe(ctx, env, &targets[i])
		}(i)
	}
	wg.Wait()
	return out
}

// httpProbe makes one request and judges it.
func httpProbe(ctx context.Context, env *inspect.Env, t *httpTarget) result.Result {
	shown := t.url
	if u, err := url.Parse(t.url); err == nil {
		shown = u.Redacted()
	}
	r := inspect.NewResult(env, "http", shown)
	r.StartedAt = time.Now()
	if err := httpCheckURL(t.url); err != nil {
		r.Status = result.Unknown
		r.Reason = "bad-params"
		inspect.SetMsg(&r, env, "inspect.param.detail", err) // a coded error: in the run's language
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return r
	}
	client, err := transport.NewHTTPClient(t.opts)
	if err != nil {
		r.Status = result.Unknown
		r.Reason = "bad-params"
		r.SetText(shown + ": " + err.Error())
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return r
	}
	var body io.Reader
	if t.body != "" {
		body = strings.NewReader(t.body)
	}
	req, err := http.NewRequestWithContext(ctx, t.method, t.url, body)
	if err != nil {
		r.Status = result.Unknown
		r.Reason = "bad-params"
		r.SetText(shown + ": " + err.Error())
		return r
	}
	req.Header.Set("User-Agent", "hcops-inspect")
	for _, h := range t.headers {
		v, err := h.resolve()
		if err != nil {
			r.Status = result.Unknown
			r.Reason = "bad-params"
			r.SetText(shown + ": " + err.Error())
			inspect.SetAdvice(&r, env, "probe.advice.http_secret")
			return r
		}
		if strings.EqualFold(h.name, "Host") {
			req.Host = v
		} else {
			req.Header.Set(h.name, v)
		}
	}
	start := time.Now()
	resp, err := client.Do(req)
	var data []byte
	var readErr error
	if err == nil {
		data, readErr = io.ReadAll(io.LimitReader(resp.Body, httpBodyMax))
		resp.Body.Close()
	}
	elapsed := time.Since(start)
	r.DurationMS = elapsed.Milliseconds()
	ms := float64(elapsed.Microseconds()) / 1000
	if err != nil {
		reason, why, advice := classifyNetErr(env, err)
		r.Status = result.Crit
		r.Reason = reason
		inspect.SetMsg(&r, env, "probe.http.failed", shown, why, fmtMS(ms))
		inspect.SetAdviceSub(&r, env, advice)
		return r
	}
	r.Metrics = append(r.Metrics, result.Metric{Name: "http.status", Value: float64(resp.StatusCode)})
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		days := time.Until(resp.TLS.PeerCertificates[0].NotAfter).Hours() / 24
		r.Metrics = append(r.Metrics, result.Metric{Name: "tls.days_left", Value: float64(int(days)), Unit: "d"})
	}
	r.Status = result.OK
	env.Thresholds.Apply(&r, ms, "ms")
	var notes []i18n.Sub
	if r.Status != result.OK {
		notes = append(notes, i18n.S("probe.http.slow", inspect.RangesText(env, env.Thresholds)))
	}
	badStatus := !statusOK(t.status, resp.StatusCode)
	if badStatus {
		r.Status = result.Crit
		r.Reason = "status"
	}
	if readErr != nil {
		r.Status = result.Worst(r.Status, result.Crit)
		r.Reason = "body"
		notes = append(notes, i18n.S("probe.http.body_error", readErr.Error()))
	}
	if t.bodyRe != nil && !t.bodyRe.Match(data) {
		r.Status = result.Worst(r.Status, result.Crit)
		r.Reason = "body"
		notes = append(notes, i18n.S("probe.http.body_no_match", t.bodyRe.String()))
	}
	if t.bodyNotRe != nil {
		if loc := t.bodyNotRe.FindIndex(data); loc != nil {
			r.Status = result.Worst(r.Status, result.Crit)
			r.Reason = "body"
			notes = append(notes, i18n.S("probe.http.body_match", t.bodyNotRe.String(), inspect.Clip(inspect.LineAt(string(data), loc[0]), 80)))
		}
	}
	if t.jsonPath != "" {
		if note := jsonAssert(env, data, t); note.Key != "" {
			r.Status = result.Worst(r.Status, result.Crit)
			r.Reason = "json"
			notes = append(notes, note)
		}
	}
	if badStatus {
		inspect.SetMsg(&r, env, "probe.http.status_bad", shown, resp.StatusCode, statusText(t.status), fmtMS(ms))
	} else {
		inspect.SetMsg(&r, env, "probe.http.status", shown, resp.StatusCode, fmtMS(ms))
	}
	if len(notes) > 0 {
		inspect.AddNotes(&r, env, "; ", notes)
	}
	ev := fmt.Sprintf("%s %s\n%s\n\n%s", resp.Proto, resp.Status, headerLines(resp.Header), inspect.Clip(string(data), 2000))
	inspect.SetEvidence(&r, ev, len(data) >= httpBodyMax)
	switch {
	case r.Reason == "status" && resp.StatusCode >= 500:
		inspect.SetAdvice(&r, env, "probe.advice.http_5xx")
	case r.Reason == "status":
		inspect.SetAdvice(&r, env, "probe.advice.http_status")
	case r.Reason == "body" || r.Reason == "json":
		inspect.SetAdvice(&r, env, "probe.advice.http_body")
	case r.Status == result.Warn || r.Status == result.Crit:
		inspect.SetAdvice(&r, env, "probe.advice.http_slow")
	}
	return r
}

func headerLines(h http.Header) string {
	var b strings.Builder
	for _, k := range []string{"Content-Type", "Content-Length", "Server", "Location"} {
		if v := h.Get(k); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func fmtMS(ms float64) string {
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 1, 64)
	}
	return strconv.FormatFloat(ms, 'f', 0, 64)
}

// jsonAssert checks t.jsonPath in data; "" means it holds.
func jsonAssert(env *inspect.Env, data []byte, t *httpTarget) i18n.Sub {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return i18n.S("probe.http.not_json", inspect.Clip(err.Error(), 80))
	}
	v, ok := jsonLookup(doc, t.jsonPath)
	if !ok {
		return i18n.S("probe.http.json_missing", t.jsonPath)
	}
	got := jsonText(v)
	if t.hasJSONValue {
		if got != t.jsonValue {
			return i18n.S("probe.http.json_value", t.jsonPath, inspect.Clip(got, 80), t.jsonValue)
		}
		return i18n.Sub{}
	}
	if v == nil || v == false || v == "" {
		return i18n.S("probe.http.json_empty", t.jsonPath, got)
	}
	return i18n.Sub{}
}

// jsonLookup follows a dotted path (keys and array indexes) into doc.
func jsonLookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return inspect.FormatNum(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// classifyNetErr turns a dial/TLS/HTTP error into a reason, a short
// explanation and advice.
func classifyNetErr(env *inspect.Env, err error) (reason string, why any, advice i18n.Sub) {
	var dnsErr *net.DNSError
	var certInvalid x509.CertificateInvalidError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		return result.ReasonDNS, i18n.S("probe.net.dns", dnsErr.Name), i18n.S("probe.advice.dns")
	case errors.As(err, &hostErr):
		return "tls-name", i18n.S("probe.net.tls_name", strings.Join(certNames(hostErr.Certificate), ", ")), i18n.S("probe.advice.tls_name")
	case errors.As(err, &unknownAuth):
		return "tls-untrusted", i18n.S("probe.net.tls_untrusted", unknownAuth.Cert.Issuer.String()), i18n.S("probe.advice.tls_untrusted")
	case errors.As(err, &certInvalid):
		if certInvalid.Reason == x509.Expired {
			return "tls-expired", i18n.S("probe.net.tls_expired", certInvalid.Cert.NotAfter.UTC().Format("2006-01-02")), i18n.S("probe.advice.tls_expired")
		}
		return "tls", i18n.S("probe.net.tls_invalid", certInvalid.Error()), i18n.S("probe.advice.tls_untrusted")
	case strings.Contains(err.Error(), "remote error: tls: "):
		// The server sent a TLS alert; crypto/tls exposes it only as text.
		alert := err.Error()[strings.Index(err.Error(), "remote error: tls: ")+len("remote error: tls: "):]
		switch {
		case strings.Contains(alert, "certificate required"), strings.Contains(alert, "bad certificate"),
			strings.Contains(alert, "unknown certificate authority"), strings.Contains(alert, "expired certificate"):
			return "tls-client-cert", i18n.S("probe.net.tls_client_cert", alert), i18n.S("probe.advice.tls_client_cert")
		}
		return "tls", i18n.S("probe.net.tls_alert", alert), i18n.S("probe.advice.tls_alert")
	case errors.As(err, &recErr):
		return "tls", i18n.S("probe.net.not_tls"), i18n.S("probe.advice.not_tls")
	case errors.Is(err, syscall.ECONNREFUSED):
		return result.ReasonRefused, i18n.S("probe.net.refused"), i18n.S("probe.advice.refused")
	case errors.Is(err, transport.ErrTooManyRedirects):
		return "redirects", i18n.S("probe.net.redirects"), i18n.S("probe.advice.redirects")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return result.ReasonTimeout, i18n.S("probe.net.timeout"), i18n.S("probe.advice.timeout")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return result.ReasonNetwork, i18n.S("probe.net.reset"), i18n.S("probe.advice.reset")
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return result.ReasonNetwork, i18n.S("probe.net.unreachable"), i18n.S("probe.advice.timeout")
	}
	var tlsErr *tls.CertificateVerificationError
	if errors.As(err, &tlsErr) {
		return "tls", i18n.S("probe.net.tls_invalid", tlsErr.Error()), i18n.S("probe.advice.tls_untrusted")
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	return result.ReasonNetwork, inspect.Clip(msg, 160), i18n.S("probe.advice.reset")
}

func certNames(c *x509.Certificate) []string {
	if c == nil {
		return nil
	}
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	return names
}

// HTTP is the check type playbooks call "http".
func HTTP() inspect.Check { return httpCheck{} }

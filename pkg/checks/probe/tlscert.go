package probe

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// tlsCertCheck checks certificates (type "tls-cert"): days left before they
// expire, and for remote endpoints whether the chain is trusted and the name
// matches. It works in two modes, usable together:
//
//   - remote endpoints, probed from this machine: a TLS handshake with each
//     host:port, one result per endpoint;
//   - certificate files on the target: the collector prints only the PEM
//     CERTIFICATE blocks of the files (never private keys), one result per
//     certificate.
//
// Parameters:
//
//	endpoints    list of "host:port" (or "host", port 443) to probe. Default,
//	             when no files are given either: the https endpoints of the
//	             asset (and of its system, for kind application) from the
//	             inventory; the asset's address on port when it has no
//	             endpoints at all.
//	use_address  false: never fall back to the asset's address (default true)
//	port         port for the default endpoint (default 443)
//	server_name  name to ask for (SNI) and to match (default: the host)
//	ca_file      PEM CA bundle to verify against instead of the system roots
//	untrusted    status for a self-signed or untrusted chain: crit (default)
//	             or warn (e.g. device consoles everyone knows are self-signed)
//	timeout      handshake timeout (default 10s)
//	files        certificate files on the target: paths or glob patterns
//	             (/etc/pki/tls/certs/*.crt). Globs may use letters, digits and
//	             . _ - / * ? [ ] + @ % , : = only; other paths are taken
//	             literally.
//	missing      status for a file that does not exist: crit (default),
//	             warn, or ok (optional certificates)
//
// warn/crit (Nagios ranges) apply to days left; defaults warn "30:" and
// crit "7:" (alert below 30 and 7 days). An expired certificate or a name
// mismatch is CRIT whatever the thresholds.
type tlsCertCheck struct{}

// tlsCertMaxPerFile bounds the results of one file (a CA bundle holds
// hundreds); past it the file gets one summary result.
const tlsCertMaxPerFile = 10

type tlsConf struct {
	endpoints  []string
	useAddress bool
	port       int
	serverName string
	caFile     string
	untrusted  result.Status
	missing    result.Status
	timeout    time.Duration
	files      []string
}

// tlsParams are the parameters of tls-cert, decoded once when the playbook
// is loaded.
type tlsParams struct {
	Endpoints  []string      `param:"endpoints"` // "host:port" or "host"
	UseAddress bool          `param:"use_address"`
	Port       int           `param:"port"`
	ServerName string        `param:"server_name"`
	CAFile     string        `param:"ca_file"`
	Untrusted  string        `param:"untrusted"` // crit or warn
	Timeout    time.Duration `param:"timeout"`
	Files      []string      `param:"files"`   // on the target; globs
	Missing    string        `param:"missing"` // crit, warn or ok

	conf *tlsConf
}

// Defaults: the asset's address on 443, 10 s, an untrusted chain or a
// missing file is CRIT.
func (p *tlsParams) Defaults() {
	p.UseAddress, p.Port, p.Timeout, p.Untrusted, p.Missing = true, 443, 10*time.Second, "crit", "crit"
}

// CheckParams checks the values and builds the configuration.
func (p *tlsParams) CheckParams(spec *inspect.Spec) error {
	c := &tlsConf{endpoints: p.Endpoints, useAddress: p.UseAddress, port: p.Port, serverName: p.ServerName,
		caFile: p.CAFile, timeout: p.Timeout, files: p.Files}
	if c.port < 1 || c.port > 65535 {
		return inspect.BadParamMsg(spec, "port", "probe.param.port_bare", c.port)
	}
	for _, f := range c.files {
		if strings.TrimSpace(f) == "" {
			return inspect.BadParamMsg(spec, "files", "probe.param.empty_path")
		}
	}
	for _, ep := range c.endpoints {
		if _, _, err := splitEndpoint(ep, c.port); err != nil {
			return inspect.BadParamMsg(spec, "endpoints", "inspect.param.detail", err)
		}
	}
	switch strings.ToLower(p.Untrusted) {
	case "crit", "critical":
		c.untrusted = result.Crit
	case "warn", "warning":
		c.untrusted = result.Warn
	default:
		return inspect.BadParamMsg(spec, "untrusted", "probe.param.untrusted", p.Untrusted)
	}
	switch strings.ToLower(p.Missing) {
	case "crit", "critical":
		c.missing = result.Crit
	case "warn", "warning":
		c.missing = result.Warn
	case "ok":
		c.missing = result.OK
	default:
		return inspect.BadParamMsg(spec, "missing", "probe.param.tls_missing", p.Missing)
	}
	p.conf = c
	return nil
}

// DecodeParams decodes the parameters (inspect.ParamsDecoder).
func (tlsCertCheck) DecodeParams(spec *inspect.Spec) (any, error) {
	return inspect.DecodeParams[tlsParams](spec)
}

// tlsParse returns a copy of the configuration.
func tlsParse(spec *inspect.Spec) (*tlsConf, error) {
	p, err := inspect.ParamsOf[tlsParams](spec)
	if err != nil {
		return nil, err
	}
	c := *p.conf
	return &c, nil
}

// splitEndpoint reads "host:port", "[v6]:port" or "host" (default port).
func splitEndpoint(ep string, def int) (string, int, error) {
	ep = strings.TrimSpace(ep)
	if ep == "" {
		return "", 0, i18n.NewError("probe.param.endpoint_empty")
	}
	if strings.Contains(ep, "://") {
		u, err := url.Parse(ep)
		if err != nil || u.Hostname() == "" {
			return "", 0, i18n.NewError("probe.param.endpoint_bad", ep)
		}
		p := def
		if u.Port() != "" {
			p, _ = strconv.Atoi(u.Port())
		}
		return u.Hostname(), p, nil
	}
	host, ps, err := net.SplitHostPort(ep)
	if err != nil {
		if strings.Count(ep, ":") > 1 || !strings.Contains(ep, ":") {
			return strings.Trim(ep, "[]"), def, nil // bare host or bare IPv6
		}
		return "", 0, i18n.NewError("probe.param.endpoint_hostport", ep)
	}
	p, err := strconv.Atoi(ps)
	if err != nil || p < 1 || p > 65535 || host == "" {
		return "", 0, i18n.NewError("probe.param.endpoint_hostport", ep)
	}
	return host, p, nil
}

func (tlsCertCheck) Validate(spec *inspect.Spec) error {
	_, err := tlsParse(spec)
	return err
}

// Markers of the collector's output.
const (
	tlsFileMark    = "@@HCOPS_CERT_FILE"
	tlsMissingMark = "@@HCOPS_CERT_MISSING"
	tlsEndMark     = "@@HCOPS_CERT_END"
)

func (tlsCertCheck) Script(spec *inspect.Spec, _ *inventory.Asset) (string, error) {
	c, err := tlsParse(spec)
	if err != nil || len(c.files) == 0 {
		return "", err
	}
	var b strings.Builder
	for i, f := range c.files {
		word := inspect.ShellQuote(inspect.ArgPath(f))
		if strings.ContainsAny(f, "*?[") && inspect.SafeGlob.MatchString(f) {
			word = inspect.ArgPath(f) // a glob from the safe set: let the shell expand it
		}
		// The path is printed hex-encoded so that no file name can forge a
		// marker; only CERTIFICATE blocks leave the host.
		fmt.Fprintf(&b, `for f in %s; do if [ -f "$f" ]; then printf '%s %d '; printf '%%s' "$f" | od -An -tx1 | tr -d ' \n'; echo; sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$f" 2>&1 </dev/null | head -c 1048576; echo; echo %s; else echo '%s %d'; fi; done`+"\n",
			word, tlsFileMark, i, tlsEndMark, tlsMissingMark, i)
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

func (tlsCertCheck) Evaluate(ctx context.Context, env *inspect.Env) []result.Result {
	c, err := tlsParse(env.Spec)
	if err != nil {
		return inspect.BadParamsResult(env, "tls-cert", err)
	}
	th := env.Thresholds
	if th.Warn == nil && th.Crit == nil {
		th.Warn, _ = inspect.ParseRange("30:")
		th.Crit, _ = inspect.ParseRange("7:")
	}
	var out []result.Result
	if len(c.files) > 0 {
		out = append(out, tlsFiles(env, c, th)...)
	}
	eps := c.endpoints
	if len(eps) == 0 && len(c.files) == 0 {
		var hasEndpoints bool
		eps, hasEndpoints = tlsDefaultEndpoints(env, c.port, c.useAddress)
		if len(eps) == 0 {
			r := inspect.NewResult(env, "tls-cert", "")
			if hasEndpoints || !c.useAddress {
				// Only plain http:// endpoints: nothing to check, and
				// nothing wrong either.
				r.Status = result.OK
				inspect.SetMsg(&r, env, "probe.tls.no_https")
				return []result.Result{r}
			}
			r.Status = result.Unknown
			r.Reason = "bad-params"
			inspect.SetMsg(&r, env, "probe.tls.no_target")
			inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
			return []result.Result{r}
		}
	}
	rs := make([]result.Result, len(eps))
	var wg sync.WaitGroup
	for i, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs[i] = tlsProbe(ctx, env, c, th, ep)
		}()
	}
	wg.Wait()
	return append(out, rs...)
}

// tlsDefaultEndpoints are the https endpoints of the asset (and of its
// system, for an asset of kind application, as the http check does); the
// asset's address on port only when it has no endpoints at all.
func tlsDefaultEndpoints(env *inspect.Env, port int, useAddress bool) (eps []string, hasEndpoints bool) {
	a := env.Asset
	if a == nil {
		return nil, false
	}
	all := append([]inventory.Endpoint(nil), a.Endpoints...)
	if env.System != nil && a.Kind == inventory.KindApplication {
		all = append(all, env.System.Endpoints...)
	}
	seen := map[string]bool{}
	for _, ep := range all {
		u, err := url.Parse(ep.URL)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" {
			continue
		}
		p := u.Port()
		if p == "" {
			p = "443"
		}
		hp := net.JoinHostPort(u.Hostname(), p)
		if !seen[hp] {
			seen[hp] = true
			eps = append(eps, hp)
		}
	}
	if len(all) == 0 && useAddress && a.Address != "" {
		eps = append(eps, net.JoinHostPort(a.Address, strconv.Itoa(port)))
	}
	return eps, len(all) > 0
}

// tlsProbe handshakes with one endpoint and judges its certificate.
func tlsProbe(ctx context.Context, env *inspect.Env, c *tlsConf, th inspect.Thresholds, ep string) result.Result {
	host, port, _ := splitEndpoint(ep, c.port)
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	r := inspect.NewResult(env, "tls-cert", addr)
	r.StartedAt = time.Now()
	name := c.serverName
	if name == "" {
		name = host
	}
	roots, err := tlsRoots(c.caFile)
	if err != nil {
		r.Status = result.Unknown
		r.Reason = "bad-params"
		r.SetText(addr + ": " + err.Error())
		inspect.SetAdvice(&r, env, "probe.advice.fix_playbook")
		return r
	}
	conf := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10} //nolint:gosec // verified below, to tell why
	if net.ParseIP(name) == nil {
		conf.ServerName = name
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := time.Now()
	d := tls.Dialer{Config: conf}
	conn, err := d.DialContext(ctx, "tcp", addr)
	r.DurationMS = time.Since(start).Milliseconds()
	if err != nil {
		reason, why, advice := classifyNetErr(env, err)
		r.Status = result.Crit
		r.Reason = reason
		inspect.SetMsg(&r, env, "probe.tls.failed", addr, why)
		inspect.SetAdviceSub(&r, env, advice)
		return r
	}
	state := conn.(*tls.Conn).ConnectionState()
	conn.Close()
	if len(state.PeerCertificates) == 0 {
		r.Status = result.Unknown
		inspect.SetMsg(&r, env, "probe.tls.no_cert", addr)
		return r
	}
	leaf := state.PeerCertificates[0]
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	// The certificate that expires first among those the server sends
	// decides: an intermediate that lapses breaks the chain as surely.
	first := leaf
	for _, c := range state.PeerCertificates[1:] {
		if c.NotAfter.Before(first.NotAfter) {
			first = c
		}
	}
	daysLeft := certDaysLeft(first, now)
	r.Status = result.OK
	th.Apply(&r, daysLeft, "d")
	r.Evidence = certDescribe(state.PeerCertificates, now) + "\n" + tls.VersionName(state.Version)

	var notes []i18n.Sub
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(), CurrentTime: now, DNSName: name}
	for _, ic := range state.PeerCertificates[1:] {
		opts.Intermediates.AddCert(ic)
	}
	_, verr := leaf.Verify(opts)
	var hostErr x509.HostnameError
	var unknownAuth x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case verr == nil:
	case errors.As(verr, &hostErr):
		r.Status = result.Crit
		r.Reason = "tls-name"
		notes = append(notes, i18n.S("probe.tls.name", name, strings.Join(certNames(leaf), ", ")))
		inspect.SetAdvice(&r, env, "probe.advice.tls_name")
	case errors.As(verr, &invalid) && invalid.Reason == x509.Expired:
		// reported through days left below
	case errors.As(verr, &unknownAuth):
		r.Status = result.Worst(r.Status, c.untrusted)
		r.Reason = "tls-untrusted"
		if isSelfSigned(leaf) {
			notes = append(notes, i18n.S("probe.tls.self_signed"))
		} else {
			notes = append(notes, i18n.S("probe.tls.untrusted", leaf.Issuer.CommonName))
		}
		inspect.SetAdvice(&r, env, "probe.advice.tls_untrusted")
	default:
		r.Status = result.Worst(r.Status, c.untrusted)
		r.Reason = "tls-invalid"
		notes = append(notes, i18n.S("probe.net.tls_invalid", inspect.Clip(verr.Error(), 120)))
		inspect.SetAdvice(&r, env, "probe.advice.tls_untrusted")
	}
	inspect.SetMsg(&r, env, i18n.ConcatCode, addr+": ", certSummary(env, first, leaf, now, daysLeft))
	if len(notes) > 0 {
		inspect.AddNotes(&r, env, "; ", notes)
	}
	tlsExpiryVerdict(env, &r, daysLeft)
	return r
}

// tlsExpiryVerdict makes expired certificates CRIT and adds advice for
// near-expiry ones.
func tlsExpiryVerdict(env *inspect.Env, r *result.Result, daysLeft float64) {
	if daysLeft < 0 {
		r.Status = result.Crit
		r.Reason = "tls-expired"
		inspect.SetAdvice(r, env, "probe.advice.tls_expired")
		return
	}
	if (r.Status == result.Warn || r.Status == result.Crit) && r.Advice == "" {
		inspect.SetAdvice(r, env, "probe.advice.tls_renew")
	}
}

func tlsRoots(caFile string) (*x509.CertPool, error) {
	if caFile != "" {
		return transport.LoadCAPool(caFile)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return x509.NewCertPool(), nil
	}
	return pool, nil
}

func isSelfSigned(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil && c.Subject.String() == c.Issuer.String()
}

// certDaysLeft is the time left before NotAfter in days (negative when
// expired), to one decimal.
func certDaysLeft(c *x509.Certificate, now time.Time) float64 {
	d := c.NotAfter.Sub(now).Hours() / 24
	return math.Floor(d*10) / 10
}

// certSummary says which certificate expires when.
func certSummary(env *inspect.Env, first, leaf *x509.Certificate, now time.Time, daysLeft float64) i18n.Sub {
	who := certName(leaf)
	when := first.NotAfter.UTC().Format("2006-01-02")
	var s i18n.Sub
	if daysLeft < 0 {
		s = i18n.S("probe.tls.expired", who, when, inspect.FormatNum(math.Ceil(-daysLeft)))
	} else {
		s = i18n.S("probe.tls.expires", who, when, inspect.FormatNum(math.Floor(daysLeft)))
	}
	if first != leaf {
		s = i18n.S(i18n.ConcatCode, s, " ", i18n.S("probe.tls.chain_first", certName(first)))
	}
	return s
}

// certName is how a certificate is named in messages: its first DNS name or
// its subject CN.
func certName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	if n := certNames(c); len(n) > 0 {
		return n[0]
	}
	return c.Subject.String()
}

// certDescribe lists certificates for evidence.
func certDescribe(certs []*x509.Certificate, now time.Time) string {
	var b strings.Builder
	for i, c := range certs {
		sum := sha256.Sum256(c.Raw)
		fmt.Fprintf(&b, "[%d] subject: %s\n    issuer: %s\n    not before: %s  not after: %s (%.1f days)\n    names: %s\n    sha256: %s\n",
			i, c.Subject, c.Issuer, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339),
			certDaysLeft(c, now), strings.Join(certNames(c), ", "), hex.EncodeToString(sum[:]))
	}
	return strings.TrimRight(b.String(), "\n")
}

// tlsFile is one file the collector reported.
type tlsFile struct {
	pattern int
	path    string
	pem     string
	missing bool
}

// parseTLSFiles reads the collector's output. Blocks without an end marker
// (output cut) are dropped.
func parseTLSFiles(out string) []tlsFile {
	var files []tlsFile
	var cur *tlsFile
	var body strings.Builder
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, tlsMissingMark+" "):
			n, err := strconv.Atoi(strings.TrimSpace(line[len(tlsMissingMark)+1:]))
			if err == nil {
				files = append(files, tlsFile{pattern: n, missing: true})
			}
			cur = nil
		case strings.HasPrefix(line, tlsFileMark+" "):
			f := strings.Fields(line[len(tlsFileMark)+1:])
			cur = nil
			if len(f) != 2 {
				continue
			}
			n, err1 := strconv.Atoi(f[0])
			p, err2 := hex.DecodeString(f[1])
			if err1 != nil || err2 != nil {
				continue
			}
			cur = &tlsFile{pattern: n, path: string(p)}
			body.Reset()
		case line == tlsEndMark:
			if cur != nil {
				cur.pem = body.String()
				files = append(files, *cur)
			}
			cur = nil
		default:
			if cur != nil {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
	}
	return files
}

func tlsFiles(env *inspect.Env, c *tlsConf, th inspect.Thresholds) []result.Result {
	base := inspect.NewResult(env, "tls-cert", "")
	if rr, bad := inspect.SectionUnusable(env, base); bad {
		return []result.Result{rr}
	}
	now := env.Now
	if now.IsZero() {
		now = time.Now()
	}
	var out []result.Result
	for _, f := range parseTLSFiles(env.Section.Stdout) {
		if f.pattern < 0 || f.pattern >= len(c.files) {
			continue
		}
		if f.missing {
			r := base
			r.Item = c.files[f.pattern]
			r.Status = c.missing
			r.Reason = "missing"
			inspect.SetMsg(&r, env, "probe.tls.file_missing", c.files[f.pattern])
			if strings.ContainsAny(c.files[f.pattern], "*?[") && inspect.SafeGlob.MatchString(c.files[f.pattern]) {
				inspect.SetMsg(&r, env, "probe.tls.glob_none", c.files[f.pattern])
			}
			if r.Status != result.OK {
				inspect.SetAdvice(&r, env, "probe.advice.tls_file_missing")
			}
			out = append(out, r)
			continue
		}
		certs, bad := parsePEMCerts(f.pem)
		if len(certs) == 0 {
			r := base
			r.Item = f.path
			r.Status = result.Unknown
			r.Reason = "no-certificate"
			inspect.SetMsg(&r, env, "probe.tls.file_no_cert", f.path)
			if bad > 0 {
				inspect.SetMsg(&r, env, "probe.tls.file_bad_cert", f.path, bad)
			}
			inspect.SetEvidence(&r, f.pem, false)
			out = append(out, r)
			continue
		}
		if len(certs) > tlsCertMaxPerFile {
			// A CA bundle: one result for the file, decided by the
			// certificate that expires first.
			first := certs[0]
			for _, x := range certs {
				if x.NotAfter.Before(first.NotAfter) {
					first = x
				}
			}
			r := base
			r.Item = f.path
			r.Status = result.OK
			dl := certDaysLeft(first, now)
			th.Apply(&r, dl, "d")
			inspect.SetMsg(&r, env, i18n.ConcatCode, f.path+": ", i18n.S("probe.tls.bundle", len(certs), certSummary(env, first, first, now, dl)))
			tlsExpiryVerdict(env, &r, dl)
			r.Evidence = certDescribe([]*x509.Certificate{first}, now)
			out = append(out, r)
			continue
		}
		for i, x := range certs {
			r := base
			r.Item = f.path
			if len(certs) > 1 {
				r.Item = fmt.Sprintf("%s#%d", f.path, i+1)
			}
			r.Status = result.OK
			dl := certDaysLeft(x, now)
			th.Apply(&r, dl, "d")
			inspect.SetMsg(&r, env, i18n.ConcatCode, r.Item+": ", certSummary(env, x, x, now, dl), ", ", i18n.S("probe.tls.issuer", certIssuerName(x)))
			tlsExpiryVerdict(env, &r, dl)
			r.Evidence = certDescribe([]*x509.Certificate{x}, now)
			out = append(out, r)
		}
		if bad > 0 {
			out[len(out)-1].AppendText("; ")
			inspect.AddMsg(&out[len(out)-1], env, "probe.tls.some_bad", bad)
		}
	}
	if len(out) == 0 {
		r := base
		r.Status = result.Unknown
		r.Reason = "no-output"
		inspect.SetMsg(&r, env, "probe.tls.files_nothing")
		inspect.SetEvidence(&r, env.Section.Stdout, env.Section.Truncated)
		out = append(out, r)
	}
	return out
}

func certIssuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return c.Issuer.CommonName
	}
	return c.Issuer.String()
}

// parsePEMCerts decodes every CERTIFICATE block; bad counts blocks that do
// not parse.
func parsePEMCerts(s string) (certs []*x509.Certificate, bad int) {
	rest := []byte(s)
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return certs, bad
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			bad++
			continue
		}
		certs = append(certs, c)
	}
}

// TLSCert is the check type playbooks call "tls-cert".
func TLSCert() inspect.Check { return tlsCertCheck{} }

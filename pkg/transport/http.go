package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/cyhealth/hcops/pkg/paths"
)

// HTTPOptions configures an HTTP client for API and endpoint checks.
type HTTPOptions struct {
	// CAFile is a PEM bundle of the CA certificates to trust instead of the
	// system roots (a site's private CA), like curl --cacert.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key for mutual
	// TLS; both or neither.
	CertFile, KeyFile string
	// Insecure skips verification of the server certificate. Only for
	// devices with self-signed certificates nobody can replace.
	Insecure bool
	// Timeout bounds the whole request, body included; 0 means 10 s.
	Timeout time.Duration
	// UseEnvProxy routes requests through HTTP_PROXY/HTTPS_PROXY/NO_PROXY.
	// Off by default: inside a health intranet an inherited proxy variable
	// would make an internal endpoint look down (or up) for the wrong reason.
	UseEnvProxy bool
	// MaxRedirects is how many redirects are followed; 0 means the default
	// (10), negative means none (the 3xx response itself is returned).
	MaxRedirects int
}

// DefaultHTTPTimeout is the request timeout when HTTPOptions.Timeout is 0.
const DefaultHTTPTimeout = 10 * time.Second

// ErrTooManyRedirects is returned (wrapped) when a request is redirected more
// often than HTTPOptions.MaxRedirects allows.
var ErrTooManyRedirects = errors.New("too many redirects")

// NewHTTPClient returns a client for one probe configuration. It does not
// share connections with other clients, so a probe measures a fresh
// connection (DNS, connect, TLS handshake) the way a user would see it.
func NewHTTPClient(o HTTPOptions) (*http.Client, error) {
	tlsConf := &tls.Config{
		MinVersion:         tls.VersionTLS10, // old hospital appliances; the check reports weak versions, it does not refuse them
		InsecureSkipVerify: o.Insecure,       //nolint:gosec // explicit per-endpoint opt-in
	}
	if o.CAFile != "" {
		pool, err := LoadCAPool(o.CAFile)
		if err != nil {
			return nil, err
		}
		tlsConf.RootCAs = pool
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, fmt.Errorf("client certificate: give both cert and key files (got cert %q, key %q)", o.CertFile, o.KeyFile)
	}
	if o.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(paths.Expand(o.CertFile), paths.Expand(o.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("client certificate %s: %w", o.CertFile, err)
		}
		tlsConf.Certificates = []tls.Certificate{pair}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: -1}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		DisableKeepAlives:     true,
		MaxIdleConns:          1,
		ForceAttemptHTTP2:     true,
	}
	if o.UseEnvProxy {
		// Read now, for this client: http.ProxyFromEnvironment reads the
		// variables once per process and never again.
		proxy := httpproxy.FromEnvironment().ProxyFunc()
		tr.Proxy = func(req *http.Request) (*url.URL, error) { return proxy(req.URL) }
	}
	maxRedirects := o.MaxRedirects
	if maxRedirects == 0 {
		maxRedirects = 10
	}
	c := &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if maxRedirects < 0 {
				return http.ErrUseLastResponse
			}
			if len(via) > maxRedirects {
				return fmt.Errorf("%w (more than %d, last to %s)", ErrTooManyRedirects, maxRedirects, req.URL.Redacted())
			}
			return nil
		},
	}
	return c, nil
}

// LoadCAPool reads a PEM CA bundle into a pool holding only its
// certificates.
func LoadCAPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(paths.Expand(file))
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate found", file)
	}
	return pool, nil
}

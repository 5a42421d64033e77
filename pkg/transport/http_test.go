package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeServerCA writes the httptest server's certificate as a CA file.
func writeServerCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// clientPair writes a self-signed client certificate and key and returns the
// files and the certificate.
func clientPair(t *testing.T) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "hcops-client"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile, cert
}

func TestHTTPClientTrust(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()

	// Not trusted by system roots.
	c, err := NewHTTPClient(HTTPOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted server accepted: %v", err)
	}
	// Trusted through the CA file.
	c, err = NewHTTPClient(HTTPOptions{CAFile: writeServerCA(t, srv)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("CA file not used: %v", err)
	}
	resp.Body.Close()
	// Insecure skips verification.
	c, _ = NewHTTPClient(HTTPOptions{Insecure: true})
	resp, err = c.Get(srv.URL)
	if err != nil {
		t.Fatalf("insecure: %v", err)
	}
	resp.Body.Close()
}

func TestHTTPClientCertificate(t *testing.T) {
	certFile, keyFile, cert := clientPair(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()
	ca := writeServerCA(t, srv)

	c, _ := NewHTTPClient(HTTPOptions{CAFile: ca})
	if resp, err := c.Get(srv.URL); err == nil {
		resp.Body.Close()
		t.Fatal("server requiring a client certificate accepted a request without one")
	}
	c, err := NewHTTPClient(HTTPOptions{CAFile: ca, CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("with client certificate: %v", err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	n, _ := resp.Body.Read(buf)
	if string(buf[:n]) != "hcops-client" {
		t.Fatalf("server saw %q", buf[:n])
	}
	if _, err := NewHTTPClient(HTTPOptions{CertFile: certFile}); err == nil {
		t.Fatal("cert without key accepted")
	}
	if _, err := NewHTTPClient(HTTPOptions{CAFile: filepath.Join(t.TempDir(), "nope.pem")}); err == nil || !strings.Contains(err.Error(), "CA file") {
		t.Fatalf("missing CA file: %v", err)
	}
}

func TestHTTPClientProxyOffByDefault(t *testing.T) {
	// A "proxy" that answers every request with 418. The target name does
	// not resolve, so only a client that goes through the proxy gets an
	// answer (Go never proxies loopback targets, hence the made-up name).
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	defer proxy.Close()
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	const target = "http://pacs.hcops-test.invalid/health"

	c, _ := NewHTTPClient(HTTPOptions{Timeout: 5 * time.Second})
	if resp, err := c.Get(target); err == nil {
		resp.Body.Close()
		t.Fatalf("default client went through the environment proxy: status %d", resp.StatusCode)
	}
	c, _ = NewHTTPClient(HTTPOptions{Timeout: 5 * time.Second, UseEnvProxy: true})
	resp, err := c.Get(target)
	if err != nil {
		t.Fatalf("UseEnvProxy: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot {
		t.Fatalf("UseEnvProxy: status %d, want the proxy's 418", resp.StatusCode)
	}
}

func TestHTTPClientRedirectLimit(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+r.URL.Path+"x", http.StatusFound)
	}))
	defer srv.Close()
	c, _ := NewHTTPClient(HTTPOptions{MaxRedirects: 3})
	_, err := c.Get(srv.URL + "/")
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("err = %v, want too many redirects", err)
	}
	c, _ = NewHTTPClient(HTTPOptions{MaxRedirects: -1})
	resp, err := c.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("no-redirect client followed: %d", resp.StatusCode)
	}
}

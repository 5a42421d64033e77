package checktest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Test PKI for the http and tls-cert checks: a CA, leaves it signs (valid,
// expired, wrong name) and self-signed certificates, all generated per test.

// Serial numbers the test certificates.
var Serial atomic.Int64

type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	PEM  []byte
	File string // CA certificate as a PEM file
}

func NewCA(t testing.TB) *CA {
	t.Helper()
	key := NewKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(Serial.Add(1)),
		Subject:               pkix.Name{CommonName: "hcops Test Root CA", Organization: []string{"Chaoyang Health Test"}},
		NotBefore:             time.Now().Add(-48 * time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &CA{Cert: cert, Key: key, PEM: PEMCert(der)}
	ca.File = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca.File, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return ca
}

func NewKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func PEMCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// LeafTemplate is a server certificate for names (DNS names or IPs).
func LeafTemplate(cn string, names []string, notBefore, notAfter time.Time) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(Serial.Add(1)),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Chaoyang Health Test"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	return tmpl
}

// issue signs a leaf for names valid between notBefore and notAfter. It
// returns the TLS certificate (leaf + CA chain) and the leaf's PEM.
func (ca *CA) Issue(t testing.TB, cn string, names []string, notBefore, notAfter time.Time) (tls.Certificate, []byte) {
	t.Helper()
	key := NewKey(t)
	der, err := x509.CreateCertificate(rand.Reader, LeafTemplate(cn, names, notBefore, notAfter), ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, PEMCert(der)
}

// SelfSigned makes a self-signed server certificate for names.
func SelfSigned(t testing.TB, cn string, names []string, notAfter time.Time) (tls.Certificate, []byte) {
	t.Helper()
	key := NewKey(t)
	tmpl := LeafTemplate(cn, names, time.Now().Add(-time.Hour), notAfter)
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage |= x509.KeyUsageCertSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, PEMCert(der)
}

// tlsServer starts an HTTPS server presenting cert.
func TLSServer(t testing.TB, cert tls.Certificate, h http.Handler) *httptest.Server {
	t.Helper()
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = QuietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// LocalNames are the names a certificate for this machine carries.
var LocalNames = []string{"localhost", "127.0.0.1"}

func Days(n float64) time.Duration { return time.Duration(n * 24 * float64(time.Hour)) }

// QuietLog keeps the servers' expected handshake failures out of test output.
func QuietLog() *log.Logger { return log.New(io.Discard, "", 0) }

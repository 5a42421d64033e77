package store

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	neturl "net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testCA makes a CA and, when host is given, a server certificate it
// signs for host (as DNS name or IP), written as PEM files in dir.
func testCA(t *testing.T, dir, name string, hosts ...string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, name+"-ca.pem")
	writePEM(t, caFile, "CERTIFICATE", caDER, 0o644)
	if len(hosts) == 0 {
		return caFile, "", ""
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			srv.IPAddresses = append(srv.IPAddresses, ip)
		} else {
			srv.DNSNames = append(srv.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, srv, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	writePEM(t, certFile, "CERTIFICATE", der, 0o644)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder, 0o600)
	return caFile, certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 { // the server runs as postgres and must read its key
		if u, err := user.Lookup("postgres"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			os.Chown(path, uid, gid)
		}
	}
}

// TestPostgresTLSVerified: the URL form the README gives for a runner
// (sslmode=verify-full with the server's CA) connects over TLS to the
// server holding a certificate of that CA, and refuses a server whose
// certificate another CA signed.
func TestPostgresTLSVerified(t *testing.T) {
	dir, err := os.MkdirTemp("", "hcops-pgtls-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	ca, cert, key := testCA(t, dir, "history", "localhost", "127.0.0.1")
	other, _, _ := testCA(t, dir, "other")
	pg := startTestPG(t, "ssl = on", fmt.Sprintf("ssl_cert_file = '%s'", cert), fmt.Sprintf("ssl_key_file = '%s'", key))
	u, err := neturl.Parse(pg.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	ctx := context.Background()

	url := fmt.Sprintf("postgres://postgres@localhost:%d/%s?sslmode=verify-full&sslrootcert=%s", pg.Port, name, ca)
	db, err := OpenWith(ctx, url, Options{Password: pg.Password})
	if err != nil {
		t.Fatalf("verify-full with the server's CA: %v", err)
	}
	defer db.Close()
	var tls bool
	if err := db.SQL().QueryRow(`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&tls); err != nil || !tls {
		t.Errorf("the connection is not TLS: %v, %v", tls, err)
	}
	if strings.Contains(db.Location(), "sslrootcert") || strings.Contains(db.Location(), pg.Password) {
		t.Errorf("Location %q shows options or the password", db.Location())
	}

	bad := fmt.Sprintf("postgres://postgres@localhost:%d/%s?sslmode=verify-full&sslrootcert=%s", pg.Port, name, other)
	if _, err := OpenWith(ctx, bad, Options{Password: pg.Password}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a server certificate of another CA: %v, want a certificate error", err)
	}
}

package probe

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

func TestTLSCertRemote(t *testing.T) {
	ca := checktest.NewCA(t)
	now := time.Now()
	valid, _ := ca.Issue(t, "localhost", checktest.LocalNames, now.Add(-time.Hour), now.Add(checktest.Days(200)))
	soon, _ := ca.Issue(t, "localhost", checktest.LocalNames, now.Add(-time.Hour), now.Add(checktest.Days(20.5)))
	verySoon, _ := ca.Issue(t, "localhost", checktest.LocalNames, now.Add(-time.Hour), now.Add(checktest.Days(3.5)))
	expired, _ := ca.Issue(t, "localhost", checktest.LocalNames, now.Add(-checktest.Days(90)), now.Add(-checktest.Days(2.5)))
	wrong, _ := ca.Issue(t, "pacs.example", []string{"pacs.example"}, now.Add(-time.Hour), now.Add(checktest.Days(200)))
	self, _ := checktest.SelfSigned(t, "localhost", checktest.LocalNames, now.Add(checktest.Days(200)))

	cases := []struct {
		name   string
		srv    string
		params map[string]any
		warn   string
		crit   string
		want   result.Status
		reason string
		msg    string
		days   float64
	}{
		{"valid", checktest.TLSServer(t, valid, nil).Listener.Addr().String(), map[string]any{"ca_file": ca.File}, "", "", result.OK, "", "certificate for localhost expires", 200},
		{"20 days warns", checktest.TLSServer(t, soon, nil).Listener.Addr().String(), map[string]any{"ca_file": ca.File}, "", "", result.Warn, "", "(20 days left)", 20.5},
		{"3 days crit", checktest.TLSServer(t, verySoon, nil).Listener.Addr().String(), map[string]any{"ca_file": ca.File}, "", "", result.Crit, "", "(3 days left)", 3.5},
		{"own thresholds", checktest.TLSServer(t, soon, nil).Listener.Addr().String(), map[string]any{"ca_file": ca.File}, "14:", "5:", result.OK, "", "", 20.5},
		{"expired", checktest.TLSServer(t, expired, nil).Listener.Addr().String(), map[string]any{"ca_file": ca.File}, "", "", result.Crit, "tls-expired", "expired on " + now.Add(-checktest.Days(2.5)).UTC().Format("2006-01-02") + " (3 days ago)", -2.5},
		{"wrong name", checktest.TLSServer(t, wrong, nil).Listener.Addr().String(), map[string]any{"ca_file": ca.File, "server_name": "localhost"}, "", "", result.Crit, "tls-name", "certificate does not match localhost (it is for pacs.example)", 200},
		{"self-signed crit", checktest.TLSServer(t, self, nil).Listener.Addr().String(), map[string]any{"ca_file": ca.File}, "", "", result.Crit, "tls-untrusted", "self-signed certificate, not trusted", 200},
		{"self-signed warn", checktest.TLSServer(t, self, nil).Listener.Addr().String(), map[string]any{"untrusted": "warn"}, "", "", result.Warn, "tls-untrusted", "self-signed", 200},
		{"untrusted CA", checktest.TLSServer(t, valid, nil).Listener.Addr().String(), nil, "", "", result.Crit, "tls-untrusted", "chain not trusted (issuer hcops Test Root CA)", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := map[string]any{"endpoints": []any{c.srv}}
			for k, v := range c.params {
				p[k] = v
			}
			r := checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{Params: p, Warn: c.warn, Crit: c.crit}, nil, nil))
			if r.Status != c.want || r.Reason != c.reason || !strings.Contains(r.Message, c.msg) {
				t.Fatalf("got %s %q %q; want %s %q containing %q", r.Status, r.Reason, r.Message, c.want, c.reason, c.msg)
			}
			if r.Value == nil || *r.Value < c.days-0.2 || *r.Value > c.days+0.2 || r.Unit != "d" {
				t.Errorf("days left = %v, want about %v", checktest.Deref(r.Value), c.days)
			}
			if r.Item != c.srv {
				t.Errorf("item %q", r.Item)
			}
			if r.Status != result.OK && r.Advice == "" {
				t.Errorf("no advice")
			}
			if !strings.Contains(r.Evidence, "sha256: ") {
				t.Errorf("evidence %q", r.Evidence)
			}
		})
	}
}

func TestTLSCertRemoteFailures(t *testing.T) {
	// Plain TCP listener that is not TLS.
	port := prListen(t, "SSH-2.0-OpenSSH_9.2\r\n")
	r := checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{Params: map[string]any{"endpoints": "127.0.0.1:" + prItoa(port), "timeout": "2s"}}, nil, nil))
	if r.Status != result.Crit || !strings.Contains(r.Message, "TLS handshake failed") {
		t.Errorf("not TLS: %s %q", r.Status, r.Message)
	}
	r = checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{Params: map[string]any{"endpoints": "127.0.0.1:" + prItoa(prClosedPort(t))}}, nil, nil))
	if r.Status != result.Crit || r.Reason != result.ReasonRefused {
		t.Errorf("refused: %s %s %q", r.Status, r.Reason, r.Message)
	}
}

func TestTLSCertDefaultEndpointsFromAsset(t *testing.T) {
	ca := checktest.NewCA(t)
	cert, _ := ca.Issue(t, "localhost", checktest.LocalNames, time.Now().Add(-time.Hour), time.Now().Add(checktest.Days(100)))
	srv := checktest.TLSServer(t, cert, nil)
	a := &inventory.Asset{Name: "his-web", Kind: inventory.KindApplication, Address: "127.0.0.1",
		Endpoints: []inventory.Endpoint{{URL: srv.URL + "/login"}, {URL: srv.URL + "/api"}, {URL: "http://127.0.0.1:1/"}}}
	r := checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{Params: map[string]any{"ca_file": ca.File}}, a, nil))
	if r.Status != result.OK || r.Item != srv.Listener.Addr().String() {
		t.Fatalf("%s %q %q", r.Status, r.Item, r.Message)
	}
	// Only plain http endpoints: nothing to check.
	a.Endpoints = []inventory.Endpoint{{URL: "http://127.0.0.1:1/"}}
	r = checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{}, a, nil))
	if r.Status != result.OK || !strings.Contains(r.Message, "no https endpoints") {
		t.Fatalf("http only: %s %q", r.Status, r.Message)
	}
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	a.Endpoints = nil
	r = checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{Params: map[string]any{"ca_file": ca.File, "port": port}}, a, nil))
	if r.Status != result.OK {
		t.Fatalf("address:port: %s %q", r.Status, r.Message)
	}
}

func TestTLSCertFilesOnTarget(t *testing.T) {
	ca := checktest.NewCA(t)
	now := time.Now()
	_, good := ca.Issue(t, "his.example", []string{"his.example"}, now.Add(-time.Hour), now.Add(checktest.Days(300)))
	_, old := ca.Issue(t, "lis.example", []string{"lis.example"}, now.Add(-checktest.Days(400)), now.Add(-checktest.Days(10)))
	_, near := ca.Issue(t, "pacs.example", []string{"pacs.example"}, now.Add(-time.Hour), now.Add(checktest.Days(12)))
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	os.Mkdir(certs, 0o755)
	checktest.WriteCertFile(t, certs, "his.crt", good)
	checktest.WriteCertFile(t, certs, "lis.crt", old)
	// A key file next to the certificate: its key must never leave the host.
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("secret-key-material")})
	checktest.WriteCertFile(t, dir, "pacs-fullchain.pem", keyPEM, near, ca.PEM)
	checktest.WriteCertFile(t, dir, "garbage.crt", []byte("not a certificate\n"))

	spec := &inspect.Spec{Params: map[string]any{"files": []any{
		filepath.Join(certs, "*.crt"),
		filepath.Join(dir, "pacs-fullchain.pem"),
		filepath.Join(dir, "garbage.crt"),
		filepath.Join(dir, "gone.crt"),
	}}}
	rs := prEval(t, "tls-cert", spec)
	got := map[string]result.Result{}
	for _, r := range rs {
		got[r.Item] = r
		if strings.Contains(r.Evidence+r.Message, "secret-key-material") || strings.Contains(r.Evidence, "PRIVATE KEY") {
			t.Fatalf("private key material left the host: %q", r.Evidence)
		}
	}
	check := func(item string, st result.Status, reason, msg string) {
		t.Helper()
		r, ok := got[item]
		if !ok {
			t.Errorf("no result for %s (have %v)", item, prKeys(got))
			return
		}
		if r.Status != st || r.Reason != reason || !strings.Contains(r.Message, msg) {
			t.Errorf("%s: %s %q %q; want %s %q containing %q", item, r.Status, r.Reason, r.Message, st, reason, msg)
		}
	}
	check(filepath.Join(certs, "his.crt"), result.OK, "", "certificate for his.example expires")
	check(filepath.Join(certs, "lis.crt"), result.Crit, "tls-expired", "certificate for lis.example expired on")
	check(filepath.Join(dir, "pacs-fullchain.pem#1"), result.Warn, "", "issuer hcops Test Root CA")
	check(filepath.Join(dir, "pacs-fullchain.pem#2"), result.OK, "", "certificate for hcops Test Root CA")
	check(filepath.Join(dir, "garbage.crt"), result.Unknown, "no-certificate", "holds no PEM certificate")
	check(filepath.Join(dir, "gone.crt"), result.Crit, "missing", "does not exist")
	if len(rs) != 6 {
		t.Errorf("%d results, want 6: %v", len(rs), prKeys(got))
	}
}

func TestTLSCertFileNamesArriveLiterally(t *testing.T) {
	ca := checktest.NewCA(t)
	_, c := ca.Issue(t, "x.example", []string{"x.example"}, time.Now().Add(-time.Hour), time.Now().Add(checktest.Days(100)))
	dir := t.TempDir()
	// The snippet runs in the test's working directory: a name that got
	// executed would create ./hcops-pwned there.
	const canary = "hcops-pwned"
	os.Remove(canary)
	t.Cleanup(func() { os.Remove(canary) })
	names := []string{"it's.crt", "$(touch " + canary + ").crt", "`touch " + canary + "`.crt", "new\nline.crt", "sp ace*.crt", "a;b|c&d>e.crt"}
	var files []any
	for _, n := range names {
		files = append(files, checktest.WriteCertFile(t, dir, n, c))
	}
	rs := prEval(t, "tls-cert", &inspect.Spec{Params: map[string]any{"files": files}})
	if len(rs) != len(names) {
		t.Fatalf("%d results for %d files", len(rs), len(names))
	}
	for i, r := range rs {
		if r.Status != result.OK || r.Item != files[i] {
			t.Errorf("%q: %s %q %q", files[i], r.Status, r.Item, r.Message)
		}
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a file name was executed by the shell")
	}
}

func TestTLSCertBundleSummarised(t *testing.T) {
	ca := checktest.NewCA(t)
	var blocks [][]byte
	for i := 0; i < tlsCertMaxPerFile+5; i++ {
		_, p := ca.Issue(t, "root"+prItoa(i), nil, time.Now().Add(-time.Hour), time.Now().Add(checktest.Days(float64(1000+i))))
		blocks = append(blocks, p)
	}
	f := checktest.WriteCertFile(t, t.TempDir(), "ca-bundle.crt", blocks...)
	r := checktest.One(t, prEval(t, "tls-cert", &inspect.Spec{Params: map[string]any{"files": f}}))
	if r.Status != result.OK || !strings.Contains(r.Message, "bundle of 15 certificates") || !strings.Contains(r.Message, "root0") {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}

func TestParsePEMCertsCorrupt(t *testing.T) {
	ca := checktest.NewCA(t)
	bad := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")})
	certs, n := parsePEMCerts(string(bad) + string(ca.PEM) + "-----BEGIN CERTIFICATE-----\ntruncated")
	if len(certs) != 1 || n != 1 {
		t.Fatalf("certs %d bad %d", len(certs), n)
	}
	var _ *x509.Certificate = certs[0]
	// Output cut before the end marker: the half block is dropped.
	files := parseTLSFiles(tlsFileMark + " 0 2f61\n" + string(ca.PEM))
	if len(files) != 0 {
		t.Fatalf("unterminated block accepted: %+v", files)
	}
}

func TestTLSCertBadParams(t *testing.T) {
	for _, p := range []map[string]any{{"untrusted": "ignore"}, {"endpoints": []any{"host:99999"}}, {"missing": "maybe"}, {"files": []any{""}}, {"port": 0}, {"file": "x"}} {
		if err := (tlsCertCheck{}).Validate(&inspect.Spec{Name: "t", Params: p}); err == nil {
			t.Errorf("%v accepted", p)
		}
	}
}

func prItoa(i int) string { return inspect.FormatNum(float64(i)) }

func prKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestTLSCertGlobMatchingNothing(t *testing.T) {
	pattern := filepath.Join(t.TempDir(), "*", "*.crt")
	r := checktest.One(t, prEval(t, "tls-cert", &inspect.Spec{Params: map[string]any{"files": pattern, "missing": "ok"}}))
	if r.Status != result.OK || r.Message != "no certificate file matches "+pattern {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
	r = checktest.One(t, prEval(t, "tls-cert", &inspect.Spec{Params: map[string]any{"files": pattern}}))
	if r.Status != result.Crit || r.Advice == "" {
		t.Fatalf("missing crit: %s %q", r.Status, r.Message)
	}
}

func TestTLSCertUseAddressFalse(t *testing.T) {
	a := &inventory.Asset{Name: "portal", Kind: inventory.KindApplication, Address: "127.0.0.1"}
	r := checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{Params: map[string]any{"use_address": false}}, a, nil))
	if r.Status != result.OK || r.Item != "" {
		t.Fatalf("%s %q %q", r.Status, r.Item, r.Message)
	}
	r = checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{Params: map[string]any{"port": prClosedPort(t)}}, a, nil))
	if r.Status != result.Crit || r.Reason != result.ReasonRefused {
		t.Fatalf("address fallback: %s %q", r.Status, r.Message)
	}
}

// TestTLSCertIntermediateExpiresFirst: the server's chain holds an
// intermediate that lapses before the leaf; it decides the days left.
func TestTLSCertIntermediateExpiresFirst(t *testing.T) {
	root := checktest.NewCA(t)
	now := time.Now()
	ikey := checktest.NewKey(t)
	itmpl := &x509.Certificate{
		SerialNumber: big.NewInt(checktest.Serial.Add(1)), Subject: pkix.Name{CommonName: "hcops Test Intermediate"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(checktest.Days(12.5)),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	ider, err := x509.CreateCertificate(rand.Reader, itmpl, root.Cert, &ikey.PublicKey, root.Key)
	if err != nil {
		t.Fatal(err)
	}
	icert, _ := x509.ParseCertificate(ider)
	inter := &checktest.CA{Cert: icert, Key: ikey}
	leaf, _ := inter.Issue(t, "localhost", checktest.LocalNames, now.Add(-time.Hour), now.Add(checktest.Days(300)))
	leaf.Certificate = [][]byte{leaf.Certificate[0], ider}
	srv := checktest.TLSServer(t, leaf, nil)
	r := checktest.One(t, prProbe(t, "tls-cert", &inspect.Spec{Params: map[string]any{"endpoints": srv.Listener.Addr().String(), "ca_file": root.File}}, nil, nil))
	if r.Status != result.Warn || r.Value == nil || *r.Value > 12.5 || *r.Value < 12.3 ||
		!strings.Contains(r.Message, "(first to expire in the chain: hcops Test Intermediate)") {
		t.Fatalf("%s %v %q", r.Status, checktest.Deref(r.Value), r.Message)
	}
}

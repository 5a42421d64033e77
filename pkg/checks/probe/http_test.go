package probe

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/playbooks"
)

// probe runs a probe check (no snippet) for asset with the given spec.
func prProbe(t testing.TB, typ string, spec *inspect.Spec, a *inventory.Asset, sys *inventory.System) []result.Result {
	t.Helper()
	c, ok := Lookup(typ)
	if !ok {
		t.Fatalf("check type %q not registered", typ)
	}
	spec.Type = typ
	if spec.Name == "" {
		spec.Name = typ
	}
	if v, ok := c.(inspect.Validator); ok {
		if err := v.Validate(spec); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	}
	if s, err := c.Script(spec, a); err != nil || s != "" {
		t.Fatalf("probe Script = %q, %v; want empty", s, err)
	}
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	if a == nil {
		a = &inventory.Asset{Name: "web-01", Kind: inventory.KindHost, Address: "127.0.0.1"}
	}
	env := &inspect.Env{Spec: spec, Asset: a, System: sys, Thresholds: th, Now: time.Now()}
	return c.Evaluate(context.Background(), env)
}

func prHTTPServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPStatusBodyJSON(t *testing.T) {
	srv := prHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"UP","data":{"items":[{"state":"ok"},{"state":"degraded"}]},"count":3,"flag":false}`)
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "maintenance")
		case "/moved":
			http.Redirect(w, r, "/health", http.StatusFound)
		case "/post":
			if r.Method != http.MethodPost {
				w.WriteHeader(http.StatusMethodNotAllowed)
				return
			}
			w.WriteHeader(http.StatusCreated)
		default:
			http.NotFound(w, r)
		}
	})
	u := srv.URL
	cases := []struct {
		name   string
		params map[string]any
		want   result.Status
		msg    string
		reason string
	}{
		{"ok", map[string]any{"url": u + "/health"}, result.OK, u + "/health: status 200 in ", ""},
		{"503", map[string]any{"url": u + "/down"}, result.Crit, u + "/down: status 503 (want 200-399) in ", "status"},
		{"404 allowed", map[string]any{"url": u + "/nope", "status": 404}, result.OK, "status 404", ""},
		{"list of codes", map[string]any{"url": u + "/down", "status": []any{200, "500-503"}}, result.OK, "status 503", ""},
		{"redirect followed", map[string]any{"url": u + "/moved", "status": 200}, result.OK, "status 200", ""},
		{"redirect not followed", map[string]any{"url": u + "/moved", "max_redirects": 0, "status": 302}, result.OK, "status 302", ""},
		{"body regex", map[string]any{"url": u + "/health", "body_regex": `"status":"UP"`}, result.OK, "", ""},
		{"body regex fails", map[string]any{"url": u + "/health", "body_regex": "DOWN"}, result.Crit, "body does not match /DOWN/", "body"},
		{"body not regex", map[string]any{"url": u + "/down", "status": 503, "body_not_regex": "mainten"}, result.Crit, "body matches /mainten/: maintenance", "body"},
		{"json value", map[string]any{"url": u + "/health", "json_path": "data.items.0.state", "json_value": "ok"}, result.OK, "", ""},
		{"json value wrong", map[string]any{"url": u + "/health", "json_path": "data.items.1.state", "json_value": "ok"}, result.Crit, "JSON data.items.1.state is degraded (want ok)", "json"},
		{"json number", map[string]any{"url": u + "/health", "json_path": "count", "json_value": 3}, result.OK, "", ""},
		{"json missing", map[string]any{"url": u + "/health", "json_path": "data.items.5.state"}, result.Crit, "JSON has no data.items.5.state", "json"},
		{"json false", map[string]any{"url": u + "/health", "json_path": "flag"}, result.Crit, "JSON flag is empty (false)", "json"},
		{"not json", map[string]any{"url": u + "/down", "status": 503, "json_path": "status"}, result.Crit, "body is not JSON", "json"},
		{"post", map[string]any{"url": u + "/post", "method": "post", "body": "{}", "status": 201}, result.OK, "status 201", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: c.params}, nil, nil))
			if r.Status != c.want || !strings.Contains(r.Message, c.msg) || r.Reason != c.reason {
				t.Fatalf("got %s %q reason %q; want %s containing %q reason %q", r.Status, r.Message, r.Reason, c.want, c.msg, c.reason)
			}
			if r.Value == nil || r.Unit != "ms" {
				t.Errorf("no latency value: %v %q", r.Value, r.Unit)
			}
			if r.Status != result.OK && r.Advice == "" {
				t.Errorf("no advice")
			}
			if !strings.Contains(r.Evidence, "HTTP/1.1 ") {
				t.Errorf("evidence %q lacks the status line", r.Evidence)
			}
		})
	}
}

func TestHTTPLatencyThresholds(t *testing.T) {
	srv := prHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
	})
	r := checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": srv.URL}, Warn: "50", Crit: "100000"}, nil, nil))
	if r.Status != result.Warn || !strings.Contains(r.Message, "slow (warn 50, crit 100000)") || r.Advice == "" {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
	if *r.Value < 150 {
		t.Fatalf("latency %v ms < the server's delay", *r.Value)
	}
	r = checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": srv.URL, "timeout": "50ms"}}, nil, nil))
	if r.Status != result.Crit || r.Reason != result.ReasonTimeout || !strings.Contains(r.Message, "timed out") {
		t.Fatalf("timeout: %s %s %q", r.Status, r.Reason, r.Message)
	}
}

func TestHTTPConnectionFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String() + "/"
	ln.Close()
	r := checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": closedURL}}, nil, nil))
	if r.Status != result.Crit || r.Reason != result.ReasonRefused || !strings.Contains(r.Message, "connection refused") {
		t.Errorf("refused: %s %s %q", r.Status, r.Reason, r.Message)
	}
	r = checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": "http://no-such-host.hcops-test.invalid/"}}, nil, nil))
	if r.Status != result.Crit || r.Reason != result.ReasonDNS || !strings.Contains(r.Message, "does not resolve") {
		t.Errorf("dns: %s %s %q", r.Status, r.Reason, r.Message)
	}
	// A listener that accepts and never answers.
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	go func() {
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	r = checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": "http://" + hung.Addr().String() + "/", "timeout": "200ms"}}, nil, nil))
	if r.Status != result.Crit || r.Reason != result.ReasonTimeout {
		t.Errorf("hung: %s %s %q", r.Status, r.Reason, r.Message)
	}
}

func TestHTTPCertificates(t *testing.T) {
	ca := checktest.NewCA(t)
	now := time.Now()
	valid, _ := ca.Issue(t, "localhost", checktest.LocalNames, now.Add(-time.Hour), now.Add(checktest.Days(90)))
	expired, _ := ca.Issue(t, "localhost", checktest.LocalNames, now.Add(-checktest.Days(60)), now.Add(-checktest.Days(1)))
	wrongName, _ := ca.Issue(t, "pacs.example", []string{"pacs.example"}, now.Add(-time.Hour), now.Add(checktest.Days(90)))
	self, _ := checktest.SelfSigned(t, "localhost", checktest.LocalNames, now.Add(checktest.Days(90)))

	cases := []struct {
		name   string
		cert   tls.Certificate
		params map[string]any
		want   result.Status
		reason string
		msg    string
	}{
		{"valid chain via ca_file", valid, map[string]any{"ca_file": ca.File}, result.OK, "", "status 200"},
		{"untrusted without ca_file", valid, nil, result.Crit, "tls-untrusted", "certificate is not trusted"},
		{"expired", expired, map[string]any{"ca_file": ca.File}, result.Crit, "tls-expired", "certificate expired on " + now.Add(-checktest.Days(1)).UTC().Format("2006-01-02")},
		{"wrong name", wrongName, map[string]any{"ca_file": ca.File}, result.Crit, "tls-name", "certificate does not match the name (it is for pacs.example)"},
		{"self-signed", self, map[string]any{"ca_file": ca.File}, result.Crit, "tls-untrusted", "not trusted"},
		{"self-signed insecure", self, map[string]any{"insecure": true}, result.OK, "", "status 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := checktest.TLSServer(t, c.cert, nil)
			p := map[string]any{"url": srv.URL + "/"}
			for k, v := range c.params {
				p[k] = v
			}
			r := checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: p}, nil, nil))
			if r.Status != c.want || r.Reason != c.reason || !strings.Contains(r.Message, c.msg) {
				t.Fatalf("got %s reason %q %q; want %s %q containing %q", r.Status, r.Reason, r.Message, c.want, c.reason, c.msg)
			}
			if r.Status != result.OK && r.Advice == "" {
				t.Errorf("no advice")
			}
		})
	}
}

func TestHTTPEndpointsFromInventory(t *testing.T) {
	srv := prHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sys-down" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, "PACS ready")
	})
	sys := &inventory.System{Name: "pacs", Endpoints: []inventory.Endpoint{
		{URL: srv.URL + "/sys-down", Name: "viewer"},
		{URL: srv.URL + "/app", Name: "duplicate of the asset's"},
	}}
	app := &inventory.Asset{Name: "pacs-app", Kind: inventory.KindApplication, System: "pacs", Endpoints: []inventory.Endpoint{
		{URL: srv.URL + "/app", BodyRegex: "ready"},
		{URL: srv.URL + "/teapot", Status: 418},
	}}
	rs := prProbe(t, "http", &inspect.Spec{}, app, sys)
	if len(rs) != 3 {
		t.Fatalf("%d results, want 3 (asset's two + the system's other one): %+v", len(rs), rs)
	}
	got := map[string]result.Status{}
	for _, r := range rs {
		got[r.Item] = r.Status
	}
	want := map[string]result.Status{srv.URL + "/app": result.OK, srv.URL + "/teapot": result.Crit, srv.URL + "/sys-down": result.Crit}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	// A host of the same system does not probe the system's endpoints again.
	host := &inventory.Asset{Name: "pacs-db", Kind: inventory.KindHost, System: "pacs"}
	r := checktest.One(t, prProbe(t, "http", &inspect.Spec{}, host, sys))
	if r.Status != result.Unknown || r.Reason != "no-endpoints" {
		t.Fatalf("host without endpoints: %s %s %q", r.Status, r.Reason, r.Message)
	}
	if rs := prProbe(t, "http", &inspect.Spec{Params: map[string]any{"system_endpoints": true}}, host, sys); len(rs) != 2 {
		t.Fatalf("system_endpoints: %d results", len(rs))
	}
}

func TestHTTPBadParams(t *testing.T) {
	for _, p := range []map[string]any{
		{"url": "ftp://x/"},
		{"url": "http://"},
		{"url": "http://x/", "status": "abc"},
		{"url": "http://x/", "status": "99"},
		{"url": "http://x/", "proxy": "socks"},
		{"url": "http://x/", "cert_file": "/c.pem"},
		{"url": "http://x/", "json_value": "a"},
		{"url": "http://x/", "timeout": "soon"},
		{"url": "http://x/", "urls": "typo"},
		{"url": "http://x/", "method": "GET /admin"},
	} {
		spec := &inspect.Spec{Name: "web", Type: "http", Params: p}
		if err := (httpCheck{}).Validate(spec); err == nil {
			t.Errorf("%v accepted", p)
		} else if !strings.HasPrefix(err.Error(), "check web: parameter ") {
			t.Errorf("%v: error %q does not name the check and parameter", p, err)
		}
	}
}

func TestHTTPRedactsCredentialsInURL(t *testing.T) {
	srv := prHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {})
	u := strings.Replace(srv.URL, "http://", "http://admin:s3cret@", 1)
	r := checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": u}}, nil, nil))
	if strings.Contains(r.Message+r.Item+r.Evidence, "s3cret") {
		t.Fatalf("password shown: %q %q", r.Message, r.Item)
	}
}

// TestHTTPEndpointsPlaybook runs the built-in http-endpoints playbook's
// checks against an application asset whose system has one healthy HTTPS
// endpoint and one failing HTTP endpoint.
func TestHTTPEndpointsPlaybook(t *testing.T) {
	data, err := playbooks.FS.ReadFile("http-endpoints.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pb, err := inspect.ParsePlaybook(testChecks, "playbooks/http-endpoints.yaml", data, "http-endpoints")
	if err != nil {
		t.Fatal(err)
	}
	ca := checktest.NewCA(t)
	cert, _ := ca.Issue(t, "localhost", checktest.LocalNames, time.Now().Add(-time.Hour), time.Now().Add(checktest.Days(10)))
	good := checktest.TLSServer(t, cert, nil)
	bad := prHTTPServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	sys := &inventory.System{Name: "his", Endpoints: []inventory.Endpoint{{URL: good.URL + "/login", CAFile: ca.File}, {URL: bad.URL + "/api"}}}
	app := &inventory.Asset{Name: "his-app", Kind: inventory.KindApplication, System: "his"}

	got := map[string]result.Status{}
	for i := range pb.Checks {
		spec := pb.Checks[i]
		if spec.Type == "tls-cert" {
			spec.Params = map[string]any{"ca_file": ca.File} // the system roots do not know the test CA
		}
		for _, r := range prProbe(t, spec.Type, &spec, app, sys) {
			got[spec.Type+" "+r.Item] = r.Status
		}
	}
	want := map[string]result.Status{
		"http " + good.URL + "/login":               result.OK,
		"http " + bad.URL + "/api":                  result.Crit,
		"tls-cert " + good.Listener.Addr().String(): result.Warn, // 10 days left, warn below 30
	}
	if len(got) != len(want) {
		t.Errorf("results %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}

func TestHTTPMessagesInChinese(t *testing.T) {
	srv := prHTTPServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	spec := &inspect.Spec{Name: "web", Type: "http", Params: map[string]any{"url": srv.URL + "/health"}}
	env := &inspect.Env{Spec: spec, Asset: &inventory.Asset{Name: "his-app"}, Now: time.Now(), Lang: "zh"}
	r := checktest.One(t, httpCheck{}.Evaluate(context.Background(), env))
	if !strings.Contains(r.Message, srv.URL+"/health：状态码 503（期望 200-399），耗时 ") || !strings.Contains(r.Advice, "应用服务端出错") {
		t.Fatalf("%q / %q", r.Message, r.Advice)
	}
}

func TestHTTPClientCertificate(t *testing.T) {
	ca := checktest.NewCA(t)
	serverCert, _ := ca.Issue(t, "localhost", checktest.LocalNames, time.Now().Add(-time.Hour), time.Now().Add(checktest.Days(30)))
	// A client certificate from the same CA, as an interface partner gets.
	key := checktest.NewKey(t)
	tmpl := checktest.LeafTemplate("his-client", nil, time.Now().Add(-time.Hour), time.Now().Add(checktest.Days(30)))
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	os.WriteFile(certFile, checktest.PEMCert(der), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.Config.ErrorLog = checktest.QuietLog()
	srv.StartTLS()
	defer srv.Close()

	r := checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": srv.URL, "ca_file": ca.File, "cert_file": certFile, "key_file": keyFile, "body_regex": "^his-client$"}}, nil, nil))
	if r.Status != result.OK {
		t.Fatalf("with client certificate: %s %q", r.Status, r.Message)
	}
	r = checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": srv.URL, "ca_file": ca.File}}, nil, nil))
	if r.Status != result.Crit || r.Reason != "tls-client-cert" || !strings.Contains(r.Advice, "cert_file") {
		t.Fatalf("without client certificate: %s %q", r.Status, r.Message)
	}
	r = checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": srv.URL, "cert_file": filepath.Join(dir, "nope.crt"), "key_file": keyFile}}, nil, nil))
	if r.Status != result.Unknown || r.Reason != "bad-params" || !strings.Contains(r.Message, "nope.crt") {
		t.Fatalf("missing cert file: %s %q", r.Status, r.Message)
	}
}

func TestHTTPHeadersAndSecretReferences(t *testing.T) {
	const token = "Bearer s3cr3t-token"
	srv := prHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != token:
			w.WriteHeader(http.StatusUnauthorized)
		case r.Header.Get("X-Api-Key") != "key-from-file":
			w.WriteHeader(http.StatusForbidden)
		case r.Host != "his.example" || r.Header.Get("Accept") != "application/json":
			w.WriteHeader(http.StatusBadRequest)
		default:
			fmt.Fprint(w, `{"status":"UP"}`)
		}
	})
	t.Setenv("HCOPS_TEST_HIS_TOKEN", token)
	keyFile := filepath.Join(t.TempDir(), "his.key")
	os.WriteFile(keyFile, []byte("key-from-file\nsecond line ignored\n"), 0o600)
	headers := map[string]any{
		"Authorization": map[string]any{"env": "HCOPS_TEST_HIS_TOKEN"},
		"X-Api-Key":     map[string]any{"file": keyFile},
		"Host":          "his.example",
		"Accept":        "application/json",
	}
	r := checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": srv.URL, "headers": headers}}, nil, nil))
	if r.Status != result.OK {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
	if strings.Contains(r.Message+r.Evidence, "s3cr3t") || strings.Contains(r.Message+r.Evidence, "key-from-file") {
		t.Fatalf("secret shown: %q %q", r.Message, r.Evidence)
	}
	headers["Authorization"] = map[string]any{"env": "HCOPS_TEST_UNSET_TOKEN"}
	r = checktest.One(t, prProbe(t, "http", &inspect.Spec{Params: map[string]any{"url": srv.URL, "headers": headers}}, nil, nil))
	if r.Status != result.Unknown || !strings.Contains(r.Message, "environment variable HCOPS_TEST_UNSET_TOKEN is not set") || r.Advice == "" {
		t.Fatalf("unset env: %s %q", r.Status, r.Message)
	}
	for _, bad := range []any{"x", map[string]any{"A": map[string]any{"env": "X", "file": "Y"}}, map[string]any{"Bad Name": "x"}, map[string]any{"A": "x\r\nInjected: y"}, map[string]any{"A": []any{"x"}}} {
		if err := (httpCheck{}).Validate(&inspect.Spec{Name: "w", Params: map[string]any{"url": srv.URL, "headers": bad}}); err == nil || !strings.Contains(err.Error(), "parameter headers") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// An inventory endpoint that is not an http(s) URL is found only at run
// time: an UNKNOWN bad-params result in the run's language, with the same
// English as before.
func TestHTTPBadEndpointURLInRunLanguage(t *testing.T) {
	c, _ := Lookup("http")
	app := &inventory.Asset{Name: "pacs-app", Kind: inventory.KindApplication, Endpoints: []inventory.Endpoint{{URL: "ftp://pacs.local/x"}}}
	for lang, want := range map[string]string{
		i18n.ZH: "URL ftp://pacs.local/x：应以 http:// 或 https:// 开头",
		i18n.EN: "URL ftp://pacs.local/x: want http:// or https://",
	} {
		spec := &inspect.Spec{Name: "web", Type: "http"}
		env := &inspect.Env{Spec: spec, Asset: app, Lang: lang, Now: time.Now()}
		r := checktest.One(t, c.Evaluate(context.Background(), env))
		if r.Status != result.Unknown || r.Reason != "bad-params" || r.Message != want {
			t.Errorf("%s: %s %s %q, want %q", lang, r.Status, r.Reason, r.Message, want)
		}
	}
}

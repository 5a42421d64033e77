package mw

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/result"
)

// TestNginxAgainstRealServer reads stub_status from a real nginx on
// loopback: open, behind basic auth, missing, and a page that is not it.
func TestNginxAgainstRealServer(t *testing.T) {
	addr := startNginx(t, `
    location = /nginx_status { stub_status; }
    location = /private_status { stub_status; auth_basic "ops"; auth_basic_user_file DIR/htpasswd; }
    location = /hello { return 200 "hello\n"; }`)
	// nginx reads the user file per request.
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("运维 pass\n"), 0o600)
	htDir := nginxDir(t, addr)
	os.WriteFile(filepath.Join(htDir, "htpasswd"), []byte("ops:{PLAIN}运维 pass\n"), 0o644)

	rs := evalProbe(t, Nginx(), "nginx", addr, nil, time.Time{}, "en")
	r := rs[""]
	if r.Status != result.OK || !strings.Contains(r.Message, "1 active connections (reading 0, writing 1, waiting 0)") {
		t.Errorf("stub_status: %+v", r)
	}
	if v, _ := checktest.Metric(r, "nginx.requests"); v < 1 {
		t.Errorf("requests metric %v", v)
	}
	// Thresholds on active connections.
	rs = evalProbe(t, Nginx(), "nginx", addr, nil, time.Time{}, "zh")
	checktest.WantChinese(t, []result.Result{rs[""]})

	rs = evalProbe(t, Nginx(), "nginx", addr, map[string]any{"path": "/private_status", "user": "ops", "password": map[string]any{"file": pwFile}}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.OK {
		t.Errorf("basic auth: %+v", r)
	}
	t.Setenv("HCOPS_TEST_NGINX_PW", "wrong")
	rs = evalProbe(t, Nginx(), "nginx", addr, map[string]any{"path": "/private_status", "user": "ops", "password": map[string]any{"env": "HCOPS_TEST_NGINX_PW"}}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "auth" || !strings.Contains(r.Message, "HTTP 401") {
		t.Errorf("wrong password: %+v", r)
	}
	rs = evalProbe(t, Nginx(), "nginx", addr, map[string]any{"path": "/status"}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "config" || !strings.Contains(r.Advice, "stub_status") {
		t.Errorf("no status page: %+v", r)
	}
	rs = evalProbe(t, Nginx(), "nginx", addr, map[string]any{"url": "http://" + addr, "path": "/hello"}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "unparsable" || r.Evidence != "hello\n" {
		t.Errorf("not stub_status: %+v", r)
	}
	// A hung server ends within the timeout; a closed port is CRIT.
	start := time.Now()
	rs = evalProbe(t, Nginx(), "nginx", hungListener(t), map[string]any{"timeout": "1s"}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Crit || time.Since(start) > 5*time.Second {
		t.Errorf("hung: %+v after %s", r, time.Since(start))
	}
}

// Accepted but unhandled connections (worker_connections exhausted) cannot
// be made to happen on demand here: the parser and the verdict are tested
// on a page with such counters (the format of ngx_http_stub_status_module).
func TestNginxDropped(t *testing.T) {
	st, err := ParseNginxStatus("Active connections: 291 \r\nserver accepts handled requests\r\n 16630948 16630940 31070465 \r\nReading: 6 Writing: 179 Waiting: 106 \r\n")
	if err != nil || st.Active != 291 || st.Accepts-st.Handled != 8 || st.Waiting != 106 {
		t.Fatalf("%+v %v", st, err)
	}
	for _, bad := range []string{"", "<html>hello</html>", "Active connections: x\n", "Active connections: 1\nserver accepts handled requests\n 1 2\nReading: 0 Writing: 1 Waiting: 0\n"} {
		if _, err := ParseNginxStatus(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

package mw

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// Tomcat is not run here (it needs a JRE this machine lacks): the captured
// status pages (testdata/README.md) are served from a loopback HTTP server
// that asks for basic auth like the manager does.
func TestTomcatCaptured(t *testing.T) {
	page := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != "hcops" || p != "运维-pw" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/manager/status" || r.URL.RawQuery != "XML=true" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Write([]byte(page))
	}))
	defer srv.Close()
	t.Setenv("HCOPS_TEST_TOMCAT_PW", "运维-pw")
	params := map[string]any{"url": srv.URL, "user": "hcops", "password": map[string]any{"env": "HCOPS_TEST_TOMCAT_PW"}}

	b, _ := os.ReadFile(filepath.Join("testdata", "tomcat8-status.xml"))
	page = string(b)
	rs := evalProbe(t, Tomcat(), "tomcat", "127.0.0.1:1", params, time.Time{}, "en")
	// heap (58195968-17909336)/620756992 = 6.5 %
	if r := rs["jvm"]; r.Status != result.OK || *r.Value != 6.5 {
		t.Errorf("jvm: %+v", r)
	}
	if r := rs["http-apr-8080"]; r.Status != result.OK || !strings.Contains(r.Message, "1 of 200 threads busy, 2 requests and 1 errors") {
		t.Errorf("connector: %+v", r)
	}
	if len(rs) != 3 {
		t.Errorf("results %v", rs)
	}
	b, _ = os.ReadFile(filepath.Join("testdata", "tomcat6-status.xml"))
	page = string(b)
	rs = evalProbe(t, Tomcat(), "tomcat", "127.0.0.1:1", params, time.Time{}, "en")
	// 2 of 150 busy is OK; with threads_warn 1 it warns.
	if r := rs["http-8080"]; r.Status != result.OK {
		t.Errorf("tomcat6 connector: %+v", r)
	}
	p2 := map[string]any{"url": srv.URL, "user": "hcops", "password": map[string]any{"env": "HCOPS_TEST_TOMCAT_PW"}, "threads_warn": 1}
	rs = evalProbe(t, Tomcat(), "tomcat", "127.0.0.1:1", p2, time.Time{}, "en")
	if r := rs["http-8080"]; r.Status != result.Warn || r.Advice == "" {
		t.Errorf("busy threads: %+v", r)
	}
	page = "<html>login</html>"
	rs = evalProbe(t, Tomcat(), "tomcat", "127.0.0.1:1", params, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "unparsable" {
		t.Errorf("not the status page: %+v", rs)
	}
	rs = evalProbe(t, Tomcat(), "tomcat", "127.0.0.1:1", map[string]any{"url": srv.URL, "user": "hcops"}, time.Time{}, "en")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "auth" {
		t.Errorf("no password: %+v", rs)
	}
}

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

// TestTomcatAgainstRealServer reads the manager status of a real Tomcat 10
// (Debian's tomcat10 and tomcat10-admin) started by the test on loopback.
func TestTomcatAgainstRealServer(t *testing.T) {
	// Tomcat decodes basic auth as ISO-8859-1 unless its authenticator is
	// given charset="UTF-8": a non-ASCII password is refused by a stock
	// Tomcat, so this one is ASCII, with characters XML and shells mind.
	addr := startTomcat(t, "hcops", "o'pw&<\"$x")
	t.Setenv("HCOPS_TEST_TOMCAT_PW", "o'pw&<\"$x")
	params := map[string]any{"user": "hcops", "password": map[string]any{"env": "HCOPS_TEST_TOMCAT_PW"}}
	var rs map[string]result.Result
	// The manager webapp deploys a moment after the port opens.
	deadline := time.Now().Add(60 * time.Second)
	for {
		rs = evalProbe(t, Tomcat(), "tomcat", addr, params, time.Time{}, "en")
		if _, ok := rs["jvm"]; ok || rs[""].Reason == "auth" || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	jvm, ok := rs["jvm"]
	if !ok || jvm.Status != result.OK || !strings.Contains(jvm.Message, "JVM heap") || *jvm.Value <= 0 || *jvm.Value > 100 {
		t.Fatalf("jvm: %+v", rs)
	}
	conn := rs["http-nio-"+strings.ReplaceAll(addr, ":", "-")]
	if conn.Status != result.OK || !strings.Contains(conn.Message, "threads busy") {
		t.Errorf("connector: %+v (all: %v)", conn, rs)
	}
	// Thresholds: the heap is above 1 % of -Xmx96m; at least one thread is
	// busy (this request) of 200.
	strict := map[string]any{"user": "hcops", "password": map[string]any{"env": "HCOPS_TEST_TOMCAT_PW"}, "threads_warn": 0.1}
	spec := evalProbeSpec(t, Tomcat(), "tomcat", addr, strict, "~:1", "")
	if r := spec["jvm"]; r.Status != result.Warn || r.Advice == "" {
		t.Errorf("heap above warn: %+v", r)
	}
	if r := spec["http-nio-"+strings.ReplaceAll(addr, ":", "-")]; r.Status != result.Warn || r.Reason != "threads" {
		t.Errorf("threads above threads_warn: %+v", r)
	}
	t.Setenv("HCOPS_TEST_TOMCAT_PW", "wrong")
	rs = evalProbe(t, Tomcat(), "tomcat", addr, params, time.Time{}, "zh")
	if r := rs[""]; r.Status != result.Unknown || r.Reason != "auth" || !strings.Contains(r.Message, "HTTP 401") {
		t.Errorf("wrong password: %+v", rs)
	}
}

// The status pages of Tomcat 6 and 8 (testdata/README.md), served from a
// loopback HTTP server that asks for basic auth like the manager does.
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

// The real Tomcat 10's page, captured, parses to the same shape: quoted
// connector name unquoted, G1 heap figures.
func TestTomcat10Capture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "tomcat10-status.xml"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseTomcatStatus(b)
	if err != nil || st.JVM.Memory.Max != 6320816128 || len(st.Connectors) != 1 || st.Connectors[0].Name != "http-nio-127.0.0.1-28080" || st.Connectors[0].Thread.Max != 200 {
		t.Fatalf("%+v %v", st, err)
	}
}

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

func TestAlertCommands(t *testing.T) {
	e := newHistoryEnv(t)
	var mu sync.Mutex
	down := false
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		got = append(got, string(b))
	}))
	defer srv.Close()
	cfg := filepath.Join(e.dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("webhooks:\n  sms:\n    type: generic\n    url: "+srv.URL+"/sms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := e.open(t)
	start := time.Now().Add(-time.Hour)
	seedHistoryRun(t, db, "inspect", start, result.RunCompleted, result.Result{Asset: "his-db-01", Check: "disk:/u01",
		Item: "/u01", System: "his", Status: result.Crit, Message: "/u01 97% used", StartedAt: start})
	run := func(args ...string) (int, string, string) {
		return e.hcops(t, append([]string{"--config", cfg}, args...)...)
	}

	code, _, stderr := run("alert", "evaluate")
	if code != 0 || !strings.Contains(stderr, "#1 fire CRIT his-db-01 · disk:/u01") || !strings.Contains(stderr, "1 fired") {
		t.Fatalf("evaluate: exit %d\n%s", code, stderr)
	}
	if len(got) != 1 || !strings.Contains(got[0], `"asset":"his-db-01"`) {
		t.Fatalf("received %v", got)
	}
	// Again: nothing new, nothing sent.
	if code, _, stderr := run("alert", "evaluate"); code != 0 || !strings.Contains(stderr, "0 fired") || len(got) != 1 {
		t.Fatalf("evaluate again: exit %d, %d received\n%s", code, len(got), stderr)
	}

	code, stdout, _ := run("alert", "list", "-o", "json")
	var as []store.Alert
	if err := json.Unmarshal([]byte(stdout), &as); code != 0 || err != nil || len(as) != 1 || as[0].State != "firing" ||
		as[0].Severity != result.Crit {
		t.Fatalf("list: exit %d %v\n%s", code, err, stdout)
	}
	if code, stdout, _ := run("alert", "list"); code != 0 || !strings.Contains(stdout, "his-db-01") {
		t.Errorf("list table: %d\n%s", code, stdout)
	}
	if code, stdout, _ := run("alert", "ack", "1", "--by", "zhang"); code != 0 || !strings.Contains(stdout, "alert 1 acknowledged by zhang") {
		t.Errorf("ack: %d %s", code, stdout)
	}
	if code, _, stderr := run("alert", "silence", "1"); code != 3 || !strings.Contains(stderr, "--for 2h") {
		t.Errorf("silence without --for: %d %s", code, stderr)
	}
	if code, stdout, _ := run("alert", "silence", "#1", "--for", "2h"); code != 0 || !strings.Contains(stdout, "silenced until") {
		t.Errorf("silence: %d %s", code, stdout)
	}
	code, stdout, _ = run("alert", "show", "1", "-o", "json")
	var view alertShowView
	if err := json.Unmarshal([]byte(stdout), &view); code != 0 || err != nil {
		t.Fatalf("show: %d %v\n%s", code, err, stdout)
	}
	var kinds []string
	for _, ev := range view.Events {
		kinds = append(kinds, ev.Kind)
	}
	if strings.Join(kinds, " ") != "fire ack silence" || len(view.Notifications) != 1 ||
		view.Notifications[0].State != "sent" || len(view.Notifications[0].Log) != 1 || view.Alert.AckedBy != "zhang" {
		t.Errorf("show: %+v", view)
	}
	if code, stdout, _ := run("alert", "show", "1", "--lang", "zh"); code != 0 || !strings.Contains(stdout, "事件") {
		t.Errorf("show zh: %d\n%s", code, stdout)
	}
	if code, _, stderr := run("alert", "ack", "99"); code != 3 || !strings.Contains(stderr, "alert 99 not found") {
		t.Errorf("ack 99: %d %s", code, stderr)
	}

	// Recovery while the receiver is down: exit 1, retried by the next round.
	mu.Lock()
	down = true
	mu.Unlock()
	later := time.Now().Add(-time.Minute)
	seedHistoryRun(t, db, "inspect", later, result.RunCompleted, result.Result{Asset: "his-db-01", Check: "disk:/u01",
		Item: "/u01", System: "his", Status: result.OK, Message: "/u01 40% used", StartedAt: later})
	// (silenced: the recovery is recorded but not notified)
	if code, stdout, _ := run("alert", "evaluate", "-o", "json"); code != 0 || !strings.Contains(stdout, `"quiet": "silenced"`) {
		t.Errorf("quiet recovery: %d\n%s", code, stdout)
	}
	start2 := time.Now().Add(-30 * time.Second)
	seedHistoryRun(t, db, "inspect", start2, result.RunCompleted, result.Result{Asset: "pacs-01", Check: "ping",
		System: "pacs", Status: result.Unreachable, Message: "timeout", StartedAt: start2})
	if code, _, stderr := run("alert", "evaluate"); code != 1 || !strings.Contains(stderr, "failed, retry at") {
		t.Errorf("receiver down: exit %d\n%s", code, stderr)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if code, _, _ := run("alert", "list", "--all", "-o", "json"); code != 0 {
		t.Errorf("list --all: %d", code)
	}

	// A broken configuration names the key; exit 3.
	if err := os.WriteFile(cfg, []byte("alerts:\n  routes:\n    - channels: [nope]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run("alert", "evaluate"); code != 3 || !strings.Contains(stderr, `alerts.routes[0].channels: no channel "nope"`) {
		t.Errorf("bad config: %d %s", code, stderr)
	}
}

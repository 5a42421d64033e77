package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/watch"
)

// hcops watch --once against real sshd hosts: a host whose sshd stops is
// down at the next probe round, its alert fires, its ticket opens and the
// webhook receives the notification; started again, the alert resolves and
// the recovery is sent. Cycles repeated change nothing (what a killed and
// restarted watcher does), and every probe round is counted per hour.
func TestWatchOnce(t *testing.T) {
	testenv.LookPath(t, "sshd")
	web := testenv.StartSSHD(t, testenv.SSHDOptions{})
	db01 := testenv.StartSSHD(t, testenv.SSHDOptions{})
	var mu sync.Mutex
	var posts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, string(b))
		mu.Unlock()
		w.Write([]byte(`{"errcode":0}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	e := &inspectEnv{dir: dir, inv: filepath.Join(dir, "inventory.yaml"), db: filepath.Join(dir, "history.db")}
	os.WriteFile(e.inv, []byte(fmt.Sprintf(`systems:
  - {name: his, criticality: core, sla: {urgent: {respond: 15m, fix: 2h}}}
assets:
  - {name: web-01, kind: host, system: his, address: 127.0.0.1, connection: {port: %d}}
  - {name: db-01, kind: host, system: his, address: 127.0.0.1, connection: {port: %d}}
`, web.Port, db01.Port)), 0o644)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`webhooks:
  duty:
    type: generic
    url: %s
alerts:
  channels:
    duty-hook: {type: webhook, webhook: duty}
tickets:
  from_alerts: {unreachable: urgent}
`, srv.URL)), 0o644)
	once := func() watch.Outcome {
		t.Helper()
		code, stdout, stderr := e.hcops(context.Background(), t, "--config", cfg, "watch", "--once", "-o", "json")
		var o watch.Outcome
		if err := json.Unmarshal([]byte(stdout), &o); err != nil || code != 0 {
			t.Fatalf("watch --once: exit %d, %v\n%s\n%s", code, err, stdout, stderr)
		}
		return o
	}
	if o := once(); o.Transitions != 0 || o.TicketsOpened != 0 {
		t.Errorf("all up: %+v", o)
	}
	db01.Stop()
	o := once()
	if o.Transitions != 1 || o.TicketsOpened != 1 || o.Sent < 1 {
		t.Errorf("db-01 down: %+v", o)
	}
	if o := once(); o.Transitions != 0 || o.TicketsOpened != 0 || o.Sent != 0 {
		t.Errorf("a repeated cycle did something again: %+v", o)
	}
	mu.Lock()
	got := strings.Join(posts, "\n")
	n := len(posts)
	mu.Unlock()
	if n != 1 || !strings.Contains(got, "db-01") {
		t.Errorf("webhook got %d posts:\n%s", n, got)
	}
	code, stdout, _ := e.hcops(context.Background(), t, "--config", cfg, "ticket", "list", "-o", "json")
	if code != 0 || !strings.Contains(stdout, "db-01") {
		t.Errorf("ticket list: %d\n%s", code, stdout)
	}

	// Started again: the alert resolves and the recovery goes out.
	db01.Restart(t)
	if o := once(); o.Transitions != 1 || o.Sent < 1 {
		t.Errorf("db-01 back: %+v", o)
	}
	mu.Lock()
	n = len(posts)
	mu.Unlock()
	if n != 2 {
		t.Errorf("webhook got %d posts, want the firing and the recovery", n)
	}
	h, err := store.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rows, err := h.Availability(context.Background(), testTimeZero, testTimeFar)
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string][2]int{}
	for _, r := range rows {
		s := samples[r.Asset]
		samples[r.Asset] = [2]int{s[0] + r.Samples, s[1] + r.Down}
	}
	if samples["web-01"] != [2]int{4, 0} || samples["db-01"] != [2]int{4, 2} {
		t.Errorf("availability samples (samples, down): %v", samples)
	}
	// The monthly report says the figures were measured by the probes and
	// how many samples they rest on.
	code, stdout, stderr := e.hcops(context.Background(), t, "report", "monthly", "--month", time.Now().Format("2006-01"), "--format", "json", "--out", "-")
	var m struct {
		Assets []struct {
			Name     string `json:"name"`
			Measured string `json:"measured"`
			Samples  int    `json:"samples"`
			DownS    int64  `json:"down_s"`
		} `json:"availability_assets"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(stdout), &m); err != nil || code != 0 {
		t.Fatalf("report monthly: %d %v\n%s", code, err, stderr)
	}
	measured := map[string]string{}
	for _, a := range m.Assets {
		measured[a.Name] = fmt.Sprintf("%s/%d", a.Measured, a.Samples)
	}
	if measured["web-01"] != "probes/4" || measured["db-01"] != "probes/4" || !strings.Contains(strings.Join(m.Notes, " "), "measured by the watcher's probe every minute (8 probes)") {
		t.Errorf("monthly availability: %v\n%v", measured, m.Notes)
	}
	// The ticket the outage opened is in the month's incidents, with its
	// clocks, and in the SLA attainment per system and class.
	var inc struct {
		Incidents []struct {
			Title  string   `json:"title"`
			Clocks []string `json:"clocks"`
		} `json:"incidents"`
		SLA struct {
			Rows []struct {
				System  string `json:"system"`
				Tickets int    `json:"tickets"`
			} `json:"rows"`
		} `json:"ticket_sla"`
	}
	json.Unmarshal([]byte(stdout), &inc)
	if len(inc.Incidents) != 1 || !strings.Contains(inc.Incidents[0].Title, "db-01") || len(inc.Incidents[0].Clocks) != 3 ||
		len(inc.SLA.Rows) != 1 || inc.SLA.Rows[0].System != "his" || inc.SLA.Rows[0].Tickets != 1 {
		t.Errorf("monthly incidents: %+v", inc)
	}
}

var (
	testTimeZero = time.Unix(0, 0)
	testTimeFar  = time.Now().Add(24 * time.Hour)
)

// A watcher killed (kill -9) right after its first notification, and
// started again, neither repeats the alert, the ticket nor the notification,
// and SIGTERM stops it promptly.
func TestWatchSurvivesKill(t *testing.T) {
	testenv.LookPath(t, "sshd")
	host := testenv.StartSSHD(t, testenv.SSHDOptions{})
	host.Stop() // down from the start
	var mu sync.Mutex
	posts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posts++
		mu.Unlock()
		w.Write([]byte(`{"errcode":0}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	inv := filepath.Join(dir, "inventory.yaml")
	os.WriteFile(inv, []byte(fmt.Sprintf("assets:\n  - {name: db-01, kind: host, address: 127.0.0.1, connection: {port: %d}}\n", host.Port)), 0o644)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("webhooks:\n  duty: {type: generic, url: %s}\nalerts:\n  channels:\n    hook: {type: webhook, webhook: duty}\ntickets:\n  from_alerts: {unreachable: urgent}\n", srv.URL)), 0o644)
	// The test binary is hcops when called by that name (TestMain).
	bin := filepath.Join(dir, "hcops")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	start := func() *exec.Cmd {
		c := exec.Command(bin, "--inventory", inv, "--db", filepath.Join(dir, "history.db"), "--config", cfg, "watch", "--probe-every", "1s", "--no-jobs")
		c.Env = append(os.Environ(), "HOME="+dir)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	w := start()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := posts
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			w.Process.Kill()
			t.Fatal("no notification within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.Process.Kill()
	w.Wait()
	w = start()
	time.Sleep(4 * time.Second) // four more probe rounds and cycles
	w.Process.Signal(syscall.SIGTERM)
	stopped := make(chan error, 1)
	go func() { stopped <- w.Wait() }()
	select {
	case <-stopped:
	case <-time.After(15 * time.Second):
		w.Process.Kill()
		t.Fatal("SIGTERM did not stop the watcher")
	}
	mu.Lock()
	n := posts
	mu.Unlock()
	h, err := store.Open(context.Background(), filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	alerts, _ := h.Alerts(context.Background(), store.AlertFilter{})
	tickets := 0
	h.EachTicket(context.Background(), store.TicketFilter{}, func(*store.Ticket) error { tickets++; return nil })
	if n != 1 || len(alerts) != 1 || tickets != 1 {
		t.Errorf("after kill and restart: %d notifications, %d alerts, %d tickets; want 1 each", n, len(alerts), tickets)
	}
}

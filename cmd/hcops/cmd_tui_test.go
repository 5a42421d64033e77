package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"

	"github.com/cyhealth/hcops/internal/testenv"
)

func TestTUINeedsTerminal(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, ".data"))
	t.Setenv("HCOPS_INVENTORY", "")
	_, stderr, code := runHcops(t, "tui", "--lang", "en")
	if code != ExitUnknown || !strings.Contains(stderr, "needs a terminal") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

const tuiSmokeInventory = `
systems:
  - {name: pacs, name_zh: 区域影像PACS, name_en: Regional PACS, sla: {availability: 99.9}}
  - {name: his, name_zh: 医院信息系统, name_en: HIS}
assets:
  - {name: pacs-db-01, address: 10.1.0.11, system: pacs, zone: intranet}
  - {name: pacs-app-01, address: 10.1.0.21, system: pacs, zone: intranet}
  - {name: web-01, address: 203.0.113.5, system: his, zone: internet}
`

// seedTUIHistory stores an inspection in which pacs-db-01's /data is
// critical, with its ticket open.
func seedTUIHistory(t *testing.T, dbPath, invDir string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inv, err := inventory.Load(invDir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-10 * time.Minute)
	run := &result.Run{Kind: result.KindInspect, StartedAt: at, Status: result.RunRunning, Playbooks: []string{"linux-daily"}}
	if err := db.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	var rs []result.Result
	for _, a := range inv.Assets {
		r := result.Result{Asset: a.Name, Check: "disk:/data", Type: "disk", Item: "/data", System: a.System, Status: result.OK,
			Message: "/data 41%", StartedAt: at, Metrics: []result.Metric{{Name: "disk_used_pct", Value: 41, Unit: "%"}}}
		if a.Name == "pacs-db-01" {
			r.Status, r.Message, r.Evidence = result.Crit, "/data 96%", "/dev/sdb1 2.0T 1.9T 80G 96% /data"
			r.Metrics[0].Value = 96
		}
		rs = append(rs, r)
	}
	if err := db.AddResults(ctx, run.ID, rs); err != nil {
		t.Fatal(err)
	}
	run.Status, run.FinishedAt = result.RunCompleted, at.Add(time.Minute)
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	pol, err := ticket.NewPolicy(config.Tickets{}, inv, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	svc := &ticket.Service{Store: db, Policy: pol}
	if _, _, err := svc.Open(ctx, ticket.New{Title: "PACS /data nearly full", Class: ticket.Urgent, System: "pacs", Asset: "pacs-db-01",
		OpenedAt: at, Actor: "hcops"}); err != nil {
		t.Fatal(err)
	}
}

// The built binary in a real terminal (tmux): start, filter, drill down,
// acknowledge the ticket, quit with exit 0 and the terminal restored.
func TestTUISmokeTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		testenv.Missing(t, "tmux is not installed (apt-get install tmux)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hcops")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	invDir := filepath.Join(dir, "inv")
	if err := os.MkdirAll(invDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(invDir, "site.yaml"), []byte(tuiSmokeInventory), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "history.db")
	seedTUIHistory(t, dbPath, invDir)

	exitFile := filepath.Join(dir, "exit")
	shell := "env HOME=" + dir + " HCOPS_DB=" + dbPath + " HCOPS_INVENTORY=" + invDir + " HCOPS_LANG=en TERM=xterm-256color " +
		bin + " tui --by tester --refresh 1s; echo EXIT=$? > " + exitFile + "; sleep 60"
	pane := startTmux(t, filepath.Join(dir, "tmux.sock"), "hcops", 100, 30, shell)
	tmux, waitFor, keys := pane.run, pane.waitFor, pane.keys

	// HCOPS_TUI_SHOTS=DIR keeps the screens as text (the README's screenshot).
	shot := func(name, s string) {
		if d := os.Getenv("HCOPS_TUI_SHOTS"); d != "" {
			if err := os.WriteFile(filepath.Join(d, name+".txt"), []byte(s), 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	shot("overview", waitFor("the overview", screenHas("[1 Overview]", "Regional PACS", "X CRIT", "tickets 1")))
	keys("2")
	shot("assets", waitFor("the assets", screenHas("[2 Assets]", "pacs-db-01", "web-01")))
	keys("/")
	tmux("send-keys", "-t", "hcops", "-l", "pacs-db")
	keys("Enter")
	waitFor("the filter", func(s string) bool {
		return screenHas("1 of 3 assets", "pacs-db-01")(s) && !strings.Contains(s, "web-01")
	})
	keys("Enter")
	shot("drill", waitFor("the drill-down", screenHas("Latest results", "/data 96%", "| /dev/sdb1", "ticket #1")))
	keys("3")
	waitFor("the tickets", screenHas("[3 Alerts & tickets]", ">ticket #1 urgent open"))
	keys("a")
	shot("work", waitFor("the acknowledgement", screenHas("ticket 1: acknowledged", "ticket #1 urgent acknowledged")))
	keys("q")
	s := waitFor("the exit", func(string) bool { b, _ := os.ReadFile(exitFile); return strings.HasSuffix(string(b), "\n") })
	if got, _ := os.ReadFile(exitFile); strings.TrimSpace(string(got)) != "EXIT=0" {
		t.Errorf("exit: %q", got)
	}
	if strings.Contains(s, "Alerts & tickets") {
		t.Errorf("the terminal was not restored (the dashboard is still on screen):\n%s", s)
	}
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tk, err := db.Ticket(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	last := tk.Events[len(tk.Events)-1]
	if last.Kind != ticket.EvAck || last.Actor != "tester" {
		t.Errorf("last event %+v, want an ack by tester", last)
	}
}

// tmuxPane is a program running in a tmux session of its own (its own
// server socket), driven by keys and read by capture-pane.
type tmuxPane struct {
	t          *testing.T
	sock, name string
}

// startTmux starts shell in a detached w×h session; the server is killed
// when the test ends.
func startTmux(t *testing.T, sock, name string, w, h int, shell string) *tmuxPane {
	t.Helper()
	p := &tmuxPane{t: t, sock: sock, name: name}
	p.run("new-session", "-d", "-s", name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), shell)
	t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
	return p
}

// run runs a tmux command against this pane's server.
func (p *tmuxPane) run(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// screen is the pane's text; colours is the same with its escape codes.
func (p *tmuxPane) screen() string  { return p.run("capture-pane", "-p", "-t", p.name) }
func (p *tmuxPane) colours() string { return p.run("capture-pane", "-p", "-e", "-t", p.name) }

// keys sends tmux key names ("Enter", "/", "a").
func (p *tmuxPane) keys(k ...string) { p.run(append([]string{"send-keys", "-t", p.name}, k...)...) }

// waitFor polls the screen until ok holds, for up to 20 s.
func (p *tmuxPane) waitFor(what string, ok func(string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waiting for %s; the screen:\n%s", what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenHas holds when the screen contains every one of subs.
func screenHas(subs ...string) func(string) bool {
	return func(s string) bool {
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	}
}

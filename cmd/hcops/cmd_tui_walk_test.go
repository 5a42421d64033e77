package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"

	"github.com/cyhealth/hcops/internal/testenv"
)

// freePort is a loopback port nothing listens on (now).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serveOK serves "ok" on 127.0.0.1:port until the test ends.
func serveOK(t *testing.T, port int) {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// The README's dashboard walkthrough, end to end with the real parts: the
// shipped examples/walkthrough site (its ports moved to free ones), a live
// watcher probing every second, the dashboard in tmux. HIS's front end is
// down: the watcher's alert opens an urgent ticket; the engineer finds the
// failing host from the overview, acknowledges the ticket, the front end
// comes back, a re-inspection from the dashboard turns it green and the
// watcher resolves the alert. HCOPS_TUI_SHOTS=DIR keeps every screen as
// text and with its colours (.ansi), for the README's screenshots.
func TestTUIWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		testenv.Missing(t, "tmux is not installed (apt-get install tmux)")
	}
	dir := t.TempDir()
	hisPort, pacsPort := freePort(t), freePort(t)
	site, err := os.ReadFile(filepath.Join("..", "..", "examples", "walkthrough", "site", "site.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("18080", fmt.Sprint(hisPort), "18081", fmt.Sprint(pacsPort)).Replace(string(site))
	if text == string(site) {
		t.Fatal("examples/walkthrough/site/site.yaml no longer uses ports 18080 and 18081: update the test")
	}
	inv := filepath.Join(dir, "site")
	if err := os.MkdirAll(inv, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inv, "site.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := filepath.Abs(filepath.Join("..", "..", "examples", "walkthrough", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "history.db")
	bin := filepath.Join(dir, "hcops")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"), "HCOPS_INVENTORY=" + inv,
		"HCOPS_CONFIG=" + cfg, "HCOPS_DB=" + dbPath, "HCOPS_LANG=en", "LANG=C.UTF-8"}

	serveOK(t, pacsPort)
	watcher := exec.Command(bin, "watch", "--probe-every", "1s", "--no-jobs")
	watcher.Env = append(os.Environ(), env...)
	wlog, err := os.Create(filepath.Join(dir, "watch.log"))
	if err != nil {
		t.Fatal(err)
	}
	watcher.Stdout, watcher.Stderr = wlog, wlog
	if err := watcher.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		watcher.Process.Signal(os.Interrupt)
		watcher.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(wlog.Name())
			t.Logf("watcher log:\n%s", b)
		}
	})
	insp := exec.Command(bin, "inspect", "--playbook", "http-endpoints", "-q")
	insp.Env = append(os.Environ(), env...)
	if out, err := insp.CombinedOutput(); err == nil || !strings.Contains(string(out), "his-web-01") {
		t.Fatalf("the first inspection should find HIS down (exit 2): %v\n%s", err, out)
	}

	sock := filepath.Join(dir, "tmux.sock")
	exitFile := filepath.Join(dir, "exit")
	shell := "env " + strings.Join(env, " ") + " TERM=xterm-256color " + bin +
		" tui --playbook http-endpoints --by tester --refresh 1s; echo EXIT=$? > " + exitFile + "; sleep 60"
	pane := startTmux(t, sock, "walk", 100, 30, shell)
	waitFor, keys, has := pane.waitFor, pane.keys, screenHas
	shot := func(name string) {
		if d := os.Getenv("HCOPS_TUI_SHOTS"); d != "" {
			os.WriteFile(filepath.Join(d, "walk-"+name+".txt"), []byte(pane.screen()), 0o644)
			os.WriteFile(filepath.Join(d, "walk-"+name+".ansi"), []byte(pane.colours()), 0o644)
		}
	}

	// 1. The overview: HIS is down, with its ticket's SLA clock running.
	waitFor("HIS down on the overview", has("[1 Overview]", "Hospital information", "# DOWN", "tickets 1", "SLA in", "Problems in Hospital"))
	shot("1-overview")
	// 2. Find the failing host: its tile's assets, the host.
	keys("Enter")
	waitFor("the tile's assets", has("[2 Assets]", "his-web-01"))
	keys("Enter")
	waitFor("the drill-down", has("his-web-01", "Open tickets and alerts", "ticket #1 urgent open", "connection refused"))
	shot("2-drill")
	// 3. Acknowledge its ticket.
	keys("3")
	waitFor("the ticket", has("[3 Alerts & tickets]", ">ticket #1 urgent open"))
	keys("a")
	waitFor("the acknowledgement", has("ticket 1: acknowledged", "ticket #1 urgent acknowledged"))
	shot("3-ack")
	// 4. The front end comes back; re-inspect the host from the dashboard.
	serveOK(t, hisPort)
	keys("2")
	waitFor("back on the host", has("[2 Assets]", "his-web-01", "Latest results"))
	keys("i")
	waitFor("the run prompt", has("y starts"))
	keys("y")
	waitFor("the run", has("[4 Run]", "completed", "+ OK", "his-web-01"))
	shot("4-run")
	// 5. Green: the inspection's findings and the watcher's next probe.
	keys("1")
	s := waitFor("HIS green", func(s string) bool {
		return has("[1 Overview]", "alerts 0 tickets 1")(s) && !strings.Contains(s, "DOWN") && !strings.Contains(s, "CRIT")
	})
	shot("5-green")
	if !strings.Contains(s, "+ OK") {
		t.Errorf("the overview is not green:\n%s", s)
	}
	keys("q")
	waitFor("the exit", func(string) bool { b, _ := os.ReadFile(exitFile); return strings.HasSuffix(string(b), "\n") })
	if got, _ := os.ReadFile(exitFile); strings.TrimSpace(string(got)) != "EXIT=0" {
		t.Errorf("exit: %q", got)
	}

	// The duty-room screen of the same site: large type, no keys needed.
	wall := startTmux(t, filepath.Join(dir, "wall.sock"), "wall", 120, 36, "env "+strings.Join(env, " ")+" TERM=xterm-256color "+bin+
		" tui --wall --readonly --refresh 1s; sleep 60")
	wall.waitFor("the wall screen in large type", has("wall", "read-only", "Hospital information", "█"))
	if d := os.Getenv("HCOPS_TUI_SHOTS"); d != "" {
		os.WriteFile(filepath.Join(d, "walk-6-wall.ansi"), []byte(wall.colours()), 0o644)
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
	if tk.Asset != "his-web-01" || tk.Source != "alert" {
		t.Errorf("ticket 1: asset %s source %s, want his-web-01 opened by the alert", tk.Asset, tk.Source)
	}
	if last := tk.Events[len(tk.Events)-1]; last.Kind != ticket.EvAck || last.Actor != "tester" {
		t.Errorf("last event %+v, want an ack by tester", last)
	}
	al, err := db.Alert(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if al.Asset != "his-web-01" || al.ResolvedAt.IsZero() {
		t.Errorf("alert 1 (%s %s): resolved %v; want HIS's availability alert resolved by the watcher", al.Asset, al.Check, al.ResolvedAt)
	}
}

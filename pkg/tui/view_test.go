package tui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/result"
)

var update = flag.Bool("update", false, "rewrite the golden frames in testdata/frames")

// checkFrame compares a frame, colours stripped, with its golden file, and
// checks its shape: exactly h lines of exactly w columns (a CJK character
// counting two), so no box line is broken.
func checkFrame(t *testing.T, name string, m Model, w, h int) {
	t.Helper()
	frame := ansi.Strip(m.Frame())
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Errorf("%s: %d lines, want %d", name, len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Errorf("%s: line %d is %d columns wide, want %d: %q", name, i+1, got, w, l)
		}
	}
	path := filepath.Join("testdata", "frames", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(frame+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/tui -update)", err)
	}
	if string(want) != frame+"\n" {
		t.Errorf("%s differs from %s (go test ./pkg/tui -update rewrites it):\n%s", name, path, frame)
	}
}

// fakeRun is an Inspector that finishes every host at once except
// "hung", which answers only when the run is cancelled.
func fakeRun(ctx context.Context, assets []string, on engine.Observer) error {
	run := &result.Run{ID: 42, Kind: result.KindInspect, Status: result.RunRunning}
	on(engine.RunStarted{Run: run, Hosts: len(assets), Forks: 2, Order: assets})
	done := 0
	for _, a := range assets {
		on(engine.HostStarted{Asset: a})
		if a == "hung" {
			continue
		}
		done++
		st := result.OK
		if a == "pacs-db-01" {
			st = result.Crit
		}
		on(engine.HostDone{Asset: a, Results: []result.Result{{Asset: a, Status: st}, {Asset: a}}, Done: done, Total: len(assets)})
	}
	<-ctx.Done()
	run.Status = result.RunInterrupted
	on(engine.RunFinished{Run: run, HostsDone: done, HostsTotal: len(assets)})
	return nil
}

// runScreen starts fakeRun over pacs-db-01, his-app-01 and hung, and
// applies the events it sends until the hung host is the only one left.
func runScreen(t *testing.T, m Model) Model {
	t.Helper()
	m.deps.Inspect = fakeRun
	m.prompting, m.pendingRun = "inspect", []string{"pacs-db-01", "his-app-01", "hung"}
	nm, cmd := m.Update(keyMsg("y"))
	m = nm.(Model)
	if m.screen != scrRun || m.run == nil {
		t.Fatalf("y did not start the run: screen %d", m.screen)
	}
	if cmd == nil {
		t.Fatal("no command to wait on the run")
	}
	for i := 0; i < 20 && (m.run.Done < 2 || m.run.byName["hung"].Phase != hostRunning); i++ {
		msg := <-m.runChan()
		nm, _ = m.Update(msg)
		m = nm.(Model)
	}
	return m
}

func TestGoldenFrames(t *testing.T) {
	f := newFixture(t)
	for _, size := range []struct{ w, h int }{{80, 24}, {200, 60}} {
		sz := "-" + strconv.Itoa(size.w) + "x" + strconv.Itoa(size.h)
		for _, lang := range []string{"zh", "en"} {
			m := f.model(t, lang, size.w, size.h)
			checkFrame(t, "overview-"+lang+sz, m, size.w, size.h)
			a := press(t, m, "2")
			checkFrame(t, "assets-"+lang+sz, a, size.w, size.h)
			checkFrame(t, "drill-"+lang+sz, press(t, a, "down", "enter"), size.w, size.h)
			checkFrame(t, "work-"+lang+sz, press(t, m, "3"), size.w, size.h)
			checkFrame(t, "help-"+lang+sz, press(t, m, "?"), size.w, size.h)
			r := runScreen(t, m)
			checkFrame(t, "run-"+lang+sz, r, size.w, size.h)
			r.run.cancel()
		}
	}
	// --wall: the current system in large type where the screen allows
	// (200x60), the plain tiles where it does not (80x24).
	for _, size := range []struct{ w, h int }{{80, 24}, {200, 60}} {
		sz := "-" + strconv.Itoa(size.w) + "x" + strconv.Itoa(size.h)
		for _, lang := range []string{"zh", "en"} {
			m := f.model(t, lang, size.w, size.h, func(o *Options) { o.Wall = true })
			checkFrame(t, "wall-"+lang+sz, m, size.w, size.h)
		}
	}
	// --ascii draws the boxes with ASCII, and read-only says so.
	m := f.model(t, "zh", 80, 24, func(o *Options) { o.ASCII, o.ReadOnly = true, true })
	checkFrame(t, "overview-ascii-readonly-80x24", m, 80, 24)
}

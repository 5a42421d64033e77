package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// The run screen over a real sshd on loopback and a host that accepts the
// connection but never answers: the reachable host's results arrive and
// show while the hung one is still connecting, and the run ends with each
// host's verdict — the engine's own events, not a stand-in.
func TestRunScreenAgainstRealSSHD(t *testing.T) {
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{})
	hung := testenv.StartHungListener(t)
	host := func(name string, port int) *inventory.Asset {
		a := &inventory.Asset{Name: name, Kind: inventory.KindHost, Address: "127.0.0.1"}
		a.Connection.Port, a.Connection.User = port, sshd.User
		return a
	}
	assets := []*inventory.Asset{host("web-01", sshd.Port), host("hung-01", hung.Port)}
	pb, err := inspect.ParsePlaybook(checks.All(), "run.yaml", []byte("name: run\ntarget: 'kind=host'\nchecks:\n  - {name: work, type: command, params: {script: 'echo ok'}}\n"), "run")
	if err != nil {
		t.Fatal(err)
	}
	factory, err := connect.New(connect.Options{Identity: sshd.ClientKeyPath, KnownHosts: sshd.KnownHostsPath, ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer factory.Close()

	f := newFixture(t)
	m := f.model(t, "en", 80, 24)
	m.deps.Inspect = func(ctx context.Context, names []string, on engine.Observer) error {
		eng := &engine.Engine{Connect: factory, Lang: "en"}
		_, err := eng.Inspect(ctx, engine.InspectRequest{Assets: assets, Playbooks: []*inspect.Playbook{pb},
			ConnectTimeout: 2 * time.Second, HostTimeout: 10 * time.Second}, on)
		return err
	}
	m.prompting, m.pendingRun = "inspect", []string{"web-01", "hung-01"}
	nm, _ := m.Update(keyMsg("y"))
	m = nm.(Model)
	if m.screen != scrRun || m.run == nil {
		t.Fatalf("y did not start the run: screen %d", m.screen)
	}
	sawWebWhileHungRan := false
	deadline := time.After(30 * time.Second)
	for m.run.running() {
		select {
		case msg := <-m.runChan():
			nm, _ = m.Update(msg)
			m = nm.(Model)
		case <-deadline:
			t.Fatal("the run did not end within 30 s")
		}
		if w, h := m.run.byName["web-01"], m.run.byName["hung-01"]; w != nil && h != nil && w.Phase == hostDone && h.Phase != hostDone {
			sawWebWhileHungRan = true
			if !strings.Contains(m.Frame(), "web-01") {
				t.Errorf("the run screen does not show web-01 while hung-01 runs")
			}
		}
	}
	web, hungH := m.run.byName["web-01"], m.run.byName["hung-01"]
	if !sawWebWhileHungRan || web.Worst != result.OK || hungH.Worst != result.Unreachable || m.run.Done != 2 {
		t.Errorf("saw web done while hung ran: %v; web %s, hung %s, done %d", sawWebWhileHungRan, web.Worst, hungH.Worst, m.run.Done)
	}
}

package net

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// The whole path a daily run takes: the engine inspects a device over a
// real agent, stores the counters in the SQLite history, and the next
// run's interface rates come from them (Env.Previous); after the agent
// restarts, the system check reports it from the stored uptime.
func TestSNMPThroughEngineAndHistory(t *testing.T) {
	s := testenv.StartSNMPD(t, testenv.SNMPDOptions{})
	a := device("core-sw-01", s.Port, snmpv2c(t, s))
	pb, err := inspect.ParsePlaybook(testChecks, "snmp.yaml", []byte(`name: snmp
target: kind=network-device
checks:
  - {name: snmp-system, type: snmp-system}
  - {name: snmp-interfaces, type: snmp-interfaces, params: {include: "^lo$"}}
`), "snmp")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run := func() map[string]result.Result {
		t.Helper()
		f, err := connect.New(connect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		e := &engine.Engine{Store: db, Connect: f, Lang: "en"}
		r, err := e.Inspect(context.Background(), engine.InspectRequest{Assets: []*inventory.Asset{a}, Playbooks: []*inspect.Playbook{pb}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]result.Result{}
		for _, x := range r.Results {
			out[x.Check+"/"+x.Item] = x
		}
		return out
	}
	first := run()
	if r := first["snmp-interfaces/lo"]; !strings.Contains(r.Message, "first sample") {
		t.Fatalf("first run: %+v", first)
	}
	sendLoopback(t, 2<<20)
	time.Sleep(6 * time.Second) // past the agent's interface cache
	second := run()
	lo := second["snmp-interfaces/lo"]
	if in, ok := checktest.Metric(lo, "if.in_bps"); !ok || in <= 0 {
		t.Errorf("second run: no rate from the stored counters: %q %+v", lo.Message, lo.Metrics)
	}
	if r := second["snmp-system/"]; r.Status != result.OK || strings.Contains(r.Message, "first sample") {
		t.Errorf("second run, system: %s %q", r.Status, r.Message)
	}
	s.Restart(t)
	third := run()
	if r := third["snmp-system/"]; r.Status != result.Warn || r.Reason != "rebooted" {
		t.Errorf("after the restart, system: %s %q", r.Status, r.Message)
	}
	if r := third["snmp-interfaces/lo"]; !strings.Contains(r.Message, "restarted") {
		t.Errorf("after the restart, lo: %q", r.Message)
	}
}

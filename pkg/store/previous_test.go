package store

import (
	"context"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/result"
)

// TestPreviousResults: a check gets its own results of the asset's latest
// earlier run of the playbook, metrics attached; not another asset's, check's
// or playbook's, not the current run's, and nothing on a fresh history.
func TestPreviousResults(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	add := func(kind string, start time.Time, rs ...result.Result) int64 {
		t.Helper()
		run := &result.Run{Kind: kind, StartedAt: start, Playbooks: []string{"network-daily"}}
		if err := db.BeginRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := db.AddResults(ctx, run.ID, rs); err != nil {
			t.Fatal(err)
		}
		return run.ID
	}
	ifr := func(asset, item string, octets float64) result.Result {
		return result.Result{Asset: asset, Check: "snmp-interfaces", Playbook: "network-daily", Item: item,
			Metrics: []result.Metric{{Name: "if_in_octets", Value: octets, Unit: "B"}, {Name: "sys_uptime", Value: 100, Unit: "s"}}}
	}
	if got, err := db.PreviousResults(ctx, "inspect", "network-daily", "sw-01", "snmp-interfaces", 0); err != nil || got != nil {
		t.Fatalf("fresh history: %v, %v", got, err)
	}
	add("inspect", t0, ifr("sw-01", "eth0", 1000), ifr("sw-01", "eth1", 2000))
	add("inspect", t0.Add(time.Hour), ifr("sw-01", "eth0", 5000), ifr("sw-02", "eth0", 7),
		result.Result{Asset: "sw-01", Check: "snmp-system", Playbook: "network-daily"})
	// Another playbook and another kind of run do not count.
	add("inspect", t0.Add(2*time.Hour), result.Result{Asset: "sw-01", Check: "snmp-interfaces", Playbook: "other",
		Metrics: []result.Metric{{Name: "if_in_octets", Value: 1}}})
	add("backup", t0.Add(3*time.Hour), ifr("sw-01", "eth0", 9))
	cur := add("inspect", t0.Add(4*time.Hour), ifr("sw-01", "eth0", 9999))

	got, err := db.PreviousResults(ctx, "inspect", "network-daily", "sw-01", "snmp-interfaces", cur)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Item != "eth0" || len(got[0].Metrics) != 2 || got[0].Metrics[0].Value != 5000 || got[0].Metrics[1].Name != "sys_uptime" {
		t.Errorf("previous of sw-01 = %+v", got)
	}
	// Without excluding the current run, the current run is the latest.
	got, _ = db.PreviousResults(ctx, "inspect", "network-daily", "sw-01", "snmp-interfaces", 0)
	if len(got) != 1 || got[0].Metrics[0].Value != 9999 {
		t.Errorf("latest of sw-01 = %+v", got)
	}
	got, _ = db.PreviousResults(ctx, "inspect", "network-daily", "sw-03", "snmp-interfaces", cur)
	if got != nil {
		t.Errorf("unknown asset: %+v", got)
	}
}

package engine

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks"
	"github.com/cyhealth/hcops/pkg/connect"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// localFleet is n local assets (run on this machine) and a playbook of one
// command check, slow when asked.
func localFleet(t *testing.T, n int, script string) ([]*inventory.Asset, []*inspect.Playbook) {
	t.Helper()
	var assets []*inventory.Asset
	for i := 0; i < n; i++ {
		a := &inventory.Asset{Name: "host-" + string(rune('a'+i)), Kind: "host", Address: "127.0.0.1"}
		a.Connection.Transport = inventory.TransportLocal
		assets = append(assets, a)
	}
	pb, err := inspect.ParsePlaybook(checks.All(), "test.yaml", []byte("name: test\ntarget: 'kind=host'\nchecks:\n  - name: work\n    type: command\n    params: {script: "+quote(script)+"}\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	return assets, []*inspect.Playbook{pb}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func newEngine(t *testing.T, withStore bool) *Engine {
	t.Helper()
	f, err := connect.New(connect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	e := &Engine{Connect: f, Lang: "en"}
	if withStore {
		db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		e.Store = db
	}
	return e
}

// recorder keeps the events of a run.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) on(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events {
		switch ev.(type) {
		case RunStarted:
			out = append(out, "started")
		case HostStarted:
			out = append(out, "host")
		case HostDone:
			out = append(out, "done")
		case ResultsStored:
			out = append(out, "stored")
		case RunFinished:
			out = append(out, "finished")
		}
	}
	return out
}

// The events of a run come in the order a consumer relies on: the run
// starts, each host starts before it is done, each host's results are
// stored before it is reported done, and the run finishes last, with the
// run returned in the order of the request.
func TestInspectEvents(t *testing.T) {
	assets, pbs := localFleet(t, 4, "echo 7")
	e := newEngine(t, true)
	log := &memAudit{}
	e.Audit = log
	var rec recorder
	run, err := e.Inspect(context.Background(), InspectRequest{Assets: assets, Playbooks: pbs, Forks: 2, InventorySize: 4}, rec.on)
	if err != nil {
		t.Fatal(err)
	}
	k := rec.kinds()
	if k[0] != "started" || k[len(k)-1] != "finished" {
		t.Fatalf("events %v", k)
	}
	count := map[string]int{}
	for _, x := range k {
		count[x]++
	}
	if count["host"] != 4 || count["done"] != 4 || count["stored"] != 4 {
		t.Errorf("events %v", k)
	}
	seen := map[string]string{}
	for _, ev := range rec.events {
		switch ev := ev.(type) {
		case HostStarted:
			seen[ev.Asset] = "started"
		case ResultsStored:
			if seen[ev.Asset] != "started" || ev.Err != nil {
				t.Errorf("%s stored before it started (%v)", ev.Asset, ev.Err)
			}
			seen[ev.Asset] = "stored"
		case HostDone:
			if seen[ev.Asset] != "stored" {
				t.Errorf("%s done before its results were stored", ev.Asset)
			}
			if ev.Total != 4 || ev.Done < 1 || ev.Done > 4 || len(ev.Results) != 1 {
				t.Errorf("HostDone %+v", ev)
			}
		}
	}
	last := rec.events[len(rec.events)-1].(RunFinished)
	if last.Interrupted() || last.HostsDone != 4 || run.Status != result.RunCompleted || run.ID == 0 {
		t.Errorf("finished %+v, run %s id %d", last, run.Status, run.ID)
	}
	for i, r := range run.Results {
		if r.Asset != assets[i].Name || r.Status != result.OK {
			t.Errorf("result %d: %s %s", i, r.Asset, r.Status)
		}
	}
	if run.Operator == "" || run.RanFrom == "" || run.Inventory != 4 || run.Assets != 4 {
		t.Errorf("run identity: %+v", run)
	}
	stored, err := e.Store.LatestRun(context.Background(), result.KindInspect)
	if err != nil || stored.ID != run.ID || stored.Status != result.RunCompleted {
		t.Errorf("stored run: %+v %v", stored, err)
	}
	// The inspection is one line of the audit log.
	if len(log.recs) != 1 || log.recs[0].Action != "inspect" || len(log.recs[0].Targets) != 4 || log.recs[0].Outcome != result.RunCompleted {
		t.Errorf("audit: %+v", log.recs)
	}
}

// Ctrl-C in the middle: the run ends promptly as interrupted, the hosts
// that finished are kept and stored, the others are left out.
func TestInspectInterrupted(t *testing.T) {
	assets, pbs := localFleet(t, 3, "case $(hostname) in *) sleep 30;; esac")
	fast, fpbs := localFleet(t, 1, "echo fast")
	fast[0].Name = "fast-01"
	_ = fpbs
	e := newEngine(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	var rec recorder
	go func() {
		for {
			rec.mu.Lock()
			n := len(rec.events)
			rec.mu.Unlock()
			if n >= 3 {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	start := time.Now()
	run, err := e.Inspect(ctx, InspectRequest{Assets: append(fast, assets...), Playbooks: pbs, Forks: 4}, rec.on)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("interrupt was not prompt")
	}
	fin := rec.events[len(rec.events)-1].(RunFinished)
	if !fin.Interrupted() || run.Status != result.RunInterrupted || fin.HostsTotal != 4 || fin.HostsDone >= 4 {
		t.Errorf("finished %+v status %s", fin, run.Status)
	}
	stored, _ := e.Store.LatestRun(context.Background(), result.KindInspect)
	if stored.Status != result.RunInterrupted {
		t.Errorf("stored status %s", stored.Status)
	}
}

// A run without a store (--no-store) emits no ResultsStored and keeps no
// history; a plan with nothing to do is ErrNothingToInspect; a missing key
// file stops the run before any host.
func TestInspectWithoutStoreAndRefusals(t *testing.T) {
	assets, pbs := localFleet(t, 2, "echo ok")
	e := newEngine(t, false)
	var rec recorder
	run, err := e.Inspect(context.Background(), InspectRequest{Assets: assets, Playbooks: pbs}, rec.on)
	if err != nil || run.ID != 0 || len(run.Results) != 2 {
		t.Fatalf("run %+v %v", run, err)
	}
	for _, k := range rec.kinds() {
		if k == "stored" {
			t.Errorf("ResultsStored without a store")
		}
	}
	pb, _ := inspect.ParsePlaybook(checks.All(), "t.yaml", []byte("name: t\ntarget: 'kind=database'\nchecks:\n  - {name: w, type: command, params: {script: 'echo'}}\n"), "t")
	if _, err := e.Inspect(context.Background(), InspectRequest{Assets: assets, Playbooks: []*inspect.Playbook{pb}}, nil); err != ErrNothingToInspect {
		t.Errorf("nothing to inspect: %v", err)
	}
	remote := &inventory.Asset{Name: "web-01", Kind: "host", Address: "127.0.0.1"}
	remote.Connection.KeyFile = "/missing/key"
	_, err = e.Inspect(context.Background(), InspectRequest{Assets: []*inventory.Asset{remote}, Playbooks: pbs}, rec.on)
	if fe, ok := err.(*connect.FileError); !ok || fe.Asset != "web-01" || fe.Path != "/missing/key" {
		t.Errorf("missing key file: %v", err)
	}
	// An asset checked by probes alone is not reached over SSH: its
	// (inherited) key file is not needed, and the probe runs.
	sw := &inventory.Asset{Name: "sw-01", Kind: inventory.KindNetworkDevice, Address: "127.0.0.1", Port: 1}
	sw.Connection.KeyFile, sw.Connection.Transport = "/missing/key", inventory.TransportNone
	probe, _ := inspect.ParsePlaybook(checks.All(), "p.yaml", []byte("name: p\ntarget: 'kind=network-device'\nchecks:\n  - {name: port, type: tcp-connect, params: {timeout: 1s}}\n"), "p")
	run, err = e.Inspect(context.Background(), InspectRequest{Assets: []*inventory.Asset{sw}, Playbooks: []*inspect.Playbook{probe}}, nil)
	if err != nil || len(run.Results) != 1 || run.Results[0].Type != "tcp-connect" {
		t.Errorf("probe-only asset with a missing key file: %v %+v", err, run)
	}
}

// Stream: the returned run holds no results (they came in HostDone), but
// its counts and worst status are those of every result.
func TestInspectStream(t *testing.T) {
	assets, pbs := localFleet(t, 3, "echo 7")
	e := newEngine(t, false)
	n := 0
	run, err := e.Inspect(context.Background(), InspectRequest{Assets: assets, Playbooks: pbs, Stream: true}, func(ev Event) {
		if d, ok := ev.(HostDone); ok {
			n += len(d.Results)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Results) != 0 || n != 3 || run.Counts.OK != 3 || run.Worst != result.OK {
		t.Errorf("results kept %d, streamed %d, counts %+v worst %s", len(run.Results), n, run.Counts, run.Worst)
	}
}

// The run's inventory snapshot holds every planned asset, those checked by
// probes or SQL alone too: reports read their addresses and database
// settings from it (the db report lost them when only SSH hosts were kept).
func TestInspectSnapshotKeepsProbeOnlyAssets(t *testing.T) {
	e := newEngine(t, true)
	sw := &inventory.Asset{Name: "sw-01", Kind: inventory.KindNetworkDevice, Address: "127.0.0.1", Port: 1}
	sw.Connection.Transport = inventory.TransportNone
	probe, _ := inspect.ParsePlaybook(checks.All(), "p.yaml", []byte("name: p\ntarget: 'kind=network-device'\nchecks:\n  - {name: port, type: tcp-connect, params: {timeout: 1s}}\n"), "p")
	run, err := e.Inspect(context.Background(), InspectRequest{Assets: []*inventory.Asset{sw}, Playbooks: []*inspect.Playbook{probe}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := e.Store.Snapshot(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	var snap []*inventory.Asset
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap) != 1 || snap[0].Name != "sw-01" || snap[0].Port != 1 {
		t.Errorf("snapshot %s, want sw-01 with its port", data)
	}
}

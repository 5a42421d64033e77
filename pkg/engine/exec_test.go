package engine

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/audit"
)

// memAudit keeps records in memory (the file log has its own tests).
type memAudit struct {
	mu   sync.Mutex
	recs []audit.Record
}

func (m *memAudit) Append(r audit.Record) (audit.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Seq = int64(len(m.recs) + 1)
	m.recs = append(m.recs, r)
	return r, nil
}

// Exec runs on every host and returns outputs in the request's order with
// their exit codes; a host past its deadline has no exit status and the
// command is killed; the action is audited with each host's exit code.
func TestExec(t *testing.T) {
	assets, _ := localFleet(t, 4, "true")
	e := newEngine(t, false)
	log := &memAudit{}
	e.Audit = log
	script := "echo same"
	run, err := e.Exec(context.Background(), ExecRequest{Assets: assets, Script: script, Name: "echo same"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Outputs) != 4 || run.Interrupted {
		t.Fatalf("outputs %+v", run.Outputs)
	}
	for i, o := range run.Outputs {
		if o.Asset != assets[i].Name || o.ExitCode != 0 || o.Stdout != "same\n" {
			t.Errorf("output %d: %+v", i, o)
		}
	}
	if len(log.recs) != 1 || log.recs[0].Action != "exec" || log.recs[0].Outcome != "ok" || len(log.recs[0].Exit) != 4 || log.recs[0].Command != "echo same" || run.AuditSeq != 1 {
		t.Errorf("audit %+v, seq %d", log.recs, run.AuditSeq)
	}

	start := time.Now()
	run, err = e.Exec(context.Background(), ExecRequest{Assets: assets[:2], Script: "sleep 30", Name: "sleep 30", HostTimeout: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("the deadline did not bound the hosts")
	}
	for _, o := range run.Outputs {
		if o.Reached() || o.ExitCode != -1 || o.Reason != "timeout" || !strings.Contains(o.Error, "deadline") {
			t.Errorf("hung host: %+v", o)
		}
	}
	run, _ = e.Exec(context.Background(), ExecRequest{Assets: assets[:1], Script: "echo oops >&2; exit 3", Name: "x", ScriptFile: "fix.sh"}, nil)
	if o := run.Outputs[0]; o.ExitCode != 3 || o.Stderr != "oops\n" {
		t.Errorf("failing command: %+v", o)
	}
	if r := log.recs[len(log.recs)-1]; r.Outcome != "failed" || r.File != "fix.sh" || !strings.HasPrefix(r.FileHash, "sha256:") || r.Exit[assets[0].Name] != 3 {
		t.Errorf("audit of a failed script: %+v", r)
	}
	if _, err := e.Exec(context.Background(), ExecRequest{}, nil); err != ErrNoTargets {
		t.Errorf("no targets: %v", err)
	}
}

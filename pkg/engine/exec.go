package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/user"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/audit"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/transport"
)

// ExecRequest runs one command or script on many hosts.
type ExecRequest struct {
	Assets []*inventory.Asset
	// Script is what runs on each host with /bin/sh (a command line, or a
	// script file's text). Name says what it is for the audit log: the
	// command line, or "script FILE".
	Script string
	Name   string
	// ScriptFile is the script's file name, hashed into the audit record.
	ScriptFile string
	// Become runs it through sudo on every host (as the asset's
	// become_user, root by default), whatever the inventory says.
	Become bool
	// Forks bounds hosts at once; HostTimeout bounds one host, connection
	// included; ConnectTimeout bounds the connection.
	Forks                       int
	HostTimeout, ConnectTimeout time.Duration
}

// HostOutput is what one host gave back.
type HostOutput struct {
	Asset    string `json:"asset"`
	ExitCode int    `json:"exit_code"` // -1: no exit status (unreachable, deadline, killed)
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	// Error says why there is no exit status: the host could not be
	// reached, or the deadline passed. Reason is its machine-readable
	// cause (refused, timeout, auth, ...).
	Error      string `json:"error,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Truncated  bool   `json:"truncated,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// Reached reports whether the command ran to an exit status.
func (o HostOutput) Reached() bool { return o.Error == "" }

// ExecDone: a host finished (event of Exec).
type ExecDone struct {
	Output      HostOutput
	Done, Total int
}

func (ExecDone) isEvent() {}

// ExecRun is what Exec returns: every host's output in the order of the
// request, and the audit record written for it.
type ExecRun struct {
	Outputs     []HostOutput `json:"hosts"`
	StartedAt   time.Time    `json:"started_at"`
	DurationMS  int64        `json:"duration_ms"`
	Interrupted bool         `json:"interrupted,omitempty"`
	AuditSeq    int64        `json:"audit_seq,omitempty"`
}

// ErrNoTargets: the selection matched no asset.
var ErrNoTargets = errors.New("no asset matches the selection")

// Exec runs req.Script on every asset, Forks at a time, each under
// HostTimeout, and records the action in the audit log (Audit; nil: not
// audited — tests only) before returning. A host that cannot be reached is
// an output with ExitCode -1 and an Error, never an error of Exec.
func (e *Engine) Exec(ctx context.Context, req ExecRequest, on Observer) (*ExecRun, error) {
	if len(req.Assets) == 0 {
		return nil, ErrNoTargets
	}
	if err := e.Connect.Preflight(req.Assets); err != nil {
		return nil, err
	}
	forks := req.Forks
	if forks <= 0 {
		forks = 32
	}
	timeout := req.HostTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	run := &ExecRun{StartedAt: e.now()}
	var mu sync.Mutex
	n := 0
	out, done := fanOut(ctx, len(req.Assets), forks, func(i int) (HostOutput, bool) {
		a := req.Assets[i]
		on.emitLocked(&mu, HostStarted{Asset: a.Name})
		o := e.execHost(ctx, a, req, timeout)
		if ctx.Err() != nil && !o.Reached() {
			return o, false // interrupted: not a verdict on the host
		}
		mu.Lock()
		n++
		on.emit(ExecDone{Output: o, Done: n, Total: len(req.Assets)})
		mu.Unlock()
		return o, true
	})
	run.Outputs = kept(out, done)
	run.Interrupted = len(run.Outputs) < len(req.Assets)
	run.DurationMS = e.now().Sub(run.StartedAt).Milliseconds()
	if e.Audit != nil {
		rec := execRecord(req, run)
		saved, err := e.Audit.Append(rec)
		if err != nil {
			return run, &AuditError{Err: err}
		}
		run.AuditSeq = saved.Seq
	}
	return run, nil
}

// AuditError: the action ran but could not be recorded in the audit log.
type AuditError struct{ Err error }

func (e *AuditError) Error() string { return "audit log: " + e.Err.Error() }
func (e *AuditError) Unwrap() error { return e.Err }

func (o Observer) emitLocked(mu *sync.Mutex, ev Event) {
	mu.Lock()
	defer mu.Unlock()
	o.emit(ev)
}

func (e *Engine) execHost(ctx context.Context, a *inventory.Asset, req ExecRequest, timeout time.Duration) HostOutput {
	start := time.Now()
	o := HostOutput{Asset: a.Name, ExitCode: -1}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	target := a
	if req.Become && !a.Connection.Become {
		cp := *a
		cp.Connection.Become = true
		target = &cp
	}
	dctx, dcancel := context.WithTimeout(hctx, connectTimeout(req.ConnectTimeout))
	r, err := e.Connect.Runner(dctx, target)
	dcancel()
	if err != nil {
		o.Error, o.Reason = err.Error(), transport.ReasonOf(err)
		if o.Reason == "" && hctx.Err() != nil {
			o.Reason = "timeout"
		}
		o.DurationMS = time.Since(start).Milliseconds()
		return o
	}
	defer r.Close()
	res, err := r.Run(hctx, req.Script)
	o.Stdout, o.Stderr, o.Truncated = string(res.Stdout), string(res.Stderr), res.Truncated
	o.DurationMS = time.Since(start).Milliseconds()
	switch {
	case err != nil && hctx.Err() != nil && ctx.Err() == nil:
		o.Error, o.Reason = "no exit status within "+timeout.String()+" (the host's deadline passed; the command was killed)", "timeout"
	case err != nil:
		o.Error, o.Reason = err.Error(), transport.ReasonOf(err)
	default:
		o.ExitCode = res.ExitCode
	}
	return o
}

func connectTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return transport.DefaultConnectTimeout
	}
	return d
}

// execRecord is the audit record of an exec: who, where from, the targets,
// the command (or the script file and its hash) and each host's exit code.
func execRecord(req ExecRequest, run *ExecRun) audit.Record {
	rec := audit.Record{Time: run.StartedAt, Action: "exec", Command: req.Name, DurationMS: run.DurationMS, Exit: map[string]int{}}
	if u, err := user.Current(); err == nil {
		rec.User = u.Username
	}
	rec.From, _ = os.Hostname()
	for _, a := range req.Assets {
		rec.Targets = append(rec.Targets, a.Name)
	}
	sort.Strings(rec.Targets)
	if req.ScriptFile != "" {
		sum := sha256.Sum256([]byte(req.Script))
		rec.File, rec.FileHash = req.ScriptFile, "sha256:"+hex.EncodeToString(sum[:])
	}
	failed := false
	for _, o := range run.Outputs {
		rec.Exit[o.Asset] = o.ExitCode
		failed = failed || o.ExitCode != 0
	}
	switch {
	case run.Interrupted:
		rec.Outcome = "interrupted"
	case failed:
		rec.Outcome = "failed"
	default:
		rec.Outcome = "ok"
	}
	if req.Become {
		rec.Note = strings.TrimSpace(rec.Note + " become")
	}
	return rec
}

// fanOut calls work for 0..n-1, forks at a time, until ctx is done, and
// returns what each call gave and whether it is kept (a call that returned
// false, or never ran because ctx ended, is not).
func fanOut[T any](ctx context.Context, n, forks int, work func(i int) (T, bool)) ([]T, []bool) {
	out := make([]T, n)
	kept := make([]bool, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(max(forks, 1), n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i], kept[i] = work(i)
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return out, kept
}

// kept returns the values fanOut kept, in order.
func kept[T any](out []T, keep []bool) []T {
	var k []T
	for i := range out {
		if keep[i] {
			k = append(k, out[i])
		}
	}
	return k
}

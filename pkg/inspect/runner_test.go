package inspect

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"

	"github.com/cyhealth/hcops/internal/testenv"
)

// shConn runs scripts with this machine's real /bin/sh: the runner's own
// behaviour (batching, deadlines, evidence) is under test here; SSH is
// exercised end to end against a real sshd in cmd/hcops.
type shConn struct {
	name string
	mu   sync.Mutex
	runs int
}

func (c *shConn) Run(ctx context.Context, script string) (transport.Output, error) {
	c.mu.Lock()
	c.runs++
	c.mu.Unlock()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "/bin/sh")
	cmd.Stdin = strings.NewReader(script)
	cmd.WaitDelay = 100 * time.Millisecond
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := transport.Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Duration: time.Since(start), ExitCode: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		return o, ctx.Err()
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return o, err
	}
	return o, nil
}
func (c *shConn) Target() string { return c.name }
func (c *shConn) Close() error   { return nil }

type fakeDialer struct {
	mu    sync.Mutex
	conns map[string]*shConn
	dials map[string]int
}

func (f *fakeDialer) dial(ctx context.Context, a *inventory.Asset) (transport.Runner, error) {
	f.mu.Lock()
	if f.dials == nil {
		f.dials, f.conns = map[string]int{}, map[string]*shConn{}
	}
	f.dials[a.Name]++
	f.mu.Unlock()
	switch a.Address {
	case "refused":
		return nil, &transport.UnreachableError{Target: a.Name, Reason: result.ReasonRefused, Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}
	case "hung-ignores-ctx":
		time.Sleep(3 * time.Second)
		return &shConn{name: a.Name}, nil
	}
	c := &shConn{name: a.Name}
	f.mu.Lock()
	f.conns[a.Name] = c
	f.mu.Unlock()
	return c, nil
}

func planFor(t *testing.T, src string, assets ...*inventory.Asset) *Plan {
	t.Helper()
	p, err := BuildPlan(PlanInput{Assets: assets, Playbooks: []*Playbook{mustPlaybook(t, src)}, Match: kvMatch})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func byAssetCheck(rs []result.Result) map[string]result.Result {
	m := map[string]result.Result{}
	for _, r := range rs {
		m[r.Asset+"/"+r.Check] = r
	}
	return m
}

func TestRunnerOneConnectionOneScriptPerHost(t *testing.T) {
	p := planFor(t, `name: daily
checks:
  - {name: a, type: testonly-shell, warn: "40", advice: "look at a"}
  - {name: b, type: testonly-shell, params: {cmd: "echo 7; exit 3"}}
  - {name: c, type: testonly-shell, params: {cmd: "echo oops"}}
  - {name: p, type: testonly-probe, params: {status: CRIT}}
`,
		&inventory.Asset{Name: "web-01", Kind: "host", System: "pacs", Zone: "intranet", Address: "ok"},
		&inventory.Asset{Name: "web-02", Kind: "host", Address: "refused"},
	)
	fd := &fakeDialer{}
	var progress []int
	var onHost []string
	r := &Runner{Dial: fd.dial, Forks: 1,
		Progress: func(done, total, problems int) { progress = append(progress, done, total, problems) },
		OnHost:   func(h *HostPlan, rs []result.Result) { onHost = append(onHost, h.Name) },
	}
	out := r.Run(context.Background(), p)
	if out.Interrupted || out.HostsDone != 2 {
		t.Fatalf("outcome = %+v", out)
	}
	if fd.dials["web-01"] != 1 || fd.conns["web-01"].runs != 1 {
		t.Errorf("web-01: %d dials, %d runs; want one connection and one script", fd.dials["web-01"], fd.conns["web-01"].runs)
	}
	m := byAssetCheck(out.Results)
	a := m["web-01/a"]
	if a.Status != result.Warn || *a.Value != 42 || a.Warn != "40" || a.Advice != "look at a" ||
		a.System != "pacs" || a.Zone != "intranet" || a.Playbook != "daily" || a.Type != "testonly-shell" || a.StartedAt.IsZero() {
		t.Errorf("web-01/a = %+v", a)
	}
	if b := m["web-01/b"]; b.Status != result.OK || *b.Value != 7 {
		t.Errorf("web-01/b (non-zero exit, still evaluated) = %+v", b)
	}
	if c := m["web-01/c"]; c.Status != result.Unknown || c.Evidence != "oops\n" {
		t.Errorf("web-01/c (not OK gets the collector output as evidence) = %+v", c)
	}
	if pr := m["web-01/p"]; pr.Status != result.Crit || pr.Message != "probe web-01" {
		t.Errorf("web-01/p = %+v", pr)
	}
	// The unreachable host has one result, plus its probes (they do not
	// need the SSH connection).
	var web2 []string
	for _, r := range out.Results {
		if r.Asset == "web-02" {
			web2 = append(web2, r.Check)
		}
	}
	if strings.Join(web2, ",") != "connect,p" {
		t.Errorf("web-02 results = %v", web2)
	}
	u := m["web-02/connect"]
	if u.Status != result.Unreachable || u.Reason != result.ReasonRefused ||
		!strings.Contains(u.Message, "web-02 unreachable (refused): dial tcp") || !strings.Contains(u.Advice, "sshd") {
		t.Errorf("web-02/connect = %+v", u)
	}
	// Its meaning renders it in the other language (a report in Chinese of
	// a run under LANG=C); the network error is raw text in both.
	if zh := u.MessageIn("zh"); u.Code != "inspect.run.unreachable" || !strings.HasPrefix(zh, "web-02 无法连接（refused）：dial tcp") ||
		u.AdviceCode != "transport.advice.refused" || !strings.Contains(u.AdviceIn("zh"), "sshd 已启动") {
		t.Errorf("web-02/connect in Chinese: %q / %q (code %q, advice code %q)", zh, u.AdviceIn("zh"), u.Code, u.AdviceCode)
	}
	if strings.Join(onHost, ",") != "web-01,web-02" || len(progress) != 6 || progress[3] != 2 || progress[5] != 2 {
		t.Errorf("callbacks: hosts %v, progress %v", onHost, progress)
	}
}

func TestRunnerHostDeadline(t *testing.T) {
	p := planFor(t, `name: slow
checks:
  - {name: first, type: testonly-shell}
  - {name: hang, type: testonly-shell, params: {cmd: "sleep 30"}}
`, &inventory.Asset{Name: "slow-01", Kind: "host", Address: "ok"})
	r := &Runner{Dial: (&fakeDialer{}).dial, HostTimeout: 500 * time.Millisecond}
	out := r.Run(context.Background(), p)
	m := byAssetCheck(out.Results)
	if f := m["slow-01/first"]; f.Status != result.OK {
		t.Errorf("the section that finished before the deadline is evaluated: %+v", f)
	}
	h := m["slow-01/hang"]
	if h.Status != result.Unknown || h.Reason != result.ReasonTimeout || !strings.Contains(h.Message, "host deadline (500ms)") {
		t.Errorf("hang = %+v", h)
	}
	if zh := h.MessageIn("zh"); h.Code != "inspect.run.deadline" || !strings.Contains(zh, "主机时限（500ms）") || !strings.Contains(h.AdviceIn("zh"), "调大 --host-timeout") {
		t.Errorf("hang in Chinese: %q / %q", zh, h.AdviceIn("zh"))
	}
}

func TestRunnerDialIgnoringContext(t *testing.T) {
	p := planFor(t, "name: x\nchecks:\n  - {name: a, type: testonly-shell}\n",
		&inventory.Asset{Name: "hung-01", Kind: "host", Address: "hung-ignores-ctx"})
	r := &Runner{Dial: (&fakeDialer{}).dial, ConnectTimeout: 100 * time.Millisecond}
	out := r.Run(context.Background(), p)
	if len(out.Results) != 1 || out.Results[0].Status != result.Unreachable || out.Results[0].Reason != result.ReasonTimeout {
		t.Errorf("results = %+v", out.Results)
	}
}

func TestRunnerInterrupt(t *testing.T) {
	var assets []*inventory.Asset
	for _, n := range []string{"h1", "h2", "h3", "h4"} {
		assets = append(assets, &inventory.Asset{Name: n, Kind: "host", Address: "ok"})
	}
	p := planFor(t, "name: x\nchecks:\n  - {name: a, type: testonly-shell, params: {cmd: \"sleep 0.2; echo 1\"}}\n", assets...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stored []string
	r := &Runner{Dial: (&fakeDialer{}).dial, Forks: 2,
		OnHost: func(h *HostPlan, rs []result.Result) {
			stored = append(stored, h.Name)
			cancel() // Ctrl-C right after the first host finished
		}}
	out := r.Run(ctx, p)
	if !out.Interrupted {
		t.Fatal("run not marked interrupted")
	}
	if out.HostsDone != len(stored) || len(out.Results) != len(stored) || len(stored) == 0 || len(stored) > 2 {
		t.Errorf("done %d, stored %v, results %d", out.HostsDone, stored, len(out.Results))
	}
}

func TestRunnerBadItemsAndPanics(t *testing.T) {
	p := planFor(t, `name: x
checks:
  - {name: bad, type: testonly-shell}
  - {name: boom, type: testonly-probe, params: {panic: true}}
  - {name: big, type: testonly-shell, params: {cmd: "i=0; while [ $i -lt 3000 ]; do echo 'line of junk'; i=$((i+1)); done"}}
  - {name: typed, type: testonly-typed}
`, &inventory.Asset{Name: "h", Kind: "host", Address: "ok", Checks: map[string]inventory.CheckOverride{
		"bad": {Warn: "zz"}, "typed": {Params: map[string]any{"count": "many"}}}})
	out := (&Runner{Dial: (&fakeDialer{}).dial}).Run(context.Background(), p)
	m := byAssetCheck(out.Results)
	if b := m["h/bad"]; b.Status != result.Unknown || !strings.Contains(b.Message, `override checks.bad for h: threshold "zz"`) {
		t.Errorf("bad = %+v", b)
	}
	// The asset's bad override reads in the run's language, and in the
	// other one in a report.
	if b := m["h/bad"]; b.MessageIn("zh") != `检查项 bad：资产 h 的 checks.bad 覆盖设置：阈值 "zz"：上限 "zz" 有误（应为数字）` {
		t.Errorf("bad in Chinese: %q", b.MessageIn("zh"))
	}
	b := m["h/typed"]
	if want := `check typed: parameter count: want a whole number, got "many" (override checks.typed for h)`; b.Status != result.Unknown || b.Reason != "config" || b.Message != want {
		t.Errorf("typed = %s %s %q, want %q", b.Status, b.Reason, b.Message, want)
	}
	if zh := b.MessageIn("zh"); zh != `检查项 typed 的参数 count：应为整数，实际为 "many"（资产 h 的 checks.typed 覆盖设置）` {
		t.Errorf("typed in Chinese: %q", zh)
	}
	if b := m["h/boom"]; b.Status != result.Unknown || !strings.Contains(b.Message, "internal error in check type testonly-probe: boom") {
		t.Errorf("boom = %+v", b)
	}
	if b := m["h/big"]; b.Status != result.Unknown || len(b.Evidence) != DefaultMaxEvidence || !b.EvidenceTruncated {
		t.Errorf("big: status %s, evidence %d bytes, truncated %v", b.Status, len(b.Evidence), b.EvidenceTruncated)
	}
}

func TestTruncateUTF8(t *testing.T) {
	s := "ab巡检" // 2 + 3 + 3 bytes
	for n, want := range map[int]string{2: "ab", 3: "ab", 4: "ab", 5: "ab巡", 7: "ab巡", 8: s, 100: s} {
		if got := truncateUTF8(s, n); got != want {
			t.Errorf("truncateUTF8(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRunnerCheckTimeout(t *testing.T) {
	if exec.Command("timeout", "--version").Run() != nil {
		testenv.Missing(t, "coreutils timeout not installed")
	}
	p := planFor(t, `name: x
checks:
  - {name: quick, type: testonly-shell, timeout_sec: 5}
  - {name: stuck, type: testonly-shell, timeout_sec: 1, params: {cmd: "echo 1; sleep 30"}}
  - {name: after, type: testonly-shell}
`, &inventory.Asset{Name: "h", Kind: "host", Address: "ok"})
	out := (&Runner{Dial: (&fakeDialer{}).dial, HostTimeout: 20 * time.Second}).Run(context.Background(), p)
	m := byAssetCheck(out.Results)
	if q := m["h/quick"]; q.Status != result.OK || *q.Value != 42 {
		t.Errorf("quick = %+v", q)
	}
	if s := m["h/stuck"]; s.Status != result.Unknown || s.Reason != result.ReasonTimeout || !strings.Contains(s.Message, "killed after timeout_sec 1s") {
		t.Errorf("stuck = %+v", s)
	}
	if a := m["h/after"]; a.Status != result.OK {
		t.Errorf("the check after a killed one still runs: %+v", a)
	}
}

// A check sees the earlier inspection the history knows of, and a zero
// Since when there is none (a fresh history, or --no-store): "rebooted
// after the last inspection at <24 h ago>" was invented from a default.
func TestRunnerSinceWithoutEarlierInspection(t *testing.T) {
	p := planFor(t, "name: daily\nchecks:\n  - {name: s, type: testonly-probe, params: {show_since: true}}\n",
		&inventory.Asset{Name: "old", Kind: "host", Address: "ok"},
		&inventory.Asset{Name: "new", Kind: "host", Address: "ok"})
	last := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	r := &Runner{Dial: (&fakeDialer{}).dial, Since: func(asset, playbook string) (time.Time, bool) {
		if asset == "old" && playbook == "daily" {
			return last, true
		}
		return time.Time{}, false
	}}
	m := byAssetCheck(r.Run(context.Background(), p).Results)
	if got := m["old/s"].Message; got != "since 2026-03-01T08:00:00Z" {
		t.Errorf("asset inspected before: %q", got)
	}
	if got := m["new/s"].Message; got != "since none" {
		t.Errorf("asset never inspected: %q, want a zero Since", got)
	}
	// No history at all (--no-store).
	m = byAssetCheck((&Runner{Dial: (&fakeDialer{}).dial}).Run(context.Background(), p).Results)
	if got := m["old/s"].Message; got != "since none" {
		t.Errorf("without history: %q, want a zero Since", got)
	}
}

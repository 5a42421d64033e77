package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
)

// seedMetricsHistory stores one inspection run by another runner: web-01
// (system his, zone intranet) has a CRIT disk.
func seedMetricsHistory(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	h, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	at := time.Now().Add(-time.Hour)
	run := &result.Run{Kind: result.KindInspect, StartedAt: at, Runner: "runner-intranet", Zone: "intranet"}
	if err := h.BeginRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	r := result.Result{Asset: "web-01", System: "his", Zone: "intranet", Check: "disk:/data", Type: "disk", Item: "/data",
		Status: result.Crit, Message: "97%", StartedAt: at}
	r.SetValue(97, "%")
	if err := h.AddResults(ctx, run.ID, []result.Result{r}); err != nil {
		t.Fatal(err)
	}
	run.Status, run.FinishedAt = result.RunCompleted, at.Add(time.Minute)
	if err := h.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
}

// scrape GETs http://addr/metrics and parses it (nil when it fails).
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil
	}
	return parseMetrics(t, body)
}

func parseMetrics(t *testing.T, text []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("parse metrics: %v\n%s", err, text)
	}
	return mfs
}

// metricValue returns the value of the one series of name whose labels
// include want.
func metricValue(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
	for _, m := range mf.Metric {
		ok := true
		for k, v := range want {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

const metricsInventory = `systems:
  - {name: his, criticality: core}
assets:
  - {name: web-01, kind: host, system: his, zone: intranet, address: 127.0.0.1, connection: {port: %d}}
  - {name: db-01, kind: host, system: his, zone: intranet, address: 127.0.0.1, connection: {port: %d}}
`

// hcops metrics --textfile writes the whole file for node_exporter: it
// parses, carries the finding with its inventory labels, is no wider than
// 0644 and leaves no temporary file; without --textfile the same goes to
// stdout. Bad flags exit 3.
func TestMetricsTextfile(t *testing.T) {
	dir := t.TempDir()
	e := &inspectEnv{dir: dir, inv: filepath.Join(dir, "inventory.yaml"), db: filepath.Join(dir, "history.db")}
	os.WriteFile(e.inv, []byte(fmt.Sprintf(metricsInventory, 22, 22)), 0o644)
	seedMetricsHistory(t, e.db)
	crit := map[string]string{"asset": "web-01", "system": "his", "zone": "intranet", "check": "disk:/data", "item": "/data"}

	out := filepath.Join(dir, "textfile", "hcops.prom")
	code, stdout, stderr := e.hcops(context.Background(), t, "metrics", "--textfile", out)
	if code != 0 || stdout != "" {
		t.Fatalf("metrics --textfile: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	mfs := parseMetrics(t, data)
	if v, ok := metricValue(mfs, "hcops_check_status", crit); !ok || v != float64(result.Crit) {
		t.Errorf("hcops_check_status%v = %v (%v), want 3\n%s", crit, v, ok, data)
	}
	if v, ok := metricValue(mfs, "hcops_run_last_start_timestamp_seconds", map[string]string{"kind": "inspect", "runner": "runner-intranet"}); !ok || v == 0 {
		t.Errorf("no latest inspect run of runner-intranet\n%s", data)
	}
	if v, _ := metricValue(mfs, "hcops_history_up", nil); v != 1 {
		t.Errorf("hcops_history_up = %v", v)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&^0o644 != 0 {
		t.Errorf("textfile mode %v, wider than 0644", st.Mode().Perm())
	}
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 1 {
		t.Errorf("textfile directory holds %d entries", len(ents))
	}

	code, stdout, stderr = e.hcops(context.Background(), t, "metrics")
	if code != 0 {
		t.Fatalf("metrics: exit %d\n%s", code, stderr)
	}
	if v, ok := metricValue(parseMetrics(t, []byte(stdout)), "hcops_check_value", crit); !ok || v != 97 {
		t.Errorf("stdout hcops_check_value = %v (%v)", v, ok)
	}

	// A name node_exporter would not read is written, with a warning.
	code, _, stderr = e.hcops(context.Background(), t, "metrics", "--textfile", filepath.Join(dir, "hcops.txt"))
	if code != 0 || !strings.Contains(stderr, "does not end in .prom") {
		t.Errorf("metrics --textfile hcops.txt: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = e.hcops(context.Background(), t, "metrics", "--max-items", "1")
	if code != ExitUnknown || !strings.Contains(stderr, "--max-items must be at least 2") {
		t.Errorf("metrics --max-items 1: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = e.hcops(context.Background(), t, "metrics", "--stale-after", "a week")
	if code != ExitUnknown || !strings.Contains(stderr, "--stale-after must be a positive duration (7d, 72h), not a week") {
		t.Errorf("metrics --stale-after 'a week': exit %d, stderr %q", code, stderr)
	}
	// A finding older than --stale-after is left out, and counted.
	code, stdout, _ = e.hcops(context.Background(), t, "metrics", "--stale-after", "30m")
	mfs = parseMetrics(t, []byte(stdout))
	if _, ok := metricValue(mfs, "hcops_check_status", crit); ok || code != 0 {
		t.Errorf("--stale-after 30m: exit %d, the finding of an hour ago is still exported", code)
	}
	if v, _ := metricValue(mfs, "hcops_findings_stale", nil); v != 1 {
		t.Errorf("--stale-after 30m: hcops_findings_stale = %v, want 1", v)
	}
}

// hcops watch --metrics: the running watcher serves /metrics with the
// history a runner stored before it started and what its own probes find
// (a host that does not answer is UNREACHABLE and its alert fires); a
// second watcher on the same address is refused naming it; SIGTERM stops
// the watcher and its endpoint.
func TestWatchMetrics(t *testing.T) {
	// web-01 is a real sshd; nothing listens on db-01's port.
	testenv.LookPath(t, "sshd")
	web := testenv.StartSSHD(t, testenv.SSHDOptions{})
	dir := t.TempDir()
	inv := filepath.Join(dir, "inventory.yaml")
	os.WriteFile(inv, []byte(fmt.Sprintf(metricsInventory, web.Port, freePort(t))), 0o644)
	db := filepath.Join(dir, "history.db")
	seedMetricsHistory(t, db)
	bin := filepath.Join(dir, "hcops")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	start := func() (*exec.Cmd, *bytes.Buffer) {
		var stderr bytes.Buffer
		c := exec.Command(bin, "--inventory", inv, "--db", db, "--lang", "en", "watch", "--probe-every", "1s", "--no-jobs", "--metrics", addr)
		c.Env = append(os.Environ(), "HOME="+dir)
		c.Stderr = &stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c, &stderr
	}
	w, werr := start()
	defer w.Process.Kill()

	var mfs map[string]*dto.MetricFamily
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				mfs = parseMetrics(t, body)
				_, probed := metricValue(mfs, "hcops_availability_ratio", map[string]string{"asset": "db-01"})
				_, fired := metricValue(mfs, "hcops_alerts_firing", map[string]string{"severity": "UNREACHABLE"})
				if probed && fired {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no probe and alert on /metrics within 30 s\nstderr: %s", werr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	crit := map[string]string{"asset": "web-01", "system": "his", "zone": "intranet", "check": "disk:/data", "item": "/data"}
	if v, ok := metricValue(mfs, "hcops_check_status", crit); !ok || v != float64(result.Crit) {
		t.Errorf("hcops_check_status%v = %v (%v)", crit, v, ok)
	}
	if v, _ := metricValue(mfs, "hcops_check_status", map[string]string{"asset": "db-01", "check": "availability", "zone": "intranet"}); v != float64(result.Unreachable) {
		t.Errorf("db-01 availability status %v, want 4 (UNREACHABLE)", v)
	}
	if v, _ := metricValue(mfs, "hcops_alerts_firing", map[string]string{"severity": "UNREACHABLE", "system": "his", "zone": "intranet"}); v != 1 {
		t.Errorf("firing UNREACHABLE alerts of his/intranet: %v", v)
	}
	if v, _ := metricValue(mfs, "hcops_availability_ratio", map[string]string{"asset": "web-01"}); v != 1 {
		t.Errorf("web-01 availability ratio %v, want 1", v)
	}
	if mfs["process_start_time_seconds"] == nil {
		t.Error("no process metrics on /metrics")
	}

	// SIGHUP rereads the inventory: web-01 moved to another zone is
	// labelled with it at the next scrape.
	os.WriteFile(inv, []byte(strings.ReplaceAll(fmt.Sprintf(metricsInventory, web.Port, freePort(t)), "name: web-01, kind: host, system: his, zone: intranet",
		"name: web-01, kind: host, system: his, zone: dmz")), 0o644)
	w.Process.Signal(syscall.SIGHUP)
	moved := map[string]string{"asset": "web-01", "zone": "dmz", "check": "disk:/data"}
	for deadline := time.Now().Add(15 * time.Second); ; {
		if v, ok := metricValue(scrape(t, addr), "hcops_check_status", moved); ok && v == float64(result.Crit) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web-01 not in zone dmz 15 s after SIGHUP\nstderr: %s", werr)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A second watcher on the same address is refused, naming it.
	w2, w2err := start()
	done := make(chan error, 1)
	go func() { done <- w2.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != ExitUnknown || !strings.Contains(w2err.String(), addr+" is already in use") {
			t.Errorf("second watcher on %s: %v\n%s", addr, err, w2err)
		}
	case <-time.After(15 * time.Second):
		w2.Process.Kill()
		t.Fatal("a second watcher on a busy metrics address kept running")
	}

	w.Process.Signal(syscall.SIGTERM)
	stopped := make(chan error, 1)
	go func() { stopped <- w.Wait() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("watcher after SIGTERM: %v\n%s", err, werr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("SIGTERM did not stop the watcher")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after the watcher stopped", addr)
	}
}

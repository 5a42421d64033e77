package checks

import (
	"context"
	"math"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	oschecks "github.com/cyhealth/hcops/pkg/checks/os"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/playbooks"

	"github.com/cyhealth/hcops/internal/testenv"
)

// osRunSh runs a collector snippet through the real sh of this machine, as
// the engine does on a target (stdin /dev/null, stderr merged).
func osRunSh(t testing.TB, script string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(cmd.Environ(), "LC_ALL=C", "LANG=C")
	out, err := cmd.CombinedOutput()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("sh: %v", err)
	}
	return string(out)
}

// osDaily is the linux-daily playbook prepared for this machine: its
// specs, thresholds and the one batched script.
type osDaily struct {
	specs  []inspect.Spec
	th     []inspect.Thresholds
	nonce  string
	script string
}

func loadOSDaily(t testing.TB, name string) osDaily {
	t.Helper()
	lib, err := inspect.LoadLibrary(All(), playbooks.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	pb, err := lib.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	d := osDaily{nonce: inspect.NewNonce()}
	asset := &inventory.Asset{Name: "localhost", Kind: "host"}
	var snippets []string
	for _, spec := range pb.Checks {
		c, ok := All().Lookup(spec.Type)
		if !ok {
			t.Fatalf("%s: unknown type %s", spec.Name, spec.Type)
		}
		s, err := c.Script(&spec, asset)
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
		if err != nil {
			t.Fatal(err)
		}
		d.specs = append(d.specs, spec)
		d.th = append(d.th, th)
		snippets = append(snippets, s)
	}
	d.script = inspect.BuildScript(d.nonce, snippets)
	return d
}

// run sends the batched script to sh on stdin, the way the transports do.
func (d osDaily) run(t testing.TB) []inspect.Section {
	t.Helper()
	return d.runWith(t, "sh", "-s")
}

// runWith runs the batched script with the given shell command line.
func (d osDaily) runWith(t testing.TB, shell ...string) []inspect.Section {
	t.Helper()
	cmd := exec.Command(shell[0], shell[1:]...)
	cmd.Stdin = strings.NewReader(d.script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	return inspect.SplitSections(d.nonce, out, len(d.specs), false)
}

func (d osDaily) evaluate(secs []inspect.Section, now time.Time) [][]result.Result {
	out := make([][]result.Result, len(d.specs))
	for i := range d.specs {
		c, _ := All().Lookup(d.specs[i].Type)
		env := &inspect.Env{Spec: &d.specs[i], Thresholds: d.th[i], Section: &secs[i], Since: now.Add(-24 * time.Hour), Now: now}
		out[i] = c.Evaluate(context.Background(), env)
	}
	return out
}

func osHave(tool string) bool { _, err := exec.LookPath(tool); return err == nil }

// TestLinuxDailyOnThisMachine runs every linux-daily collector for real
// through sh on this machine (Debian 12 here) in one batched script and
// checks that each check decides (not UNKNOWN) wherever what it reads
// exists, and that the numbers agree with what Go reads independently.
func TestLinuxDailyOnThisMachine(t *testing.T) {
	d := loadOSDaily(t, "linux-daily")
	now := time.Now()
	secs := d.run(t)
	results := d.evaluate(secs, now)
	root := os.Geteuid() == 0
	_, systemdErr := os.Stat("/run/systemd/system")
	for i, rs := range results {
		spec := d.specs[i]
		if secs[i].Missing {
			t.Errorf("%s: section missing", spec.Name)
			continue
		}
		if len(rs) == 0 {
			t.Errorf("%s: no results", spec.Name)
		}
		for _, r := range rs {
			t.Logf("%-16s %-8s %-12s %s", spec.Name, r.Status, r.Item, r.Message)
			if r.Status != result.Unknown {
				continue
			}
			allowed := false
			switch spec.Type {
			case "systemd-unit":
				allowed = systemdErr != nil && r.Reason == "no-systemd"
			case "time-offset":
				// chronyd/ntpd/timesyncd may be installed but not running.
				allowed = r.Reason == "no-answer" || r.Reason == "tool-missing" && !osHave("chronyc") && !osHave("ntpq") && !osHave("timedatectl")
			case "kernel-log", "failed-logins", "accounts":
				allowed = !root && r.Reason == "not-readable"
			}
			if !allowed {
				t.Errorf("%s (%s): UNKNOWN on this machine: %s (%s)\n%s", spec.Name, r.Item, r.Message, r.Reason, secs[i].Stdout)
			}
		}
	}
	byType := map[string][]result.Result{}
	for i, rs := range results {
		byType[d.specs[i].Type] = rs
	}
	// Disk: the / result agrees with statfs to within a percent point
	// (the collector ran a moment earlier).
	var st syscall.Statfs_t
	if err := syscall.Statfs("/", &st); err != nil {
		t.Fatal(err)
	}
	used := float64(st.Blocks-st.Bfree) * float64(st.Bsize)
	avail := float64(st.Bavail) * float64(st.Bsize)
	want := used * 100 / (used + avail)
	for _, r := range byType["disk"] {
		if r.Item == "/" {
			if got := *r.Value; math.Abs(got-want) > 1 {
				t.Errorf("disk /: %.1f%%, statfs says %.1f%%", got, want)
			}
		}
	}
	// Memory total agrees with /proc/meminfo read by Go.
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	m, err := oschecks.ParseMeminfo(string(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range byType["memory"] {
		if r.Item == "memory" && osMetric(t, r, "mem.total_bytes") != m.Total {
			t.Errorf("memory total %v, /proc/meminfo %v", osMetric(t, r, "mem.total_bytes"), m.Total)
		}
	}
	// Uptime within a minute of ours.
	b, _ = os.ReadFile("/proc/uptime")
	up, _ := oschecks.ParseUptime(string(b))
	if r := byType["uptime"]; len(r) == 1 && math.Abs(osMetric(t, r[0], "uptime.seconds")-up) > 60 {
		t.Errorf("uptime %v, /proc/uptime %v", osMetric(t, r[0], "uptime.seconds"), up)
	}
	// os-info names the distribution of /etc/os-release.
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		id := strings.ToLower(oschecks.ParseOSRelease(string(b))["ID"])
		if r := byType["os-info"]; len(r) != 1 || !strings.Contains(r[0].Evidence, "id="+id) {
			t.Errorf("os-info: want id=%s, got %+v", id, r)
		}
	}
}

// On RHEL, CentOS, Kylin and UOS /bin/sh is bash (in POSIX mode); on
// Debian and Ubuntu it is dash. The collectors must give the same answers
// under both. HCOPS_TEST_SHELL picks another shell to compare with dash
// ("busybox sh -s" passes too).
func TestLinuxDailyUnderBash(t *testing.T) {
	if !osHave("bash") {
		testenv.Missing(t, "bash not installed")
	}
	d := loadOSDaily(t, "linux-daily")
	now := time.Now()
	shell := []string{"bash", "--posix", "-s"}
	if s := os.Getenv("HCOPS_TEST_SHELL"); s != "" {
		shell = strings.Fields(s) // e.g. "busybox sh -s"
	}
	dash, bash := d.evaluate(d.run(t), now), d.evaluate(d.runWith(t, shell...), now)
	for i := range dash {
		if len(dash[i]) != len(bash[i]) {
			t.Errorf("%s: %d results under sh, %d under bash", d.specs[i].Name, len(dash[i]), len(bash[i]))
			continue
		}
		for j := range dash[i] {
			a, b := dash[i][j], bash[i][j]
			if a.Item != b.Item || (a.Status == result.Unknown) != (b.Status == result.Unknown) || a.Reason != b.Reason {
				t.Errorf("%s %s: sh says %s %q, bash says %s %q", d.specs[i].Name, a.Item, a.Status, a.Message, b.Status, b.Message)
			}
		}
	}
}

// TestLocalDefaultOnThisMachine: the demo playbook's collectors all run
// here without error output from the shell itself.
func TestLocalDefaultOnThisMachine(t *testing.T) {
	d := loadOSDaily(t, "local-default")
	secs := d.run(t)
	for i, s := range secs {
		if s.Missing || s.ExitCode == -1 {
			t.Errorf("%s: section %+v", d.specs[i].Name, s)
		}
		for _, bad := range []string{"syntax error", "not found", "Bad substitution", "unexpected"} {
			if strings.Contains(s.Stdout, bad) && d.specs[i].Type != "time-offset" && d.specs[i].Type != "systemd-unit" {
				t.Errorf("%s: shell complained (%q):\n%s", d.specs[i].Name, bad, s.Stdout)
			}
		}
	}
}

// BenchmarkEvaluateLinuxDailyHost evaluates one host's full linux-daily
// output (collected once on this machine).
func BenchmarkEvaluateLinuxDailyHost(b *testing.B) {
	d := loadOSDaily(b, "linux-daily")
	secs := d.run(b)
	now := time.Now()
	b.ResetTimer()
	for b.Loop() {
		d.evaluate(secs, now)
	}
}

// BenchmarkCollectorCPU runs the batched linux-daily script and the fleet
// harness's workload.sh through sh on this machine and reports the CPU time
// each costs the host (user+sys of sh and every process it starts): the
// remote-side cost the fleet figures compare (goal: linux-daily at most
// about 1.5 x workload.sh).
func BenchmarkCollectorCPU(b *testing.B) {
	d := loadOSDaily(b, "linux-daily")
	workload, err := os.ReadFile("/work/shared/bench/fleet/workload.sh")
	if err != nil {
		b.Skip("fleet workload.sh not found: ", err)
	}
	cpu := func(script string) time.Duration {
		var before, after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before)
		cmd := exec.Command("sh", "-s")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("sh: %v\n%s", err, out)
		}
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after)
		d := func(ru syscall.Rusage) time.Duration {
			return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		return d(after) - d(before)
	}
	var daily, work time.Duration
	n := 0
	for b.Loop() {
		daily += cpu(d.script)
		work += cpu(string(workload))
		n++
	}
	b.ReportMetric(float64(daily.Microseconds())/float64(n)/1000, "daily-cpu-ms/op")
	b.ReportMetric(float64(work.Microseconds())/float64(n)/1000, "workload-cpu-ms/op")
	if work > 0 {
		b.ReportMetric(float64(daily)/float64(work), "daily/workload")
	}
}

func osMetric(t testing.TB, r result.Result, name string) float64 {
	t.Helper()
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value
		}
	}
	t.Fatalf("result %s/%s has no metric %s (%+v)", r.Type, r.Item, name, r.Metrics)
	return 0
}

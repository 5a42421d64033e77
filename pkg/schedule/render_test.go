package schedule

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var testOpts = Options{
	Binary:     "/usr/local/bin/hcops",
	GlobalArgs: []string{"--config", "/etc/hcops/config.yaml"},
	LogDir:     "/var/log/hcops",
}

func TestCrontabGolden(t *testing.T) {
	jobs := append(DefaultJobs(), config.Job{Name: "disk-5pct", Schedule: "*/30 8-18 * * 1-5", Args: []string{"inspect", "--playbook", "linux daily", "-l", "zone=intranet"}})
	got, err := Crontab(jobs, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "crontab.golden", got)
	// The % of a crontab line must be escaped, or cron cuts the command.
	o := testOpts
	o.GlobalArgs = []string{"--db", "/srv/hcops/50%/history.db"}
	got, err = Crontab(DefaultJobs()[:1], o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `--db /srv/hcops/50\%/history.db schedule run daily-inspection`) {
		t.Errorf("%% not escaped:\n%s", got)
	}
}

func TestSystemdGolden(t *testing.T) {
	o := testOpts
	o.User = "hcops"
	o.GlobalArgs = []string{"--config", "/etc/hcops/my config.yaml"}
	units, err := Systemd(DefaultJobs(), o)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range units {
		b.WriteString("==> " + u.Name + " <==\n" + u.Content + "\n")
	}
	golden(t, "systemd.golden", b.String())

	_, err = Systemd([]config.Job{{Name: "first-or-monday", Schedule: "0 8 1 * 1", Args: []string{"inspect"}}}, o)
	if err == nil || !strings.Contains(err.Error(), "job first-or-monday") || !strings.Contains(err.Error(), "cannot be converted") {
		t.Errorf("err = %v, want the job named and 'cannot be converted'", err)
	}
}

func TestValidate(t *testing.T) {
	jobs := []config.Job{
		{Name: "ok", Schedule: "0 8 * * *", Args: []string{"inspect"}},
		{Name: "bad-hour", Schedule: "0 25 * * *", Args: []string{"inspect"}},
		{Name: "four-fields", Schedule: "0 8 * *", Args: []string{"inspect"}},
		{Name: "every", Schedule: "@every 1h", Args: []string{"inspect"}},
		{Name: "ok", Schedule: "0 9 * * *", Args: []string{"inspect"}},
		{Name: "no args", Schedule: "0 9 * * *"},
		{Name: "", Schedule: "0 9 * * *", Args: []string{"inspect"}},
		{Name: "loop", Schedule: "0 9 * * *", Args: []string{"schedule", "run", "ok"}},
		{Name: "inject", Schedule: "0 9 * * *", Args: []string{"inspect", "x\n* * * * * rm -rf /"}},
	}
	err := Validate(jobs, "/etc/hcops/config.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`/etc/hcops/config.yaml: job bad-hour: schedule "0 25 * * *": end of range (25) above maximum (23)`,
		`job four-fields: schedule "0 8 * *": expected exactly 5 fields`,
		`job every: schedule "@every 1h": @every cannot be written as a crontab line`,
		`job ok: name used twice`,
		`job no args: name may hold only letters`,
		`job no args: no args`,
		`job #7: no name`,
		`job loop: a job cannot run 'hcops schedule'`,
		`job inject: argument "x\n* * * * * rm -rf /" holds a line break`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "job ok: schedule") {
		t.Errorf("valid schedule reported: %v", err)
	}
	if err := Validate(DefaultJobs(), ""); err != nil {
		t.Errorf("default jobs: %v", err)
	}
}

func TestFindAndJobs(t *testing.T) {
	if got := Jobs(&config.Config{}); len(got) != 3 || got[0].Name != "daily-inspection" {
		t.Errorf("defaults = %+v", got)
	}
	cfg := &config.Config{Jobs: []config.Job{{Name: "x", Schedule: "@daily", Args: []string{"inspect"}}}}
	if got := Jobs(cfg); len(got) != 1 {
		t.Errorf("configured jobs replaced: %+v", got)
	}
	if _, err := Find(Jobs(cfg), "daily-inspection"); err == nil || !strings.Contains(err.Error(), `no job named "daily-inspection" (jobs: x)`) {
		t.Errorf("err = %v", err)
	}
}

// TestSystemdUnitsVerify has systemd itself check the generated units
// (unknown keys, bad quoting, a non-executable ExecStart all show up).
func TestSystemdUnitsVerify(t *testing.T) {
	analyze := testenv.LookPath(t, "systemd-analyze")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jobs := append(DefaultJobs(), config.Job{Name: "odd-args", Schedule: "*/30 8-18 * * 1-5",
		Args: []string{"inspect", "--playbook", "linux daily", "-l", `zone="internet"; x=$HOME 50%`}})
	units, err := Systemd(jobs, Options{Binary: exe, GlobalArgs: []string{"--config", "/etc/hcops/my config.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, u := range units {
		p := filepath.Join(dir, u.Name)
		if err := os.WriteFile(p, []byte(u.Content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command(analyze, append([]string{"verify", "--man=no"}, paths...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

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

// fullSite has every default job: the 120 dispatch system and mail.
var fullSite = Site{Systems: []string{"pacs", DispatchSystem}, Mail: true}

var testOpts = Options{
	Binary:     "/usr/local/bin/hcops",
	GlobalArgs: []string{"--config", "/etc/hcops/config.yaml"},
	LogDir:     "/var/log/hcops",
}

func TestCrontabGolden(t *testing.T) {
	jobs := append(DefaultJobs(fullSite), config.Job{Name: "disk-5pct", Schedule: "*/30 8-18 * * 1-5", Args: []string{"inspect", "--playbook", "linux daily", "-l", "zone=intranet"}})
	got, err := Crontab(jobs, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "crontab.golden", got)
	// The % of a crontab line must be escaped, or cron cuts the command.
	o := testOpts
	o.GlobalArgs = []string{"--db", "/srv/hcops/50%/history.db"}
	got, err = Crontab(DefaultJobs(fullSite)[:1], o)
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
	units, err := Systemd(DefaultJobs(fullSite), o)
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
	if err := Validate(DefaultJobs(fullSite), ""); err != nil {
		t.Errorf("default jobs: %v", err)
	}
}

func TestFindAndJobs(t *testing.T) {
	if got := Jobs(&config.Config{}, fullSite); len(got) != 3 || got[0].Name != "daily-inspection" {
		t.Errorf("defaults = %+v", got)
	}
	cfg := &config.Config{Jobs: []config.Job{{Name: "x", Schedule: "@daily", Args: []string{"inspect"}}}}
	if got := Jobs(cfg, fullSite); len(got) != 1 {
		t.Errorf("configured jobs replaced: %+v", got)
	}
	if _, err := Find(Jobs(cfg, fullSite), "daily-inspection"); err == nil || !strings.Contains(err.Error(), `no job named "daily-inspection" (jobs: x)`) {
		t.Errorf("err = %v", err)
	}
}

// TestDefaultJobsFitTheSite: a default job is proposed only where it can
// work — the weekly 120 inspection where the inventory has that system, the
// monthly report with --mail only where mail is configured.
func TestDefaultJobsFitTheSite(t *testing.T) {
	mail := &config.Config{Mail: config.Mail{Host: "smtp.example.org", To: []string{"ops@example.org"}}}
	for _, tc := range []struct {
		name    string
		cfg     *config.Config
		systems []string
		want    []string
	}{
		{"fresh machine", &config.Config{}, nil, []string{"daily-inspection: inspect", "monthly-report: report monthly"}},
		{"mail host without recipients", &config.Config{Mail: config.Mail{Host: "smtp.example.org"}}, []string{"pacs"},
			[]string{"daily-inspection: inspect", "monthly-report: report monthly"}},
		{"example site with mail", mail, []string{"pacs", DispatchSystem}, []string{"daily-inspection: inspect",
			"weekly-dispatch-120: inspect -l system=dispatch-120", "monthly-report: report monthly --mail"}},
	} {
		var got []string
		for _, j := range Jobs(tc.cfg, SiteOf(tc.cfg, tc.systems)) {
			got = append(got, j.Name+": "+strings.Join(j.Args, " "))
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: jobs\n%s\nwant\n%s", tc.name, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

// TestEnvCarried: settings that came from the environment (a key, the
// known_hosts file) are written into every entry, quoted, since cron and
// systemd start jobs without the user's environment.
func TestEnvCarried(t *testing.T) {
	o := testOpts
	o.Env = []string{"HCOPS_IDENTITY=/home/ops/.ssh/id ed25519", "HCOPS_KNOWN_HOSTS=/etc/hcops/known_hosts"}
	jobs := DefaultJobs(Site{})[:1]
	got, err := Crontab(jobs, o)
	if err != nil {
		t.Fatal(err)
	}
	want := "0 8 * * * HCOPS_IDENTITY='/home/ops/.ssh/id ed25519' HCOPS_KNOWN_HOSTS=/etc/hcops/known_hosts /usr/local/bin/hcops --config /etc/hcops/config.yaml schedule run daily-inspection --log /var/log/hcops/daily-inspection.log\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("crontab:\n%s\nwant it to end with\n%s", got, want)
	}
	units, err := Systemd(jobs, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{`Environment="HCOPS_IDENTITY=/home/ops/.ssh/id ed25519"`, "Environment=HCOPS_KNOWN_HOSTS=/etc/hcops/known_hosts"} {
		if !strings.Contains(units[0].Content, line+"\n") {
			t.Errorf("service lacks %s:\n%s", line, units[0].Content)
		}
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
	jobs := append(DefaultJobs(fullSite), config.Job{Name: "odd-args", Schedule: "*/30 8-18 * * 1-5",
		Args: []string{"inspect", "--playbook", "linux daily", "-l", `zone="internet"; x=$HOME 50%`}})
	units, err := Systemd(jobs, Options{Binary: exe, GlobalArgs: []string{"--config", "/etc/hcops/my config.yaml"},
		Env: []string{"HCOPS_IDENTITY=/home/ops/.ssh/id ed25519", `HCOPS_KNOWN_HOSTS=/etc/hcops/known "hosts" 50%`}})
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

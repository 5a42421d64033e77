package checks

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
	"github.com/cyhealth/hcops/playbooks"
)

// fakePowerShell stands in for powershell.exe on the "Windows" host: there
// is no Windows machine and no pwsh here (Debian does not package
// PowerShell). It is the only fake of the test: the sshd, the SSH client,
// the plan, the batching, the encoded command and the section splitting
// are the real ones. It records its arguments, decodes the base64 UTF-16LE
// script as powershell.exe would, and answers each snippet of the batch
// (found by its "#hcops:<type>" first line) with the captured output of
// that collector from pkg/checks/win/testdata, between the batch's own
// markers. It unpacks the script the way the encoded loader does
// (base64 of gzip inside the UTF-16LE command).
const fakePowerShell = `#!/bin/sh
d=$(dirname "$0")
printf '%s\n' "$@" > "$d/argv.$$"
if [ $# -ne 4 ] || [ "$1" != -NoProfile ] || [ "$2" != -NonInteractive ] || [ "$3" != -EncodedCommand ]; then
  echo "fake powershell: unexpected arguments: $*" >&2; exit 64
fi
printf %s "$4" | base64 -d | iconv -f UTF-16LE -t UTF-8 > "$d/loader.$$" || exit 65
sed -n "s/.*FromBase64String('\([A-Za-z0-9+/=]*\)').*/\1/p" "$d/loader.$$" | base64 -d | gzip -dc > "$d/script.$$" || exit 66
n=$(grep -o '@@HCOPS-[0-9a-f]*' "$d/script.$$" | head -n 1)
awk -v n="$n" -v d="$d" '
/^H [0-9]+ '"'"'#hcops:/ { t = $3; sub(/^.#hcops:/, "", t); k++; idx[k] = $2; typ[k] = t }
END { for (j = 1; j <= k; j++) { printf "\n%s BEGIN %d@@\n", n, idx[j]; f = d "/" typ[j] ".out"
      while ((getline l < f) > 0) print l; close(f); printf "\n%s END %d 0@@\n", n, idx[j] } }' "$d/script.$$"
`

// TestWindowsHostOverSSH inspects a Windows asset through a real OpenSSH
// sshd on loopback with the built-in windows-daily playbook's collectors:
// one encoded PowerShell command for the host, the exact command line a
// Windows OpenSSH server would run, and each collector's captured output
// judged by its check.
func TestWindowsHostOverSSH(t *testing.T) {
	testenv.LookPath(t, "iconv")
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "powershell"), []byte(fakePowerShell), 0o755); err != nil {
		t.Fatal(err)
	}
	samples := map[string]string{
		"win-cpu": "cpu-2016.txt", "win-memory": "memory-2019.txt", "win-disk": "disk-zh.txt",
		"win-service": "service-zh.txt", "win-eventlog": "eventlog-zh.txt", "win-uptime": "uptime-2019.txt",
		"win-reboot": "reboot-pending.txt",
	}
	for typ, f := range samples {
		b, err := os.ReadFile(filepath.Join("win", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		_, out, _ := strings.Cut(string(b), "# ---- output below\n")
		os.WriteFile(filepath.Join(bin, typ+".out"), []byte(out), 0o644)
	}
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{Extra: []string{"SetEnv PATH=" + bin + ":/usr/bin:/bin"}})
	d, err := transport.NewSSHDialer(transport.SSHConfig{
		KnownHostsFiles: []string{sshd.KnownHostsPath},
		Identities:      []string{sshd.ClientKeyPath},
		OwnKnownHosts:   filepath.Join(t.TempDir(), "known_hosts"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	lib, err := inspect.LoadLibrary(All(), playbooks.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	pb, err := lib.Get("windows-daily")
	if err != nil {
		t.Fatal(err)
	}
	// The Linux cpu check aimed at the Windows host too: refused, not run.
	linux, err := inspect.ParsePlaybook(All(), "linux.yaml", []byte("name: stray\nchecks:\n  - {name: linux-cpu, type: cpu}\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	ecg := &inventory.Asset{Name: "ecg-app-01", Kind: inventory.KindHost, Address: sshd.Host, System: "ecg",
		OS: inventory.OS{Family: "windows"},
		Checks: map[string]inventory.CheckOverride{
			"services": {Params: map[string]any{"required": []any{"ECGService"}}},
			"ping":     {Disabled: true},
		}}
	plan, err := inspect.BuildPlan(inspect.PlanInput{Assets: []*inventory.Asset{ecg}, Playbooks: []*inspect.Playbook{pb, linux},
		Match: func(expr string) (func(*inventory.Asset) bool, error) {
			sel, err := inventory.ParseExpr(expr)
			if err != nil {
				return nil, err
			}
			return sel.Match, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	r := &inspect.Runner{
		Dial: func(ctx context.Context, a *inventory.Asset) (transport.Runner, error) {
			return d.Dial(ctx, transport.SSHTarget{Name: a.Name, Address: sshd.Host, Port: sshd.Port, User: sshd.User})
		},
		HostTimeout: 60 * time.Second,
		Now:         func() time.Time { return now },
		Since: func(string, string) (time.Time, bool) {
			return time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC), true
		},
	}
	out := r.Run(context.Background(), plan)

	// One command for the host, exactly as a Windows OpenSSH server gets it.
	argvs, _ := filepath.Glob(filepath.Join(bin, "argv.*"))
	if len(argvs) != 1 {
		t.Fatalf("%d PowerShell commands for one host, want 1 (results %+v)", len(argvs), out.Results)
	}
	argv, _ := os.ReadFile(argvs[0])
	args := strings.Split(strings.TrimSuffix(string(argv), "\n"), "\n")
	if len(args) != 4 || args[0] != "-NoProfile" || args[1] != "-NonInteractive" || args[2] != "-EncodedCommand" {
		t.Fatalf("arguments %q", args)
	}
	if _, err := base64.StdEncoding.DecodeString(args[3]); err != nil {
		t.Fatalf("encoded command: %v", err)
	}
	scripts, _ := filepath.Glob(filepath.Join(bin, "script.*"))
	if len(scripts) != 1 {
		t.Fatalf("the fake did not unpack the script: %v", scripts)
	}
	b, _ := os.ReadFile(scripts[0])
	script := string(b)
	for typ := range samples {
		if !strings.Contains(script, "'#hcops:"+typ+"\n") {
			t.Errorf("the host's script has no %s collector", typ)
		}
	}
	if !strings.Contains(script, "[Console]::OutputEncoding=New-Object System.Text.UTF8Encoding $false") {
		t.Errorf("script does not set UTF-8 output:\n%s", script)
	}

	got := map[string]result.Result{}
	var names []string
	for _, res := range out.Results {
		k := res.Check
		if res.Item != "" {
			k += "/" + res.Item
		}
		got[k] = res
		names = append(names, k)
	}
	sort.Strings(names)
	want := map[string]result.Status{
		"linux-cpu": result.Unknown, // the Linux check: refused on a Windows host
		"cpu":       result.OK,
		"memory":    result.Warn,
		"disk/C:":   result.Warn,
		"disk/D:":   result.OK,
		"services":  result.Crit,
		"eventlog":  result.Crit,
		"uptime":    result.OK,
		"reboot":    result.Warn,
	}
	for k, st := range want {
		res, ok := got[k]
		if !ok {
			t.Errorf("no result %s; have %v", k, names)
			continue
		}
		if res.Status != st {
			t.Errorf("%s: %s %q, want %s", k, res.Status, res.Message, st)
		}
	}
	if len(got) != len(want) {
		t.Errorf("results %v, want %d", names, len(want))
	}
	if m := got["linux-cpu"].Message; !strings.Contains(m, "POSIX sh and ecg-app-01 is a Windows host") {
		t.Errorf("linux check on windows: %q", m)
	}
	// The same refusal reads in Chinese for a report in zh.
	if r := got["linux-cpu"]; !strings.Contains(r.MessageIn("zh"), "ecg-app-01 是 Windows 主机") {
		t.Errorf("linux check on windows, zh: %q (code %q)", r.MessageIn("zh"), r.Code)
	}
	if m := got["services"].Message; !strings.Contains(m, "ECGService (区域心电数据服务)") {
		t.Errorf("services: %q", m)
	}
}

// decodeLoader returns the text of an encoded command line's script (the
// loader that unpacks the batch).
func decodeLoader(t *testing.T, cmdline string) string {
	t.Helper()
	f := strings.Fields(cmdline)
	raw, err := base64.StdEncoding.DecodeString(f[len(f)-1])
	if err != nil || len(raw)%2 != 0 {
		t.Fatalf("encoded command: %v", err)
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

// A Windows host whose PowerShell never answers (a hung WMI query) ends at
// the host deadline with one UNKNOWN per check saying so: the run does not
// wait for it. The stand-in powershell sleeps.
func TestWindowsHostHung(t *testing.T) {
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "powershell"), []byte("#!/bin/sh\nexec sleep 10\n"), 0o755)
	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{Extra: []string{"SetEnv PATH=" + bin + ":/usr/bin:/bin"}})
	d, err := transport.NewSSHDialer(transport.SSHConfig{
		KnownHostsFiles: []string{sshd.KnownHostsPath},
		Identities:      []string{sshd.ClientKeyPath},
		OwnKnownHosts:   filepath.Join(t.TempDir(), "known_hosts"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pb, err := inspect.ParsePlaybook(All(), "w.yaml", []byte("name: w\ntarget: os.family=windows\nchecks:\n  - {name: disk, type: win-disk}\n  - {name: uptime, type: win-uptime}\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	ecg := &inventory.Asset{Name: "ecg-app-01", Kind: inventory.KindHost, Address: sshd.Host, OS: inventory.OS{Family: "windows"}}
	plan, err := inspect.BuildPlan(inspect.PlanInput{Assets: []*inventory.Asset{ecg}, Playbooks: []*inspect.Playbook{pb}})
	if err != nil {
		t.Fatal(err)
	}
	r := &inspect.Runner{
		Dial: func(ctx context.Context, a *inventory.Asset) (transport.Runner, error) {
			return d.Dial(ctx, transport.SSHTarget{Name: a.Name, Address: sshd.Host, Port: sshd.Port, User: sshd.User})
		},
		HostTimeout: 2 * time.Second,
		Lang:        "en",
	}
	start := time.Now()
	out := r.Run(context.Background(), plan)
	if el := time.Since(start); el > 6*time.Second {
		t.Errorf("a hung host held the run for %s (host deadline 2s)", el)
	}
	if len(out.Results) != 2 {
		t.Fatalf("results: %+v", out.Results)
	}
	for _, res := range out.Results {
		if res.Status != result.Unknown || res.Reason != result.ReasonTimeout || !strings.Contains(res.Message, "did not finish within the host deadline") {
			t.Errorf("%s: %s %s %q", res.Check, res.Status, res.Reason, res.Message)
		}
	}
}

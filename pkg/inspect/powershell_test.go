package inspect

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// testPS collects with PowerShell on Windows hosts.
type testPS struct{}

func (testPS) Script(*Spec, *inventory.Asset) (string, error) {
	return "", fmt.Errorf("Windows hosts only")
}
func (testPS) PowerShellScript(s *Spec, _ *inventory.Asset) (string, error) {
	return "Write-Output " + PSQuote(s.Name), nil
}
func (testPS) Evaluate(_ context.Context, env *Env) []result.Result {
	return []result.Result{{Status: result.OK, Message: env.Section.Stdout}}
}

func decodePS(t *testing.T, cmdline string) string {
	t.Helper()
	b64, ok := strings.CutPrefix(cmdline, "powershell -NoProfile -NonInteractive -EncodedCommand ")
	if !ok {
		t.Fatalf("command line: %q", cmdline)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b)%2 != 0 {
		t.Fatalf("base64: %v", err)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	loader := string(utf16.Decode(u))
	_, rest, ok := strings.Cut(loader, "FromBase64String('")
	inner, tail, ok2 := strings.Cut(rest, "')")
	if !ok || !ok2 || !strings.HasSuffix(tail, ".ReadToEnd();& ([scriptblock]::Create($s))") {
		t.Fatalf("loader: %s", loader)
	}
	gz, err := base64.StdEncoding.DecodeString(inner)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	script, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(script)
}

func TestPowerShellCommandRoundTrip(t *testing.T) {
	script := BuildPowerShellScript("0123456789abcdef", []string{"Write-Output '区域心电'", "it's `$x\" & | ; 😀"})
	cmd := PowerShellCommand(script)
	if strings.ContainsAny(cmd[len("powershell "):], `"'&|;<>^%`) {
		t.Errorf("command line has characters a shell would interpret: %q", cmd)
	}
	if got := decodePS(t, cmd); got != script {
		t.Errorf("decoded script differs:\n%s\n---\n%s", got, script)
	}
	for _, want := range []string{
		"[Console]::OutputEncoding=New-Object System.Text.UTF8Encoding $false",
		"@@HCOPS-0123456789abcdef BEGIN $i@@",
		"@@HCOPS-0123456789abcdef END $i $r@@",
		"H 0 'Write-Output ''区域心电'''\n",
		"H 1 'it''s `$x\" & | ; 😀'\n",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
}

func TestPSQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":        "''",
		"a'b":     "'a''b'",
		"x’y‘z":   "'x’’y‘‘z'",
		"$(calc)": "'$(calc)'",
	} {
		if got := PSQuote(in); got != want {
			t.Errorf("PSQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// Snippets that do not fit one command line under cmd.exe's limit are
// split into batches of whole snippets; one too long alone is marked.
func TestPowerShellBatches(t *testing.T) {
	// Text that gzip cannot shrink much: digits of a running counter
	// hashed into letters.
	noise := func(n, seed int) string {
		var b strings.Builder
		x := uint32(seed*2654435761 + 1)
		for b.Len() < n {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			b.WriteByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[x%62])
		}
		return b.String()
	}
	snippets := []string{noise(600, 1), noise(600, 2), noise(600, 3), noise(600, 4), noise(600, 5), noise(4000, 6), noise(600, 7)}
	batches, tooLong := PowerShellBatches("n", snippets, MaxPowerShellCommand)
	next := 0
	for _, b := range batches {
		if b[0] != next || b[1] <= b[0] {
			t.Fatalf("batches not consecutive: %v", batches)
		}
		next = b[1]
		if !tooLong[b[0]] {
			if n := len(PowerShellCommand(BuildPowerShellScript("n", snippets[b[0]:b[1]]))); n > MaxPowerShellCommand {
				t.Errorf("batch %v is %d characters", b, n)
			}
		}
	}
	if next != len(snippets) || len(batches) < 3 {
		t.Errorf("batches %v", batches)
	}
	if !tooLong[5] || tooLong[0] || tooLong[6] {
		t.Errorf("tooLong %v", tooLong)
	}
	if b, _ := PowerShellBatches("n", []string{"a", "b", "c"}, MaxPowerShellCommand); len(b) != 1 {
		t.Errorf("three short snippets: %v", b)
	}
}

// For a Windows asset the plan takes the PowerShell snippet; a check that
// collects with sh is refused there with the reason; a probe runs as
// anywhere; a Windows-only check on a Linux host is refused by its Script.
func TestPlanWindowsHost(t *testing.T) {
	reg := Registry{"testonly-ps": testPS{}, "testonly-shell": testShell{}, "testonly-probe": testProbe{}}
	pb, err := ParsePlaybook(reg, "win.yaml", []byte(`name: win
checks:
  - {name: ps, type: testonly-ps}
  - {name: sh, type: testonly-shell}
  - {name: probe, type: testonly-probe}
`), "test")
	if err != nil {
		t.Fatal(err)
	}
	win := &inventory.Asset{Name: "ecg-app-01", Kind: "host", OS: inventory.OS{Family: "Windows"}}
	lin := &inventory.Asset{Name: "his-app-01", Kind: "host", OS: inventory.OS{Family: "kylin"}}
	p, err := BuildPlan(PlanInput{Assets: []*inventory.Asset{win, lin}, Playbooks: []*Playbook{pb}})
	if err != nil {
		t.Fatal(err)
	}
	w, l := p.Hosts[0].Items, p.Hosts[1].Items
	if !w[0].PowerShell || w[0].Script != "Write-Output 'ps'" || w[0].Err != nil {
		t.Errorf("windows ps item: %+v", w[0])
	}
	if w[1].Err == nil || !strings.Contains(w[1].Err.Error(), "POSIX sh and ecg-app-01 is a Windows host") {
		t.Errorf("windows sh item: %+v", w[1])
	}
	if w[2].Shell() || w[2].Err != nil {
		t.Errorf("windows probe item: %+v", w[2])
	}
	if l[0].Err == nil || l[0].PowerShell || l[1].Err != nil || l[1].PowerShell {
		t.Errorf("linux items: %+v %+v", l[0], l[1])
	}
}

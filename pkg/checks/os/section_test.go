package os

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// osNow is the fixed "now" of OS check tests.
var osNow = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)

// osCapture returns the captured output of testdata/<dir>/<name>: the text
// after the "# ---- captured output below" header line.
func osCapture(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "# ---- captured output below")
	if i < 0 {
		t.Fatalf("%s/%s: no capture header", dir, name)
	}
	j := strings.IndexByte(s[i:], '\n')
	return s[i+j+1:]
}

// osEval runs check type typ over collected output, the way the engine
// does after splitting the host's script output.
func osEval(t testing.TB, typ, out string, spec *inspect.Spec, since time.Time) []result.Result {
	t.Helper()
	c, ok := Lookup(typ)
	if !ok {
		t.Fatalf("check type %q not registered", typ)
	}
	if spec == nil {
		spec = &inspect.Spec{Name: typ, Type: typ}
	}
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	env := &inspect.Env{Spec: spec, Thresholds: th, Section: &inspect.Section{Stdout: out}, Since: since, Now: osNow}
	return c.Evaluate(context.Background(), env)
}

// osOne asserts that there is exactly one result and returns it.
func osOne(t testing.TB, rs []result.Result) result.Result {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("want 1 result, got %d: %+v", len(rs), rs)
	}
	return rs[0]
}

// osItem returns the result for item, failing when absent.
func osItem(t testing.TB, rs []result.Result, item string) result.Result {
	t.Helper()
	for _, r := range rs {
		if r.Item == item {
			return r
		}
	}
	var items []string
	for _, r := range rs {
		items = append(items, r.Item)
	}
	t.Fatalf("no result for item %q (have %q)", item, items)
	return result.Result{}
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

func TestOSSplit(t *testing.T) {
	blocks := osSplit("head\n@@A one two\nx\ny\n@@B\n@@C z\nlast")
	if len(blocks) != 4 {
		t.Fatalf("want 4 blocks, got %+v", blocks)
	}
	if blocks[0].Name != "" || blocks[0].Body != "head\n" {
		t.Errorf("block 0 = %+v", blocks[0])
	}
	if blocks[1].Name != "A" || blocks[1].Arg != "one two" || blocks[1].Body != "x\ny\n" {
		t.Errorf("block 1 = %+v", blocks[1])
	}
	if b, ok := osFind(blocks, "C"); !ok || b.Arg != "z" || b.Body != "last\n" {
		t.Errorf("block C = %+v %v", b, ok)
	}
	if _, ok := osFind(blocks, "D"); ok {
		t.Error("found a block that is not there")
	}
}

func TestOSEvidenceAndBytes(t *testing.T) {
	ev, cut := osEvidence("1\n2\n3\n4\n", 2, true)
	if ev != "3\n4" || !cut {
		t.Errorf("tail evidence = %q %v", ev, cut)
	}
	ev, cut = osEvidence("1\n2\n", 5, false)
	if ev != "1\n2" || cut {
		t.Errorf("short evidence = %q %v", ev, cut)
	}
	for in, want := range map[float64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 3.1 * (1 << 30): "3.1 GiB", 500 * (1 << 30): "500 GiB"} {
		if got := inspect.Bytes(in); got != want {
			t.Errorf("inspect.Bytes(%v) = %q, want %q", in, got, want)
		}
	}
}

// Every OS check must turn a missing section, an empty one and hostile
// garbage into a result, never a panic, and must say UNKNOWN when it could
// not decide.
func TestOSChecksSurviveGarbage(t *testing.T) {
	garbage := []string{
		"",
		"\x00\x01\x02 binary \xff\xfe",
		"@@\n@@@@\n@@FILE\n@@UNAME\n",
		strings.Repeat("cpu 1 2 3\n", 50),
		"Filesystem Type 1024-blocks Used Available Capacity Mounted on\n/dev/x ext4 -1 x y 200% \n",
		"MemTotal: 0 kB\nSwapTotal: -5 kB\n",
		"loadavg nan inf -1\nonline 5-1\n",
		"@@CHRONYC\nSystem time : lots seconds sideways\n",
		"@@JOURNAL\n9999-99-99T99:99:99+0000 host kernel: Out of memory: Killed process x\n",
		strings.Repeat("a", 70000),
	}
	for _, typ := range osCheckTypes {
		c, ok := Lookup(typ)
		if !ok {
			t.Fatalf("%s not registered", typ)
		}
		spec := &inspect.Spec{Name: typ, Type: typ}
		// nil section and a missing one
		for _, sec := range []*inspect.Section{nil, {Missing: true}, {Truncated: true}} {
			rs := c.Evaluate(context.Background(), &inspect.Env{Spec: spec, Section: sec, Now: osNow})
			if len(rs) == 0 || rs[0].Status != result.Unknown {
				t.Errorf("%s with section %+v: want UNKNOWN, got %+v", typ, sec, rs)
			}
		}
		for _, g := range garbage {
			rs := c.Evaluate(context.Background(), &inspect.Env{Spec: spec, Section: &inspect.Section{Stdout: g}, Now: osNow, Since: osNow.Add(-24 * time.Hour)})
			if len(rs) == 0 {
				t.Errorf("%s: no result for garbage %q", typ, osShort(g))
			}
			for _, r := range rs {
				if r.Message == "" {
					t.Errorf("%s: result without message for garbage %q: %+v", typ, osShort(g), r)
				}
			}
		}
	}
}

// osCheckTypes are the check types of the OS family (helper-owned list so
// the garbage test covers every one).
var osCheckTypes = []string{"cpu", "memory", "load", "disk", "inode", "uptime", "os-info", "systemd-unit", "zombie", "port-listen", "time-offset", "kernel-log", "accounts", "failed-logins", "reboot-required", "process"}

// FuzzOSParsers feeds arbitrary text to every OS parser and check: none may
// panic, and every check must still return a result with a message.
func FuzzOSParsers(f *testing.F) {
	for _, seed := range []string{
		"cpu  1 2 3 4 5 6 7 8\ncpu  2 3 4 5 6 7 8 9\n",
		"Filesystem Type 1024-blocks Used Available Capacity Mounted on\n/dev/x ext4 10 5 5 50% /\n@@RO\n/dev/x / ext4 ro 0 0\n",
		"              total        used        free      shared  buff/cache   available\nMem: 1 2 3 4 5 6\nSwap: 1 1 0\n",
		"@@SS\ntcp LISTEN 0 128 [::]:22 [::]:* users:((\"sshd\",pid=1,fd=3))\n",
		"@@CHRONYC\nSystem time : 1.5 seconds slow of NTP time\nLeap status : Normal\n",
		"@@UPTIME 100\n@@DMESG\n<3>[ 50.5] Out of memory: Killed process 1 (x) total-vm:1kB\n",
		"@@LOG /var/log/secure\nNov 29 05:12:41 h sshd[1]: Failed password for root from 1.2.3.4 port 2 ssh2\n",
		"@@LASTB\nroot ssh:notty 1.2.3.4 Sun Nov 29 03:01:02 2026 - Sun Nov 29 03:01:02 2026 (00:00)\n",
		"@@RUNNING 1.2-3\n@@KERNEL 1.2-4\n",
		"Z 1 a :: 2 (b) Z 1\n@@PROCS 2\n",
		"@@FILE /etc/os-release\nID=x\n@@UNAME\nLinux 1 x\n",
	} {
		f.Add(seed)
	}
	types := append([]string{}, osCheckTypes...)
	f.Fuzz(func(t *testing.T, s string) {
		parseDF(s)
		parseProcMounts(s)
		_, _ = parseFree(s, 1024)
		_, _ = ParseMeminfo(s)
		_, _ = parseCPUSample(s)
		_, _ = parseLoadavg(s)
		_, _ = parseCPUList(s)
		parseOSInfo(osSplit(s))
		parseSS(s)
		parseNetstat(s)
		parseProcNet(s)
		parseSystemctlFailed(s)
		parseSystemctlShow(s)
		parseChronyTracking(s)
		parseNtpq(s)
		parseTimedatectl(s, s)
		parseKernelJournal(s)
		parseKernelDmesg(s, osNow)
		parseAuthLog(s, osNow)
		parseLastb(s, osNow)
		parseZombies(s)
		osVerCmp(s, "1.0")
		kernelFlavor(s)
		for _, typ := range types {
			c, _ := Lookup(typ)
			rs := c.Evaluate(context.Background(), &inspect.Env{Spec: &inspect.Spec{Name: typ, Type: typ}, Section: &inspect.Section{Stdout: s}, Now: osNow, Since: osNow.Add(-time.Hour)})
			if len(rs) == 0 || rs[0].Message == "" {
				t.Fatalf("%s: no result or message for %q", typ, s)
			}
		}
	})
}

type osPanicCheck struct{}

func (osPanicCheck) Script(*inspect.Spec, *inventory.Asset) (string, error) { return "true", nil }
func (osPanicCheck) Validate(*inspect.Spec) error                           { return nil }
func (osPanicCheck) Evaluate(context.Context, *inspect.Env) []result.Result {
	var m map[string]int
	//lint:ignore SA5000 the panic is the point: a parser bug
	m["x"] = 1
	return nil
}

func TestOSGuard(t *testing.T) {
	g := osGuard{osPanicCheck{}}
	rs := g.Evaluate(context.Background(), &inspect.Env{Spec: &inspect.Spec{Name: "p", Type: "p"}, Section: &inspect.Section{Stdout: "x"}})
	if len(rs) != 1 || rs[0].Status != result.Unknown || rs[0].Reason != "internal-error" || !strings.Contains(rs[0].Message, "nil map") {
		t.Errorf("panic not turned into UNKNOWN: %+v", rs)
	}
	// Output cut short inside the disk section: the mount seen is reported,
	// with a note that others may be missing.
	c, _ := Lookup("disk")
	sec := &inspect.Section{Stdout: "Filesystem Type 1024-blocks Used Available Capacity Mounted on\n/dev/vda ext4 100 10 90 10% /\n/dev/vdb ext4 100", Truncated: true}
	rs = c.Evaluate(context.Background(), &inspect.Env{Spec: &inspect.Spec{Name: "disk", Type: "disk"}, Section: sec, Now: osNow})
	if len(rs) != 1 || rs[0].Status != result.OK || !strings.Contains(rs[0].Message, "cut short") {
		t.Errorf("truncated disk output: %+v", rs)
	}
}

// Every message key the OS checks use is in the catalogue, so no user ever
// sees a bare key.
func TestOSMessagesInCatalogue(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRe := checktest.MsgKeyRE
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // a key built at run time; its tests check each one
			}
			n++
			if !i18n.Has(m[1]) {
				t.Errorf("%s: message key %q is not in the catalogue", f, m[1])
			}
		}
	}
	if n < 80 {
		t.Fatalf("found only %d message uses: is the pattern stale?", n)
	}
}

func TestOSCut(t *testing.T) {
	for _, tc := range []struct{ in, head, tail string }{
		{"a\n@@X\nb\n@@X\nc\n", "a\n", "b\n@@X\nc\n"},
		{"@@X\nb\n", "", "b\n"},
		{"a\n@@X", "a\n", ""},
	} {
		h, tl, ok := osCut(tc.in, "X")
		if !ok || h != tc.head || tl != tc.tail {
			t.Errorf("osCut(%q) = %q, %q, %v", tc.in, h, tl, ok)
		}
	}
	if _, _, ok := osCut("a\n@@XY\n", "X"); ok {
		t.Error("@@XY taken for @@X")
	}
}

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

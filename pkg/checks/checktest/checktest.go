// Package checktest holds the helpers the check packages' tests share:
// running a collector snippet with /bin/sh, test certificates, and the
// message catalogue checks.
package checktest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// prSentinel ends the script runSnippet feeds to sh: if a snippet read its
// stdin (which is the batched host script), the prSentinel would be eaten.
const prSentinel = "@@HCOPS_TEST_SENTINEL"

// runSnippet runs check's snippet for spec the way the host script does:
// the script is sent to /bin/sh on stdin, followed by more commands. It
// returns the snippet's section.
func RunSnippet(t testing.TB, c inspect.Check, spec *inspect.Spec, a *inventory.Asset) *inspect.Section {
	t.Helper()
	script, err := c.Script(spec, a)
	if err != nil {
		t.Fatalf("Script: %v", err)
	}
	if script == "" {
		t.Fatalf("Script returned no snippet")
	}
	full := script + "\necho \"@@RC=$?\"\necho " + prSentinel + "\n"
	cmd := exec.Command("/bin/sh")
	cmd.Stdin = strings.NewReader(full)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	s := string(out)
	if !strings.HasSuffix(s, prSentinel+"\n") {
		t.Fatalf("snippet consumed the rest of the host script (no prSentinel):\n%s", s)
	}
	s = strings.TrimSuffix(s, prSentinel+"\n")
	i := strings.LastIndex(s, "@@RC=")
	if i < 0 {
		t.Fatalf("no exit code in output:\n%s", s)
	}
	rc, err := strconv.Atoi(strings.TrimSpace(s[i+5:]))
	if err != nil {
		t.Fatalf("exit code: %v", err)
	}
	return &inspect.Section{Stdout: s[:i], ExitCode: rc}
}

// Eval runs check c (of type typ) end to end on this machine and returns its results.
func Eval(t testing.TB, c inspect.Check, typ string, spec *inspect.Spec) []result.Result {
	t.Helper()
	spec.Type = typ
	if spec.Name == "" {
		spec.Name = typ
	}
	th, err := inspect.ParseThresholds(spec.Warn, spec.Crit)
	if err != nil {
		t.Fatal(err)
	}
	asset := &inventory.Asset{Name: "localhost", Kind: inventory.KindHost, Address: "127.0.0.1"}
	env := &inspect.Env{Spec: spec, Asset: asset, Thresholds: th, Now: time.Now(), Since: time.Now().Add(-24 * time.Hour)}
	if script, err := c.Script(spec, asset); err != nil {
		return inspect.BadParamsResult(env, typ, err)
	} else if script != "" {
		env.Section = RunSnippet(t, c, spec, asset)
	}
	return c.Evaluate(context.Background(), env)
}

func One(t testing.TB, rs []result.Result) result.Result {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("got %d results, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

// WriteCertFile writes PEM blocks into dir/name.
func WriteCertFile(t *testing.T, dir, name string, blocks ...[]byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(bytesToStrings(blocks), "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func Deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func ResultItem(t *testing.T, rs []result.Result, name string) result.Result {
	t.Helper()
	for _, r := range rs {
		if r.Item == name {
			return r
		}
	}
	t.Fatalf("no result with item %q in %+v", name, rs)
	return result.Result{}
}

// WantChinese checks that Chinese results read as Chinese: every message
// and advice has Chinese words, and no format verb went wrong.
func WantChinese(t *testing.T, rs []result.Result) {
	t.Helper()
	for _, r := range rs {
		t.Logf("%s/%s %s: %s | %s", r.Type, r.Item, r.Status, r.Message, r.Advice)
		if !HasHan(r.Message) || r.Advice != "" && !HasHan(r.Advice) {
			t.Errorf("%s/%s: not in Chinese: %q / %q", r.Type, r.Item, r.Message, r.Advice)
		}
		if strings.Contains(r.Message+r.Advice, "%!") {
			t.Errorf("%s/%s: bad format: %q / %q", r.Type, r.Item, r.Message, r.Advice)
		}
	}
}

var probeKeyRE = MsgKeyRE

// WantKeys checks the message keys files pass to probeT; a key ending in
// "." is the stem of keys built at run time, checked by the caller.
func WantKeys(t *testing.T, files []string, atLeast int) {
	t.Helper()
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range probeKeyRE.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue
			}
			n++
			WantKey(t, m[1])
		}
	}
	if n < atLeast {
		t.Fatalf("found only %d message uses in %v: is the pattern stale?", n, files)
	}
}

func WantKey(t *testing.T, key string) {
	t.Helper()
	m, ok := i18n.Keys()[key]
	if !ok {
		t.Errorf("message key %q is not in the catalogue", key)
		return
	}
	if m.ZH == "" || m.EN == "" {
		t.Errorf("message %q lacks a language", key)
	}
}

var CST = time.FixedZone("+0800", 8*3600)

func Metric(r result.Result, name string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

// RunSh runs script with the real /bin/sh, the way a transport does (script
// on stdin).
func RunSh(t *testing.T, script string) []byte {
	t.Helper()
	cmd := exec.Command("/bin/sh")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.Output()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("sh: %v", err)
		}
	}
	return out
}

// MsgKeyRE finds the catalogue keys a check's source uses, through every
// helper that writes a message, parameter errors (BadParamMsg) and coded
// errors (i18n.NewError) included (the *MessagesInCatalogue tests).
var MsgKeyRE = regexp.MustCompile(`(?:probeT\([a-zA-Z&.]+, |osT\(env, |(?:inspect\.)?(?:setMsg|setAdvice|addMsg|SetMsg|SetAdvice|AddMsg)\(&?[\w.\[\]()-]+, env, |osUnknownMsg\(\w+, env, "[^"]+", |i18n\.S\(|i18n\.NewError\(|BadParamMsg\(\w+, [\w."/]+, )"([^"]+)"`)

func bytesToStrings(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

func HasHan(s string) bool {
	for _, c := range s {
		if unicode.Is(unicode.Han, c) {
			return true
		}
	}
	return false
}

// WantLiteralKeys checks every string literal that re finds (its first
// group is the key) in the package's non-test sources, in the current
// directory, against the catalogue; fewer than atLeast keys means the
// pattern went stale.
func WantLiteralKeys(t *testing.T, re *regexp.Regexp, atLeast int) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			WantKey(t, m[1])
		}
	}
	if n < atLeast {
		t.Fatalf("only %d message keys found: is the pattern stale?", n)
	}
}

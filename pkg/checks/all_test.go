package checks

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/checks/checktest"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/playbooks"
)

// Every built-in playbook must load strictly (known keys, registered check
// types, valid thresholds and parameters): a broken built-in would break
// every user's inspection.
func TestBuiltinPlaybooksLoad(t *testing.T) {
	lib, err := inspect.LoadLibrary(All(), playbooks.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"db-health", "hardware-monthly"} {
		pb, err := lib.Get(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(pb.Checks) == 0 {
			t.Errorf("%s has no checks", name)
		}
	}
	for _, pb := range lib.List() {
		for _, c := range pb.Checks {
			if _, ok := All().Lookup(c.Type); !ok {
				t.Errorf("%s: check %s has unregistered type %q", pb.Name, c.Name, c.Type)
			}
		}
	}
}

// TestProbeMessagesInCatalogue checks that every message key the check
// types of this file set use is in the i18n catalogue with both languages,
// so no user sees a bare key.
func TestProbeMessagesInCatalogue(t *testing.T) {
	files := []string{"../inspect/params.go", "generic/command.go", "generic/nagios.go", "probe/http.go", "probe/tcp.go",
		"probe/tlscert.go", "probe/dns.go", "os/file.go", "os/logpattern.go"}
	keyRe := checktest.MsgKeyRE
	all := i18n.Keys()
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			n++
			msg, ok := all[m[1]]
			if !ok {
				t.Errorf("%s: message key %q is not in the catalogue", f, m[1])
				continue
			}
			if msg.ZH == "" || msg.EN == "" {
				t.Errorf("%s: message %q lacks a language", f, m[1])
			}
			if strings.Count(msg.ZH, "%") != strings.Count(msg.EN, "%") {
				t.Errorf("message %q: zh and en take a different number of arguments", m[1])
			}
		}
	}
	if n < 50 {
		t.Fatalf("found only %d message uses: is the pattern stale?", n)
	}
}

// TestShellChecksSurviveHostileOutput feeds every shell check of this file
// set output it does not expect: garbage, forged and half markers, control
// characters, a huge line, nothing at all. Each must answer with at least
// one result and never panic.
func TestShellChecksSurviveHostileOutput(t *testing.T) {
	specs := []*inspect.Spec{
		{Name: "c", Type: "command", Params: map[string]any{"script": "true", "value_regex": `(\d+)`}},
		{Name: "n", Type: "nagios-plugin", Params: map[string]any{"plugin": "check_x"}},
		{Name: "f", Type: "file", Params: map[string]any{"paths": []any{"/a", "/b"}, "max_age": "1h", "mode": "0600"}},
		{Name: "l", Type: "log-pattern", Params: map[string]any{"path": "/var/log/x", "pattern": "e"}},
		{Name: "t", Type: "tls-cert", Params: map[string]any{"files": []any{"/a.crt", "/b/*.crt"}}},
	}
	outputs := []string{
		"",
		"\x1b[2J\x1b]0;pwned\x07\x00\xff\xfe",
		strings.Repeat("A", inspect.EvidenceMax*2),
		"@@HCOPS_FILE 0 STAT\n@@HCOPS_FILE 1 STAT x y z 1 2 3 4 5\n@@HCOPS_FILE -1 ABSENT\n@@HCOPS_FILE 99999999999999999999 ABSENT\n",
		"@@HCOPS_NOW notanumber\n@@HCOPS_FILE 0 LSN -rwx\n@@HCOPS_FILE 1 LSN drwxrwxrwx 1 0 0 x Jan 1 1970 /b\n",
		"@@HCOPS_LOG NOW x TZ +99999\n@@HCOPS_LOG COUNT -5\n\x00\n",
		"@@HCOPS_LOG COUNT 99999999999999999999999\n",
		"@@HCOPS_CERT_FILE 0 zz\n-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n@@HCOPS_CERT_END\n@@HCOPS_CERT_MISSING 7\n@@HCOPS_CERT_FILE 1 2f\n",
		"OK | 'unterminated=1 =;;; ''=5 a=1e999 b=-\n",
	}
	for _, s := range specs {
		c, ok := All().Lookup(s.Type)
		if !ok {
			t.Fatalf("%s not registered", s.Type)
		}
		for _, out := range outputs {
			for _, code := range []int{0, 2, 127, -1} {
				for _, trunc := range []bool{false, true} {
					env := &inspect.Env{Spec: s, Section: &inspect.Section{Stdout: out, ExitCode: code, Truncated: trunc}, Now: time.Now()}
					rs := c.Evaluate(context.Background(), env)
					if len(rs) == 0 {
						t.Fatalf("%s: no result for %q", s.Type, inspect.Clip(out, 40))
					}
					for _, r := range rs {
						if r.Message == "" {
							t.Errorf("%s: empty message for %q (exit %d)", s.Type, inspect.Clip(out, 40), code)
						}
						if len(r.Evidence) > inspect.EvidenceMax+4 {
							t.Errorf("%s: evidence of %d bytes exceeds the bound", s.Type, len(r.Evidence))
						}
					}
				}
			}
		}
	}
}

package sec

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// The fixtures in testdata/<os>/ are /etc trees of real hosts (see each
// SOURCES.md) plus extra.txt, what the collectors print that is not a
// file (modules found, sshd -T, stat, the shadow summary). fixtureOutput
// renders a tree the way the collectors' hf function prints it: each
// regular file as "@@F /etc/…", then its lines that are neither blank nor
// comments, numbered. The collectors themselves run for real, on this
// machine's /etc and on swapped /etc trees, in realhost_test.go.

var commentOrBlank = regexp.MustCompile(`^[[:space:]]*(#|$)`)

func fixtureOutput(t *testing.T, name string) string {
	t.Helper()
	root := filepath.Join("testdata", name)
	var b strings.Builder
	var files []string
	err := filepath.WalkDir(filepath.Join(root, "etc"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	b.WriteString("@@TIME 2026-12-07T03:00:00Z\n")
	var passwd, shadowSH []string
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel := "/" + filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		fmt.Fprintf(&b, "@@F %s\n", rel)
		for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
			if !commentOrBlank.MatchString(l) {
				fmt.Fprintf(&b, "%d:%s\n", i+1, l)
			}
		}
		if rel == "/etc/passwd" {
			passwd = strings.Split(string(data), "\n")
		}
	}
	extra, err := os.ReadFile(filepath.Join(root, "extra.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(extra), "\n") {
		if strings.HasPrefix(l, "@@V SH ") {
			shadowSH = append(shadowSH, l)
		}
	}
	b.Write(extra)
	// What the linux-daily accounts collector prints for the same files.
	if passwd != nil {
		b.WriteString("@@C acct 0\n|@@PASSWD\n")
		for _, l := range passwd {
			if f := strings.Split(l, ":"); len(f) > 2 && f[2] == "0" {
				b.WriteString("|UID0 " + f[0] + "\n")
			}
		}
		if shadowSH != nil {
			b.WriteString("|@@SHADOW\n")
			for _, l := range shadowSH {
				if f := strings.Fields(l); len(f) > 3 && f[3] == "EMPTY" {
					b.WriteString("|EMPTY " + f[2] + "\n")
				}
			}
		} else {
			b.WriteString("|@@NOSHADOW\n")
		}
	}
	return b.String()
}

// allTypes are the baseline's check types, as the mlps3-linux playbook
// calls them.
var allTypes = map[string]inspect.Check{
	"sec-accounts": Accounts(), "sec-password": Password(), "sec-lockout": Lockout(), "sec-sshd": Sshd(),
	"sec-session": Session(), "sec-privilege": Privilege(), "sec-mac": MAC(), "sec-audit": Audit(),
	"sec-logs": Logs(), "sec-exposure": Exposure(), "sec-patch": Patch(), "sec-agent": Agent(), "sec-trust": Trust(),
}

// evalAll runs every check type on the same output, in lang, and returns
// the results by rule.
func evalAll(t *testing.T, out, lang string) map[string]result.Result {
	t.Helper()
	got := map[string]result.Result{}
	for typ, c := range allTypes {
		spec := &inspect.Spec{Name: typ, Type: typ}
		env := &inspect.Env{Spec: spec, Section: &inspect.Section{Stdout: out}, Now: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC), Lang: lang}
		for _, r := range c.Evaluate(context.Background(), env) {
			if _, dup := got[r.Item]; dup {
				t.Errorf("rule %s answered twice", r.Item)
			}
			if r.Type != typ {
				t.Errorf("%s: type %q, want %q", r.Item, r.Type, typ)
			}
			got[r.Item] = r
		}
	}
	return got
}

// verdicts are the expected checklist verdicts of one fixture; rules not
// listed depend on this machine or on files the fixture lacks.
type verdicts map[string]baseline.Verdict

const (
	pass    = baseline.Pass
	partial = baseline.Partial
	fail    = baseline.Fail
	na      = baseline.NotApplicable
	nc      = baseline.NotChecked
)

func TestFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		want    verdicts
		advice  map[string]string // rule -> text the advice must contain (the OS family's own tool)
		msg     map[string]string // rule -> text the English message must contain
	}{
		{"debian12", verdicts{
			"ia-empty-password": pass, "ia-uid0-unique": pass, "ia-password-complexity": fail, "ia-password-expiry": fail,
			"ia-account-expiry": pass, "ia-password-reuse": fail, "ia-password-hash": pass, "ia-ssh-empty-password": pass,
			"ia-lockout-faillock": fail, "ia-lockout-tally2": na, "ia-ssh-max-auth-tries": partial, "ia-shell-timeout": fail,
			"ia-ssh-idle-timeout": fail, "ia-multi-factor": fail, "ac-file-permissions": pass, "ac-umask": fail,
			"ac-root-ssh-login": partial, "ac-su-wheel": fail, "ip-ssh-access": fail, "di-ssh-macs": fail, "dc-ssh-ciphers": pass,
			"ri-history-size": fail, "ri-core-dumps": fail, "ac-default-accounts": partial, "au-log-forward": fail,
		}, map[string]string{
			"ia-lockout-faillock":    "/etc/pam.d/common-auth",
			"ia-password-complexity": "libpam-pwquality",
			"ac-mac":                 "AppArmor",
		}, map[string]string{
			"ia-password-expiry":  "PASS_MAX_DAYS is 99999 in /etc/login.defs; required ≤ 90",
			"di-ssh-macs":         "hmac-sha1",
			"ac-root-ssh-login":   "PermitRootLogin is without-password; required no",
			"ac-default-accounts": "postgres",
		}},
		{"centos7", verdicts{
			"ia-password-complexity": partial, "ia-password-reuse": fail, "ia-lockout-faillock": fail, "ia-lockout-tally2": na,
			"ac-su-wheel": na, "ia-password-expiry": fail,
		}, map[string]string{
			"ia-lockout-faillock":    "authconfig --enablefaillock",
			"ia-password-complexity": "authconfig",
			"ia-password-reuse":      "system-auth and password-auth",
			"ip-patch-age":           "",
		}, map[string]string{
			"ia-password-complexity": "0 character classes required; required ≥ 3",
			"ia-lockout-tally2":      "both pam_tally2 and pam_faillock",
		}},
		{"centos6", verdicts{
			"ia-password-hash": fail, "ia-password-complexity": partial, "ia-lockout-tally2": fail, "ia-lockout-faillock": na,
		}, map[string]string{
			"ia-lockout-tally2": "pam_tally2.so deny=5 unlock_time=180",
		}, map[string]string{
			"ia-password-hash":       "pam_unix hashes new passwords with md5 (/etc/pam.d/system-auth)",
			"ia-password-complexity": "0 character classes required",
			"ia-lockout-faillock":    "no pam_faillock module",
		}},
		{"rhel8", verdicts{
			"ia-password-complexity": partial, "ia-password-reuse": pass, "ia-lockout-faillock": pass, "ia-lockout-tally2": na,
			"ac-su-wheel": fail, "au-log-retention": fail,
		}, nil, map[string]string{
			"ia-lockout-faillock": "pam_faillock locks after 3 failures for 600 s (sshd, login)",
			"ia-password-reuse":   "pam_unix remembers the last 5 passwords",
			"au-log-retention":    "/var/log/messages is kept only about 0 days",
		}},
		{"kylin-v10", verdicts{
			"ia-lockout-faillock": pass, "ia-lockout-tally2": na, "ia-password-complexity": partial,
		}, map[string]string{
			"ia-password-complexity": "authselect",
		}, map[string]string{
			"ia-lockout-faillock": "after 3 failures for 180 s",
		}},
		{"sles12", verdicts{
			"ia-password-complexity": pass, "ia-password-reuse": pass, "ia-lockout-tally2": pass, "ia-lockout-faillock": na,
		}, map[string]string{}, map[string]string{
			"ia-password-complexity": "pam_cracklib enforces at least 8 characters of 4 classes",
			"ia-lockout-tally2":      "pam_tally2 locks after 5 failures for 900 s (login)",
			"ia-password-reuse":      "pam_pwhistory remembers the last 12 passwords",
		}},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			out := fixtureOutput(t, c.fixture)
			got := evalAll(t, out, "en")
			for _, rule := range baseline.Rules() {
				r, ok := got[rule.ID]
				if !ok {
					t.Errorf("no result for rule %s", rule.ID)
					continue
				}
				if r.Message == "" || !strings.HasPrefix(r.Evidence, "# read ") {
					t.Errorf("%s: message %q, evidence %q", rule.ID, r.Message, r.Evidence)
				}
				if (r.Status == result.Warn || r.Status == result.Crit) && r.Advice == "" {
					t.Errorf("%s: %s without advice", rule.ID, r.Status)
				}
				if strings.Contains(r.Message, "%!") || strings.Contains(r.Advice, "%!") {
					t.Errorf("%s: broken format: %q / %q", rule.ID, r.Message, r.Advice)
				}
			}
			if len(got) != len(baseline.Rules()) {
				t.Errorf("%d results for %d rules", len(got), len(baseline.Rules()))
			}
			for id, want := range c.want {
				r := got[id]
				if v := baseline.VerdictOf(r); v != want {
					t.Errorf("%s: %s (%s %q), want %s\nevidence:\n%s", id, v, r.Status, r.Message, want, r.Evidence)
				}
			}
			for id, want := range c.advice {
				if r := got[id]; !strings.Contains(r.Advice, want) {
					t.Errorf("%s advice %q lacks %q", id, r.Advice, want)
				}
			}
			for id, want := range c.msg {
				if r := got[id]; !strings.Contains(r.Message, want) {
					t.Errorf("%s message %q lacks %q", id, r.Message, want)
				}
			}
		})
	}
}

// The same finding reads in Chinese from the same code and args: a report
// in zh renders what an en inspection stored.
func TestFindingsInBothLanguages(t *testing.T) {
	out := fixtureOutput(t, "debian12")
	en, zh := evalAll(t, out, "en"), evalAll(t, out, "zh")
	r := en["ia-password-expiry"]
	if z := zh["ia-password-expiry"]; z.Message != r.MessageIn("zh") || !strings.Contains(z.Message, "PASS_MAX_DAYS 为 99999（/etc/login.defs），要求 ≤ 90；PASS_MIN_DAYS") {
		t.Errorf("zh %q, rendered from en %q", z.Message, r.MessageIn("zh"))
	}
	if !strings.Contains(r.AdviceIn("zh"), "chage") || strings.Contains(r.AdviceIn("zh"), "set PASS") {
		t.Errorf("zh advice %q", r.AdviceIn("zh"))
	}
	// The evidence names the file, the line number and the line.
	if !strings.Contains(r.Evidence, "/etc/login.defs:") || !strings.Contains(r.Evidence, "PASS_MAX_DAYS") {
		t.Errorf("evidence %q", r.Evidence)
	}
	if !i18n.Has(r.Code) && r.Code != i18n.ConcatCode {
		t.Errorf("code %q", r.Code)
	}
}

// The advice is in the host's own tools, by the family and version its
// release files tell (copies of ../../../../shared/samples/os, headers
// kept): authselect on openEuler, UOS server and Kylin V10, authconfig on
// CentOS 7, pam-config on SUSE.
func TestAdviceByReleaseFile(t *testing.T) {
	for name, want := range map[string]string{
		"openeuler-24.03.txt":  "authselect enable-feature with-faillock",
		"uos-server-20.txt":    "authselect enable-feature with-faillock",
		"kylin-v10-tercel.txt": "authselect enable-feature with-faillock",
		"centos-7.txt":         "authconfig --enablefaillock",
		"sles-12.txt":          "pam-config -a --faillock",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "os-release", name))
		if err != nil {
			t.Fatal(err)
		}
		out := file("/etc/os-release", string(data)) + file("/etc/pam.d/sshd", "auth required pam_unix.so\n") +
			"@@V MOD pam_faillock.so /usr/lib64/security\n"
		r := one(t, Lockout(), out, "ia-lockout-faillock", nil)
		if baseline.VerdictOf(r) != fail || !strings.Contains(r.Advice, want) {
			t.Errorf("%s: %s, advice %q lacks %q", name, baseline.VerdictOf(r), r.Advice, want)
		}
	}
}

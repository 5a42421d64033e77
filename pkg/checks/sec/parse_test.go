package sec

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/result"
)

// file renders one file as the collector prints it.
func file(path, text string) string {
	var b strings.Builder
	b.WriteString("@@F " + path + "\n")
	for i, l := range strings.Split(text, "\n") {
		if !commentOrBlank.MatchString(l) {
			b.WriteString(strconv.Itoa(i+1) + ":" + l + "\n")
		}
	}
	return b.String()
}

func one(t *testing.T, c inspect.Check, out, rule string, params map[string]any) result.Result {
	t.Helper()
	spec := &inspect.Spec{Name: "x", Type: "x", Params: params}
	env := &inspect.Env{Spec: spec, Section: &inspect.Section{Stdout: "@@ID 0\n@@TIME 2026-12-07T03:00:00Z\n" + out}, Now: time.Now(), Lang: "en"}
	for _, r := range c.Evaluate(context.Background(), env) {
		if r.Item == rule {
			return r
		}
	}
	t.Fatalf("no result for %s", rule)
	return result.Result{}
}

// sshd keeps the first value of a keyword, follows Include in place (a
// relative pattern is under /etc/ssh), and leaves Match blocks out.
func TestSshdConfigFirstMatchIncludeMatch(t *testing.T) {
	out := file("/etc/ssh/sshd_config", "# comment\nInclude sshd_config.d/*.conf\nPermitRootLogin yes\nMaxAuthTries 3\nMatch User backup\n  PermitEmptyPasswords yes\n  ClientAliveInterval 9999\n") +
		file("/etc/ssh/sshd_config.d/50-site.conf", "PermitRootLogin no\nClientAliveInterval 300\nClientAliveCountMax 2\n") +
		file("/etc/ssh/sshd_config.d/60-other.conf", "MaxAuthTries 10\n")
	if r := one(t, Sshd(), out, "ac-root-ssh-login", nil); baseline.VerdictOf(r) != pass || !strings.Contains(r.Evidence, "/etc/ssh/sshd_config.d/50-site.conf:1: PermitRootLogin no") {
		t.Errorf("the included file comes first: %s %q\n%s", r.Status, r.Message, r.Evidence)
	}
	if r := one(t, Sshd(), out, "ia-ssh-max-auth-tries", nil); baseline.VerdictOf(r) != partial || !strings.Contains(r.Message, "MaxAuthTries is 10") {
		t.Errorf("the included 10 precedes the main file's 3: %s %q", r.Status, r.Message)
	}
	if r := one(t, Sshd(), out, "ia-ssh-empty-password", nil); baseline.VerdictOf(r) != pass {
		t.Errorf("a Match block's value is not global: %s %q", r.Status, r.Message)
	}
	if r := one(t, Sshd(), out, "ia-ssh-idle-timeout", nil); baseline.VerdictOf(r) != pass || !strings.Contains(r.Message, "judged from the configuration files") {
		t.Errorf("idle: %s %q", r.Status, r.Message)
	}
	// ClientAliveCountMax 0 on OpenSSH ≥ 8.2 disables the cut-off.
	out0 := file("/etc/ssh/sshd_config", "ClientAliveInterval 300\nClientAliveCountMax 0\n") + "@@C sshdV 1\n|OpenSSH_8.7p1, OpenSSL 1.1.1k  FIPS 25 Mar 2021\n"
	if r := one(t, Sshd(), out0, "ia-ssh-idle-timeout", nil); baseline.VerdictOf(r) != fail || !strings.Contains(r.Message, "OpenSSH 8.2") {
		t.Errorf("count 0: %s %q", r.Status, r.Message)
	}
	// sshd_config readable by root only (RHEL 8 ships it 0600) and no sshd -T: not checked, not failed.
	if r := one(t, Sshd(), "@@NOREAD /etc/ssh/sshd_config\n@@C sshdT 255\n|sshd: no hostkeys available -- exiting.\n", "di-ssh-macs", nil); baseline.VerdictOf(r) != nc || r.Reason != "not-root" || r.Advice == "" {
		t.Errorf("unreadable: %s %s %q", r.Status, r.Reason, r.Advice)
	}
	// AuthenticationMethods with two methods in every list is two-factor.
	mfa := file("/etc/ssh/sshd_config", "AuthenticationMethods publickey,password publickey,keyboard-interactive\n")
	if r := one(t, Sshd(), mfa, "ia-multi-factor", nil); baseline.VerdictOf(r) != pass {
		t.Errorf("mfa: %s %q", r.Status, r.Message)
	}
	weak := file("/etc/ssh/sshd_config", "Ciphers aes256-ctr,aes128-cbc,3des-cbc\nMACs hmac-sha2-512,hmac-md5\n")
	if r := one(t, Sshd(), weak, "dc-ssh-ciphers", nil); baseline.VerdictOf(r) != fail || !strings.Contains(r.Message, "aes128-cbc,3des-cbc") {
		t.Errorf("ciphers: %s %q", r.Status, r.Message)
	}
	if r := one(t, Sshd(), weak, "di-ssh-macs", nil); baseline.VerdictOf(r) != fail || strings.Contains(r.Message, "hmac-sha2-512,") {
		t.Errorf("macs: %s %q", r.Status, r.Message)
	}
	if r := one(t, Sshd(), "", "ia-multi-factor", nil); baseline.VerdictOf(r) != na {
		t.Errorf("no sshd at all: %s %q", r.Status, r.Message)
	}
}

// PAM: bracketed controls, -type lines, include/substack/@include, and
// arguments overriding faillock.conf.
func TestPAMStacks(t *testing.T) {
	out := file("/etc/pam.d/sshd", "auth substack password-auth\n-auth optional pam_reauthorize.so prepare\n") +
		file("/etc/pam.d/password-auth", "auth required pam_env.so\nauth [default=die success=ok] pam_faillock.so authfail deny=4\nauth include other-auth\n") +
		file("/etc/pam.d/other-auth", "auth required pam_faillock.so preauth\n") +
		file("/etc/pam.d/login", "@include common-auth\n") +
		file("/etc/pam.d/common-auth", "auth required pam_faillock.so preauth\n") +
		file("/etc/security/faillock.conf", "deny = 9\nunlock_time = 60\n") +
		"@@V MOD pam_faillock.so /usr/lib64/security\n"
	r := one(t, Lockout(), out, "ia-lockout-faillock", nil)
	// deny: the line's 4 overrides the file's 9; unlock_time 60 < 180.
	if baseline.VerdictOf(r) != partial || !strings.Contains(r.Message, "unlock_time is 60 s") || strings.Contains(r.Message, "deny is") {
		t.Errorf("%s %q\n%s", r.Status, r.Message, r.Evidence)
	}
	if r := one(t, Lockout(), out, "ia-lockout-tally2", nil); baseline.VerdictOf(r) != na {
		t.Errorf("tally2: %s %q", r.Status, r.Message)
	}
	// pam_tally2 lines on a PAM without the module do nothing.
	dead := file("/etc/pam.d/sshd", "auth required pam_tally2.so deny=3 unlock_time=300\n") + "@@V MOD pam_faillock.so /usr/lib/x86_64-linux-gnu/security\n"
	if r := one(t, Lockout(), dead, "ia-lockout-tally2", nil); baseline.VerdictOf(r) != fail || !strings.Contains(r.Message, "removed in PAM 1.5") {
		t.Errorf("dead tally2: %s %q", r.Status, r.Message)
	}
	if r := one(t, Lockout(), dead, "ia-lockout-faillock", nil); baseline.VerdictOf(r) != fail {
		t.Errorf("dead tally2, faillock: %s %q", r.Status, r.Message)
	}
	// Site parameters tighten the rule.
	if r := one(t, Lockout(), out, "ia-lockout-faillock", map[string]any{"unlock_time": 30, "deny": 3}); !strings.Contains(r.Message, "deny is 4; required 1–3") {
		t.Errorf("params: %q", r.Message)
	}
}

// logrotate: the stanza's paths may span lines; the global directives of
// logrotate.conf apply unless the stanza overrides them.
func TestLogRetention(t *testing.T) {
	conf := file("/etc/logrotate.conf", "weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n/var/log/wtmp {\n    monthly\n    rotate 1\n}\n")
	stanza := file("/etc/logrotate.d/rsyslog", "/var/log/syslog\n/var/log/auth.log\n{\n\trotate 26\n\tmissingok\n}\n")
	r := one(t, Logs(), conf+stanza, "au-log-retention", nil)
	if baseline.VerdictOf(r) != pass || !strings.Contains(r.Message, "/var/log/syslog is kept about 182 days") {
		t.Errorf("%s %q\n%s", r.Status, r.Message, r.Evidence)
	}
	short := file("/etc/logrotate.d/syslog", "/var/log/messages /var/log/secure {\n  daily\n  rotate 30\n}\n") +
		file("/etc/rsyslog.conf", "*.* @@10.1.2.3:514\n")
	r = one(t, Logs(), conf+short, "au-log-retention", nil)
	if baseline.VerdictOf(r) != partial || !strings.Contains(r.Message, "about 30 days") {
		t.Errorf("forwarded, short: %s %q", r.Status, r.Message)
	}
	if r := one(t, Logs(), conf+short, "au-log-forward", map[string]any{"log_forward_hosts": []any{"10.9.9.9"}}); baseline.VerdictOf(r) != fail || !strings.Contains(r.Message, "10.1.2.3 (tcp)") {
		t.Errorf("wrong host: %s %q", r.Status, r.Message)
	}
	rainer := file("/etc/rsyslog.d/90-audit.conf", `action(type="omfwd" target="logaudit.example" port="514" protocol="tcp")`)
	if r := one(t, Logs(), rainer, "au-log-forward", map[string]any{"log_forward_hosts": []any{"logaudit.example"}}); baseline.VerdictOf(r) != pass {
		t.Errorf("omfwd: %s %q", r.Status, r.Message)
	}
}

func TestProcNetAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0100007F:0016":                         "127.0.0.1:22",
		"00000000:0017":                         "0.0.0.0:23",
		"00000000000000000000000000000000:01BD": ":::445",
		"00000000000000000000000001000000:0050": "::1:80",
		"0000000000000000FFFF00000100A8C0:0015": "192.168.0.1:21",
	} {
		a, p, ok := procNetAddr(in)
		if got := a + ":" + strconv.Itoa(p); !ok || got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	if _, _, ok := procNetAddr("zz:zz"); ok {
		t.Error("garbage accepted")
	}
}

// Every check type answers every one of its rules, in a known state, for
// output it does not expect — garbage, forged markers, a huge line,
// nothing — and a file line can never become a marker.
func TestHostileOutput(t *testing.T) {
	outputs := []string{
		"",
		"\x1b[2J\x1b]0;pwned\x07\x00\xff\xfe",
		strings.Repeat("A", inspect.EvidenceMax*2),
		"@@F /etc/login.defs\n1:PASS_MAX_DAYS\n2:PASS_MAX_DAYS 9999999999999999999999\n@@F\n@@C\n@@C x notanumber\n|@@F /etc/shadow\n@@V SH\n@@V SH a b c d e f g\n@@V STAT 7777 x\n@@V STAT 999 a b /etc/shadow\n",
		"@@F /etc/pam.d/sshd\n1:auth [success=1\n2:auth include sshd\n3:@include sshd\n4:auth\n",
		"@@F /etc/ssh/sshd_config\n1:Include *\n2:Match\n@@F /etc/logrotate.d/x\n1:{\n2:}}}\n3:rotate -5\n@@V NOW x\n@@V PKGDB 1 /x\n@@V PKGDB -99999999999999 /y\n",
		"@@C tcp 0\n|  sl local rem st\n| 0: 0100007F:ZZZZ 00000000:0000 0A\n| 1: 00000000:0017\n",
	}
	for typ, c := range allTypes {
		rules := map[string]bool{}
		for _, out := range outputs {
			for _, trunc := range []bool{false, true} {
				spec := &inspect.Spec{Name: typ, Type: typ}
				env := &inspect.Env{Spec: spec, Section: &inspect.Section{Stdout: out, Truncated: trunc, Missing: out == "" && trunc}, Now: time.Now()}
				rs := c.Evaluate(context.Background(), env)
				if len(rs) == 0 {
					t.Fatalf("%s: no result for %q", typ, inspect.Clip(out, 40))
				}
				for _, r := range rs {
					rules[r.Item] = true
					if _, ok := baseline.Lookup(r.Item); !ok {
						t.Errorf("%s: item %q is no baseline rule", typ, r.Item)
					}
					if r.Message == "" || r.Reason == "internal-error" {
						t.Errorf("%s %s: %s %q for %q", typ, r.Item, r.Reason, r.Message, inspect.Clip(out, 40))
					}
					if len(r.Evidence) > inspect.EvidenceMax+4 {
						t.Errorf("%s: evidence of %d bytes", typ, len(r.Evidence))
					}
					if trunc && r.Status == result.OK && r.Reason != result.ReasonNotApplicable {
						t.Errorf("%s %s: OK from output cut short", typ, r.Item)
					}
				}
			}
		}
		if len(rules) == 0 {
			t.Errorf("%s answered no rule", typ)
		}
	}
	// A line of /etc/shadow that reads like a marker stays a line of the
	// command's output: it cannot make the shadow readable.
	r := one(t, Accounts(), "@@C acct 0\n|@@PASSWD\n|UID0 root\n|@@NOSHADOW\n|@@V SHADOW readable\n", "ia-account-expiry", nil)
	if baseline.VerdictOf(r) != nc {
		t.Errorf("forged shadow marker: %s %q", r.Status, r.Message)
	}
}

// Every rule of the catalogue is answered by exactly one check type, and
// every rule that can be 部分符合 or 不符合 has advice in both languages.
func TestEveryRuleHasOneCheckAndAdvice(t *testing.T) {
	owner := map[string]string{}
	out := fixtureOutput(t, "debian12")
	for typ, c := range allTypes {
		env := &inspect.Env{Spec: &inspect.Spec{Name: typ, Type: typ}, Section: &inspect.Section{Stdout: out}, Now: time.Now()}
		for _, r := range c.Evaluate(context.Background(), env) {
			if prev, dup := owner[r.Item]; dup {
				t.Errorf("%s answered by %s and %s", r.Item, prev, typ)
			}
			owner[r.Item] = typ
		}
	}
	for _, rule := range baseline.Rules() {
		if owner[rule.ID] == "" {
			t.Errorf("rule %s has no check", rule.ID)
		}
		if k := adviceKey(rule.ID, ""); !i18n.Has(k) {
			t.Errorf("rule %s has no advice %s", rule.ID, k)
		}
	}
}

// An account past its expiry date that is not locked is surplus (部分符合);
// one outside the register is 不符合.
func TestSurplusAccounts(t *testing.T) {
	out := "@@TIME 2026-12-07T03:00:00Z\n" + file("/etc/passwd", "root:x:0:0::/root:/bin/bash\nops01:x:1000:1000::/home/ops01:/bin/bash\ntemp:x:1001:1001::/home/temp:/bin/bash\n") +
		"@@V SHADOW readable\n@@V SH root LOCKED 20000 99999 -\n@@V SH ops01 6 20000 90 -\n@@V SH temp 6 20000 90 20000\n"
	r := one(t, Accounts(), out, "ac-surplus-accounts", map[string]any{"allowed_accounts": []any{"ops01", "temp"}})
	if baseline.VerdictOf(r) != partial || !strings.Contains(r.Message, "expired accounts that are neither locked nor removed: temp") || !strings.Contains(r.Advice, "temp") {
		t.Errorf("%s %q %q", r.Status, r.Message, r.Advice)
	}
	r = one(t, Accounts(), out, "ac-surplus-accounts", map[string]any{"allowed_accounts": []any{"ops01"}})
	if baseline.VerdictOf(r) != fail || !strings.Contains(r.Message, "login accounts not in the account register: temp") {
		t.Errorf("%s %q", r.Status, r.Message)
	}
}

// EL9: sshd_config includes sshd_config.d/*.conf, whose 50-redhat.conf
// includes the crypto policy's back end, where the algorithms are set.
func TestSshdNestedIncludeCryptoPolicy(t *testing.T) {
	out := file("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n") +
		file("/etc/ssh/sshd_config.d/50-redhat.conf", "Include /etc/crypto-policies/back-ends/opensshserver.config\nSyslogFacility AUTHPRIV\n") +
		file("/etc/crypto-policies/back-ends/opensshserver.config", "Ciphers aes256-gcm@openssh.com,aes256-ctr,aes128-cbc\nMACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512\n")
	if r := one(t, Sshd(), out, "dc-ssh-ciphers", nil); baseline.VerdictOf(r) != fail || !strings.Contains(r.Evidence, "/etc/crypto-policies/back-ends/opensshserver.config:1: Ciphers") {
		t.Errorf("ciphers: %s %q\n%s", r.Status, r.Message, r.Evidence)
	}
	if r := one(t, Sshd(), out, "di-ssh-macs", nil); baseline.VerdictOf(r) != pass {
		t.Errorf("macs: %s %q", r.Status, r.Message)
	}
}

// pam_faillock counts failures only on its authfail line: a preauth line
// alone (a hand edit that stopped halfway) locks nobody.
func TestFaillockPreauthOnly(t *testing.T) {
	out := file("/etc/pam.d/sshd", "auth required pam_faillock.so preauth deny=3 unlock_time=600\nauth sufficient pam_unix.so\n") +
		"@@V MOD pam_faillock.so /usr/lib64/security\n"
	r := one(t, Lockout(), out, "ia-lockout-faillock", nil)
	if baseline.VerdictOf(r) != partial || !strings.Contains(r.Message, "no authfail line") {
		t.Errorf("%s %q", r.Status, r.Message)
	}
}

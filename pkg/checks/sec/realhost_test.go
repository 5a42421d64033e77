package sec

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/baseline"
	"github.com/cyhealth/hcops/pkg/inspect"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
	"github.com/cyhealth/hcops/playbooks"
)

// TestBaselineFlipsOnRealHost runs the mlps3-linux playbook's collectors,
// batched as an inspection does, over a real OpenSSH sshd on loopback,
// against this machine with its /etc swapped: once for a copy of /etc made
// unhardened, once for a copy made hardened. The swap is a bind mount in a
// private mount namespace (the test re-executes itself under `unshare
// --mount`), so the machine's real /etc is never touched. Every rule that
// can be changed from /etc (and /var/lib/dpkg/status, the processes and the
// listening sockets) must go from 不符合/部分符合 to 符合 (or 不适用);
// the rules that depend on the kernel or on daemons this machine does not
// run must give the same verdict both times.
func TestBaselineFlipsOnRealHost(t *testing.T) {
	if os.Getenv("HCOPS_SEC_NS") == "" {
		if os.Geteuid() != 0 {
			testenv.Missing(t, "swapping /etc with bind mounts needs root")
		}
		unshare := testenv.LookPath(t, "unshare")
		testenv.LookPath(t, "sshd")
		cmd := exec.Command(unshare, "--mount", "--propagation", "private", "--",
			os.Args[0], "-test.run", "^TestBaselineFlipsOnRealHost$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "HCOPS_SEC_NS=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("--- PASS: TestBaselineFlipsOnRealHost")) {
			t.Fatalf("in a private mount namespace: %v\n%s", err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "realhost_test.go") {
				t.Log(strings.TrimSpace(l))
			}
		}
		return
	}

	base := t.TempDir()
	unhardened := makeEtc(t, base, "unhardened", unharden)
	hardened := makeEtc(t, base, "hardened", harden)
	u := inspectSwapped(t, base, unhardened, false)
	h := inspectSwapped(t, base, hardened, true)

	// rule -> verdict without, with hardening.
	flips := map[string][2]baseline.Verdict{
		"ia-empty-password": {fail, pass}, "ia-uid0-unique": {fail, pass}, "ia-password-complexity": {fail, pass},
		"ia-password-expiry": {fail, pass}, "ia-account-expiry": {fail, pass}, "ia-password-reuse": {fail, pass},
		"ia-password-hash": {fail, pass}, "ia-ssh-empty-password": {fail, pass}, "ia-lockout-faillock": {fail, pass},
		"ia-lockout-tally2": {fail, na}, "ia-ssh-max-auth-tries": {partial, pass}, "ia-shell-timeout": {fail, pass},
		"ia-ssh-idle-timeout": {fail, pass}, "ia-remote-ssh-only": {fail, pass}, "ia-multi-factor": {fail, pass},
		"ac-file-permissions": {fail, pass}, "ac-umask": {fail, pass}, "ac-default-accounts": {fail, pass},
		"ac-root-ssh-login": {fail, pass}, "ac-surplus-accounts": {fail, pass}, "ac-su-wheel": {fail, pass},
		"ac-sudoers": {fail, pass}, "au-log-retention": {fail, pass},
		"au-log-forward": {fail, pass}, "ip-services": {fail, pass}, "ip-listening-ports": {fail, pass},
		"ip-ssh-access": {fail, pass}, "ip-patch-age": {fail, pass}, "ip-intrusion-detection": {fail, pass},
		"mc-malware-protection": {fail, pass}, "di-ssh-macs": {fail, pass}, "dc-ssh-ciphers": {fail, pass},
		"ri-history-size": {fail, pass}, "ri-core-dumps": {fail, pass}, "au-syslog": {fail, pass},
	}
	// Rules this machine cannot flip from /etc: the kernel's MAC state; a
	// running auditd, the rules loaded in the kernel and their protection
	// (with auditctl installed the loaded rules decide, and loading rules or
	// running auditd would change the kernel's audit for the whole machine:
	// audit is not namespaced); the tools on PATH and the default target; a
	// TPM/IMA.
	fixed := []string{"ac-mac", "au-auditd", "au-audit-rules", "au-audit-protect", "ip-minimal-install", "tv-trusted-verification"}
	for _, rule := range baseline.Rules() {
		ur, uok := u[rule.ID]
		hr, hok := h[rule.ID]
		if !uok || !hok {
			t.Errorf("%s: no result (unhardened %v, hardened %v)", rule.ID, uok, hok)
			continue
		}
		if want, ok := flips[rule.ID]; ok {
			if v := baseline.VerdictOf(ur); v != want[0] {
				t.Errorf("%s unhardened: %s %q, want %s\n%s", rule.ID, v, ur.Message, want[0], ur.Evidence)
			}
			if v := baseline.VerdictOf(hr); v != want[1] {
				t.Errorf("%s hardened: %s %q, want %s\n%s", rule.ID, v, hr.Message, want[1], hr.Evidence)
			}
			continue
		}
		if !contains(fixed, rule.ID) {
			t.Errorf("rule %s is neither flipped nor listed as fixed", rule.ID)
		}
		if baseline.VerdictOf(ur) != baseline.VerdictOf(hr) {
			t.Errorf("%s changed with /etc: %s -> %s", rule.ID, baseline.VerdictOf(ur), baseline.VerdictOf(hr))
		}
	}
	t.Logf("%d rules flip with /etc, %d do not on this machine: %s", len(flips), len(fixed), strings.Join(fixed, ", "))
}

// makeEtc copies this machine's /etc to base/name/etc and edits the copy.
func makeEtc(t *testing.T, base, name string, edit func(t *testing.T, etc string)) string {
	t.Helper()
	dir := filepath.Join(base, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", "/etc", dir+"/").CombinedOutput(); err != nil {
		t.Fatalf("cp -a /etc: %v\n%s", err, out)
	}
	etc := filepath.Join(dir, "etc")
	edit(t, etc)
	return etc
}

func write(t *testing.T, etc, rel, text string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(etc, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, etc, rel, text string) {
	t.Helper()
	old, _ := os.ReadFile(filepath.Join(etc, rel))
	st, err := os.Stat(filepath.Join(etc, rel))
	mode := os.FileMode(0o644)
	if err == nil {
		mode = st.Mode().Perm()
	}
	write(t, etc, rel, string(old)+text, mode)
}

func prepend(t *testing.T, etc, rel, text string) {
	t.Helper()
	old, _ := os.ReadFile(filepath.Join(etc, rel))
	write(t, etc, rel, text+string(old), 0o644)
}

// setDefs sets KEY value lines of login.defs.
func setDefs(t *testing.T, etc string, kv map[string]string) {
	t.Helper()
	p := filepath.Join(etc, "login.defs")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for k, v := range kv {
		re := regexp.MustCompile(`(?m)^` + k + `\s.*$`)
		if re.MatchString(s) {
			s = re.ReplaceAllString(s, k+"\t"+v)
		} else {
			s += k + "\t" + v + "\n"
		}
	}
	write(t, etc, "login.defs", s, 0o644)
}

// setShells gives every account below UID 1000 but root the shell.
func setShells(t *testing.T, etc, shell string, names ...string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(etc, "passwd"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		f := strings.Split(l, ":")
		if len(f) == 7 && f[0] != "root" && (names == nil && len(f[2]) < 4 || contains(names, f[0])) {
			f[6] = shell
			l = strings.Join(f, ":")
		}
		out = append(out, l)
	}
	write(t, etc, "passwd", strings.Join(out, "\n")+"\n", 0o644)
}

func unharden(t *testing.T, etc string) {
	appendTo(t, etc, "passwd", "toor:x:0:0:backdoor:/root:/bin/bash\nhcopsops:x:1500:1500::/home/hcopsops:/bin/bash\nolduser:x:1501:1501::/home/olduser:/bin/bash\n")
	setShells(t, etc, "/bin/sh", "daemon")
	shadow, err := os.ReadFile(filepath.Join(etc, "shadow"))
	if err != nil {
		t.Fatal(err)
	}
	sh := regexp.MustCompile(`(?m)^daemon:[^:]*:`).ReplaceAllString(string(shadow), "daemon:$$6$$salt$$notarealhash:")
	sh += "toor:$6$salt$notarealhash:20000:0:99999:7:::\nhcopsops:$1$salt$notarealhash:20000:0:99999:7:::\nolduser::20000:0:99999:7:::\n"
	write(t, etc, "shadow", sh, 0o644) // world-readable: ac-file-permissions
	setDefs(t, etc, map[string]string{"ENCRYPT_METHOD": "MD5"})
	appendTo(t, etc, "pam.d/common-auth", "auth required pam_tally2.so deny=3 unlock_time=300\n")
	prepend(t, etc, "ssh/sshd_config", "PermitEmptyPasswords yes\nMaxAuthTries 10\nPermitRootLogin yes\nClientAliveInterval 300\nClientAliveCountMax 0\nCiphers aes128-cbc,aes256-ctr\nMACs hmac-sha1,hmac-sha2-256\n")
	write(t, etc, "profile.d/longtimeout.sh", "TMOUT=3600\nexport TMOUT\n", 0o644)
	write(t, etc, "sudoers.d/deploy", "deploy ALL=(ALL) NOPASSWD: ALL\n", 0o440)
	write(t, etc, "audit/rules.d/audit.rules", "-D\n-b 8192\n", 0o640)
	write(t, etc, "logrotate.d/rsyslog", "/var/log/syslog\n/var/log/auth.log\n{\n\tweekly\n\trotate 4\n}\n", 0o644)
	for unit, target := range map[string]string{"sockets.target.wants/telnet.socket": "/lib/systemd/system/telnet.socket", "multi-user.target.wants/cups.service": "/lib/systemd/system/cups.service"} {
		p := filepath.Join(etc, "systemd/system", unit)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
}

func harden(t *testing.T, etc string) {
	appendTo(t, etc, "passwd", "hcopsops:x:1500:1500::/home/hcopsops:/bin/bash\n")
	setShells(t, etc, "/usr/sbin/nologin")
	appendTo(t, etc, "shadow", "hcopsops:$6$salt$notarealhash:20000:1:90:7:::\n")
	setDefs(t, etc, map[string]string{"PASS_MAX_DAYS": "90", "PASS_MIN_DAYS": "1", "PASS_WARN_AGE": "7", "UMASK": "027", "ENCRYPT_METHOD": "SHA512"})
	prepend(t, etc, "pam.d/common-auth", "auth required pam_faillock.so preauth\n")
	appendTo(t, etc, "pam.d/common-auth", "auth [default=die] pam_faillock.so authfail\n")
	write(t, etc, "security/faillock.conf", "deny = 5\nunlock_time = 900\n", 0o644)
	prepend(t, etc, "pam.d/common-password", "password requisite pam_pwquality.so retry=3 minlen=8 minclass=3\npassword required pam_pwhistory.so remember=5 use_authtok\n")
	prepend(t, etc, "pam.d/su", "auth required pam_wheel.so use_uid\n")
	prepend(t, etc, "ssh/sshd_config", "PermitEmptyPasswords no\nMaxAuthTries 4\nClientAliveInterval 300\nClientAliveCountMax 2\n"+
		"AuthenticationMethods publickey,password\nPermitRootLogin no\nAllowUsers root@127.0.0.1 ops@10.1.2.0/24\n"+
		"Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-ctr,aes128-ctr\n"+
		"MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256\n"+
		"KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group16-sha512\n")
	write(t, etc, "profile.d/autologout.sh", "TMOUT=600\nreadonly TMOUT\nexport TMOUT\n", 0o644)
	appendTo(t, etc, "profile", "HISTSIZE=50\nexport HISTSIZE\numask 027\n")
	appendTo(t, etc, "security/limits.conf", "* hard core 0\n")
	write(t, etc, "audit/rules.d/mlps.rules", "-w /etc/passwd -p wa -k identity\n-w /etc/shadow -p wa -k identity\n-w /etc/group -p wa -k identity\n"+
		"-w /etc/sudoers -p wa -k scope\n-a always,exit -F arch=b64 -S unlink,unlinkat,rename,renameat -F auid>=1000 -F auid!=unset -k delete\n-e 2\n", 0o640)
	write(t, etc, "logrotate.d/rsyslog", "/var/log/syslog /var/log/auth.log {\n\tdaily\n\trotate 180\n}\n", 0o644)
	write(t, etc, "rsyslog.conf", "*.* @@10.1.2.3:514\n", 0o644)
}

// inspectSwapped binds etc over /etc (and a package database of the right
// age over /var/lib/dpkg/status), starts what the variant runs (a listener
// on the telnet port, or a host security agent process), starts a real
// sshd and runs the playbook's collectors over it in one batched script.
func inspectSwapped(t *testing.T, base, etc string, hardened bool) map[string]result.Result {
	t.Helper()
	mount := func(args ...string) {
		if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
			t.Fatalf("mount %v: %v\n%s", args, err, out)
		}
	}
	mount("--bind", etc, "/etc")
	defer exec.Command("umount", "/etc").Run()
	status := filepath.Join(base, fmt.Sprintf("dpkg-status-%v", hardened))
	if err := os.WriteFile(status, []byte("Package: hcops-test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	age := 400 * 24 * time.Hour
	if hardened {
		age = 24 * time.Hour
	}
	os.Chtimes(status, time.Now().Add(-age), time.Now().Add(-age))
	if _, err := os.Stat("/var/lib/dpkg/status"); err == nil {
		mount("--bind", status, "/var/lib/dpkg/status")
		defer exec.Command("umount", "/var/lib/dpkg/status").Run()
	}
	if hardened {
		// A real rsyslogd (no systemd here: the check sees the process),
		// writing to a file of the test and opening no /dev/log.
		rsyslogd := testenv.LookPath(t, "rsyslogd")
		conf := filepath.Join(base, "rsyslog-test.conf")
		os.WriteFile(conf, []byte(`*.* action(type="omfile" file="`+filepath.Join(base, "messages")+`")`+"\n"), 0o644)
		rs := exec.Command(rsyslogd, "-n", "-f", conf, "-i", filepath.Join(base, "rsyslogd.pid"))
		if err := rs.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { rs.Process.Kill(); rs.Wait() }()
		testenv.WaitFor(t, 5*time.Second, "rsyslogd", func() bool {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", rs.Process.Pid))
			return strings.TrimSpace(string(comm)) == "rsyslogd"
		})
		agent := filepath.Join(base, "wazuh-agentd")
		data, err := os.ReadFile("/bin/sleep")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(agent, data, 0o755)
		cmd := exec.Command(agent, "600")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
	} else {
		l, err := net.Listen("tcp", "0.0.0.0:23")
		if err != nil {
			t.Fatalf("a telnet-port listener: %v", err)
		}
		defer l.Close()
	}

	sshd := testenv.StartSSHD(t, testenv.SSHDOptions{HostShellRC: true})
	defer sshd.Stop()
	d, err := transport.NewSSHDialer(transport.SSHConfig{
		KnownHostsFiles: []string{sshd.KnownHostsPath},
		Identities:      []string{sshd.ClientKeyPath},
		OwnKnownHosts:   filepath.Join(base, "known_hosts"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	conn, err := d.Dial(ctx, transport.SSHTarget{Name: "his-app01", Address: sshd.Host, Port: sshd.Port, User: sshd.User})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	specs := playbookSpecs(t)
	for _, s := range specs {
		if s.Type == "sec-accounts" {
			// The account register: the machine's own login accounts and the test's operator.
			reg := []any{"hcopsops"}
			for _, n := range hostLogins(t) {
				reg = append(reg, n)
			}
			s.Params = map[string]any{"allowed_accounts": reg}
		}
	}
	a := &inventory.Asset{Name: "his-app01", Kind: inventory.KindHost, Address: sshd.Host}
	var snippets []string
	for _, s := range specs {
		sn, err := allTypes[s.Type].Script(s, a)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		snippets = append(snippets, sn)
	}
	nonce := inspect.NewNonce()
	start := time.Now()
	out, err := conn.Run(ctx, inspect.BuildScript(nonce, snippets))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	secs := inspect.SplitSections(nonce, out.Stdout, len(specs), out.Truncated)
	got := map[string]result.Result{}
	counts := map[baseline.Verdict]int{}
	for i, s := range specs {
		env := &inspect.Env{Spec: s, Asset: a, Section: &secs[i], Now: time.Now(), Lang: "zh"}
		for _, r := range allTypes[s.Type].Evaluate(ctx, env) {
			got[r.Item] = r
			counts[baseline.VerdictOf(r)]++
		}
	}
	var vs []string
	for v, n := range counts {
		vs = append(vs, fmt.Sprintf("%s %d", v, n))
	}
	sort.Strings(vs)
	t.Logf("hardened=%v: one batched script over sshd, %d bytes out in %s; %s", hardened, len(out.Stdout), took.Round(time.Millisecond), strings.Join(vs, ", "))
	return got
}

// playbookSpecs reads the built-in mlps3-linux playbook's checks.
func playbookSpecs(t *testing.T) []*inspect.Spec {
	t.Helper()
	data, err := playbooks.FS.ReadFile("mlps3-linux.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pb struct {
		Checks []inspect.Spec `yaml:"checks"`
	}
	if err := yaml.Unmarshal(data, &pb); err != nil {
		t.Fatal(err)
	}
	var out []*inspect.Spec
	for i := range pb.Checks {
		s := pb.Checks[i]
		if _, ok := allTypes[s.Type]; !ok {
			t.Fatalf("playbook check %s: type %s is not a baseline type", s.Name, s.Type)
		}
		out = append(out, &s)
	}
	return out
}

// hostLogins are this machine's own login accounts (UID ≥ 1000).
func hostLogins(t *testing.T) []string {
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Split(l, ":")
		if len(f) == 7 && len(f[2]) >= 4 && f[0] != "hcopsops" && f[0] != "olduser" {
			out = append(out, f[0])
		}
	}
	return out
}

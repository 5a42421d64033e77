package transport

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/cyhealth/hcops/internal/testenv"
	"github.com/cyhealth/hcops/pkg/result"
)

// isolate points HOME, the config dir and the agent socket at nothing, so
// the user's own keys, agent and known_hosts never take part in a test.
func isolate(t testing.TB) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("SSH_AUTH_SOCK", "")
	return home
}

func newDialer(t testing.TB, cfg SSHConfig) *SSHDialer {
	t.Helper()
	if cfg.OwnKnownHosts == "" {
		cfg.OwnKnownHosts = filepath.Join(t.TempDir(), "hcops", "known_hosts")
	}
	d, err := NewSSHDialer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func target(s *testenv.SSHD) SSHTarget {
	return SSHTarget{Name: "test-host", Address: s.Host, Port: s.Port, User: s.User}
}

// dialRun dials t, runs script and closes the connection.
func dialRun(t testing.TB, d *SSHDialer, tg SSHTarget, script string) (Output, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := d.Dial(ctx, tg)
	if err != nil {
		return Output{}, err
	}
	defer r.Close()
	return r.Run(ctx, script)
}

func wantReason(t testing.TB, err error, reason string) {
	t.Helper()
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v (%T), want UnreachableError %s", err, err, reason)
	}
	if ue.Reason != reason {
		t.Fatalf("reason %q, want %q (err: %v)", ue.Reason, reason, err)
	}
}

func TestSSHKeyAuth(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	ctx := context.Background()
	r, err := d.Dial(ctx, target(s))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if want := s.User + "@" + s.Addr; r.Target() != want {
		t.Errorf("Target() = %q, want %q", r.Target(), want)
	}
	out, err := r.Run(ctx, "echo out; echo err >&2; cat; exit 7")
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Stdout) != "out\n" || string(out.Stderr) != "err\n" || out.ExitCode != 7 || out.Truncated {
		t.Fatalf("got %+v", out)
	}
	// The connection is shared: more commands, one login.
	for i := 0; i < 3; i++ {
		if out, err := r.Run(ctx, "echo $((40+2))"); err != nil || string(out.Stdout) != "42\n" {
			t.Fatalf("run %d: %q %v", i, out.Stdout, err)
		}
	}
	if n := s.CountLog("Accepted publickey"); n != 1 {
		t.Errorf("%d logins for 4 commands, want 1", n)
	}
}

// TestSSHHostKeyTypes: a host known by one key type must verify although
// it offers several (x/crypto prefers ECDSA; known_hosts may hold ed25519).
func TestSSHHostKeyTypes(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{ECDSAHostKey: true})
	for i, k := range s.HostKeys {
		kh := filepath.Join(t.TempDir(), "known_hosts")
		os.WriteFile(kh, []byte(knownhosts.Line([]string{s.Addr}, k)+"\n"), 0o600)
		d := newDialer(t, SSHConfig{KnownHostsFiles: []string{kh}, Identities: []string{s.ClientKeyPath}})
		if _, err := dialRun(t, d, target(s), "true"); err != nil {
			t.Errorf("known key %d (%s): %v", i, k.Type(), err)
		}
	}
}

func TestSSHAgentAuth(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	priv, err := ssh.ParseRawPrivateKey(mustRead(t, s.ClientKeyPath))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSH_AUTH_SOCK", serveAgent(t, priv))

	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}})
	if _, err := dialRun(t, d, target(s), "true"); err == nil {
		t.Fatal("logged in without agent and without keys")
	} else {
		wantReason(t, err, result.ReasonAuth)
	}
	d = newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, UseAgent: true})
	if out, err := dialRun(t, d, target(s), "echo via agent"); err != nil || string(out.Stdout) != "via agent\n" {
		t.Fatalf("agent auth: %q %v", out.Stdout, err)
	}
}

// serveAgent serves x/crypto's agent protocol (real code, the same a Go
// ssh-agent uses) holding priv on a unix socket, and returns the socket.
func serveAgent(t *testing.T, priv any) string {
	t.Helper()
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); agent.ServeAgent(keyring, c) }()
		}
	}()
	return sock
}

func TestSSHEncryptedKey(t *testing.T) {
	isolate(t)
	keyPath := filepath.Join(t.TempDir(), "id_enc")
	pub := testenv.WriteClientKey(t, keyPath, "correct horse")
	s := testenv.StartSSHD(t, testenv.SSHDOptions{AuthorizedKeys: []ssh.PublicKey{pub}})
	tg := target(s)

	// No TTY: the key is skipped, login fails (no other key).
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{keyPath}})
	_, err := dialRun(t, d, tg, "true")
	wantReason(t, err, result.ReasonAuth)

	var asked []string
	var mu sync.Mutex
	d = newDialer(t, SSHConfig{
		KnownHostsFiles: []string{s.KnownHostsPath},
		Identities:      []string{keyPath},
		Passphrase: func(f string) ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, f)
			return []byte("correct horse"), nil
		},
	})
	for i := 0; i < 2; i++ {
		if _, err := dialRun(t, d, tg, "true"); err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
	}
	if len(asked) != 1 || asked[0] != keyPath {
		t.Errorf("passphrase asked for %v, want once for %s", asked, keyPath)
	}

	// No TTY, but the agent holds the key unlocked: the asset's encrypted
	// key file is skipped and the agent's copy logs in.
	priv, err := ssh.ParseRawPrivateKeyWithPassphrase(mustRead(t, keyPath), []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSH_AUTH_SOCK", serveAgent(t, priv))
	withKey := tg
	withKey.KeyFile = keyPath
	d = newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, UseAgent: true})
	if _, err := dialRun(t, d, withKey, "true"); err != nil {
		t.Fatalf("encrypted key file with the key in the agent: %v", err)
	}

	// A wrong passphrase is an auth failure, with the file named.
	tg.KeyFile = keyPath
	d = newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath},
		Passphrase: func(string) ([]byte, error) { return []byte("wrong"), nil }})
	_, err = dialRun(t, d, tg, "true")
	wantReason(t, err, result.ReasonAuth)
	if !strings.Contains(err.Error(), keyPath) {
		t.Errorf("error does not name the key file: %v", err)
	}
}

func TestSSHAuthFailure(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	other := filepath.Join(t.TempDir(), "id_other")
	testenv.WriteClientKey(t, other, "")
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{other}})
	_, err := dialRun(t, d, target(s), "true")
	wantReason(t, err, result.ReasonAuth)
	if !strings.Contains(err.Error(), "test-host") {
		t.Errorf("error does not name the asset: %v", err)
	}
	// A missing --identity file is a configuration error up front.
	if _, err := NewSSHDialer(SSHConfig{Identities: []string{filepath.Join(t.TempDir(), "nope")}}); err == nil {
		t.Error("missing identity file accepted")
	}
}

// TestSSHPassword: a legacy device that only takes a password.
func TestSSHPassword(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{Password: "s3cret'pw"})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}})
	tg := target(s)
	tg.Password = "s3cret'pw"
	if out, err := dialRun(t, d, tg, "echo in"); err != nil || string(out.Stdout) != "in\n" {
		t.Fatalf("password login: %q %v", out.Stdout, err)
	}
	tg.Password = "wrong"
	_, err := dialRun(t, d, tg, "true")
	wantReason(t, err, result.ReasonAuth)
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestSSHHostKeyMismatch(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	// known_hosts says the host has another key: someone in the middle, or
	// a reinstalled host. Never connect, never record, even with AcceptNew.
	impostor := testenv.WriteClientKey(t, filepath.Join(t.TempDir(), "k"), "")
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	content := []byte("# managed\n" + knownhosts.Line([]string{s.Addr}, impostor) + "\n")
	os.WriteFile(kh, content, 0o600)
	own := filepath.Join(dir, "own_known_hosts")
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{kh}, OwnKnownHosts: own, AcceptNew: true, Identities: []string{s.ClientKeyPath}})
	_, err := dialRun(t, d, target(s), "true")
	wantReason(t, err, result.ReasonHostKeyMismatch)
	if !strings.Contains(err.Error(), kh+":2") {
		t.Errorf("error does not name the known_hosts line: %v", err)
	}
	if got := mustRead(t, kh); !bytes.Equal(got, content) {
		t.Errorf("known_hosts was modified:\n%s", got)
	}
	if _, err := os.Stat(own); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("own known_hosts written on a mismatch (stat: %v)", err)
	}
	if n := s.CountLog("Accepted publickey"); n != 0 {
		t.Errorf("logged in %d times to a host with a changed key", n)
	}
}

func TestSSHUnknownHostKey(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	dir := filepath.Join(t.TempDir(), "cfg", "hcops")
	own := filepath.Join(dir, "known_hosts")
	empty := filepath.Join(t.TempDir(), "known_hosts") // does not exist
	cfg := SSHConfig{KnownHostsFiles: []string{empty}, OwnKnownHosts: own, Identities: []string{s.ClientKeyPath}}

	d := newDialer(t, cfg)
	_, err := dialRun(t, d, target(s), "true")
	wantReason(t, err, result.ReasonHostKeyUnknown)
	// The error says what happened; what to do is the reason's advice.
	if strings.Contains(err.Error(), "--accept-new-host-keys") || !strings.Contains(Advice("en", ReasonOf(err)), "--accept-new-host-keys") {
		t.Errorf("error %v, advice %q", err, Advice("en", ReasonOf(err)))
	}
	if _, err := os.Stat(own); err == nil {
		t.Error("key recorded without AcceptNew")
	}

	cfg.AcceptNew = true
	d = newDialer(t, cfg)
	for i := 0; i < 2; i++ { // the second dial checks the key accepted in memory
		if _, err := dialRun(t, d, target(s), "true"); err != nil {
			t.Fatalf("accept new, dial %d: %v", i, err)
		}
	}
	st, err := os.Stat(own)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("own known_hosts mode %v, want 0600", st.Mode().Perm())
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("own known_hosts dir mode %v, want 0700", st.Mode().Perm())
	}
	want := knownhosts.Line([]string{s.Addr}, s.HostPublicKey) + "\n"
	if got := string(mustRead(t, own)); got != want {
		t.Errorf("recorded %q, want %q", got, want)
	}

	// Next run, without AcceptNew: verified from hcops' own file.
	cfg.AcceptNew = false
	d = newDialer(t, cfg)
	if _, err := dialRun(t, d, target(s), "true"); err != nil {
		t.Fatalf("recorded key not used: %v", err)
	}
}

// TestSSHAcceptNewConcurrent: many goroutines meeting the same new host
// record it once.
func TestSSHAcceptNewConcurrent(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	own := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(own, []byte("# no newline at the end"), 0o600)
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{}, OwnKnownHosts: own, AcceptNew: true, Identities: []string{s.ClientKeyPath}})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := dialRun(t, d, target(s), "true")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	want := "# no newline at the end\n" + knownhosts.Line([]string{s.Addr}, s.HostPublicKey) + "\n"
	if got := string(mustRead(t, own)); got != want {
		t.Errorf("own known_hosts:\n%s\nwant:\n%s", got, want)
	}
}

// TestSSHHostCertificate: a host with a certificate from a trusted CA is
// verified by the CA; without the CA the host's plain key is what gets
// trusted on first use (a certificate cannot be recorded).
func TestSSHHostCertificate(t *testing.T) {
	isolate(t)
	_, caPriv, _ := ed25519.GenerateKey(rand.Reader)
	ca, err := ssh.NewSignerFromKey(caPriv)
	if err != nil {
		t.Fatal(err)
	}
	s := testenv.StartSSHD(t, testenv.SSHDOptions{HostCA: ca})
	kh := filepath.Join(t.TempDir(), "known_hosts")
	// x/crypto matches the port exactly: "*" alone would mean port 22.
	os.WriteFile(kh, []byte(fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s", s.Port, ssh.MarshalAuthorizedKey(ca.PublicKey()))), 0o600)
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{kh}, Identities: []string{s.ClientKeyPath}})
	if _, err := dialRun(t, d, target(s), "true"); err != nil {
		t.Fatalf("host certificate from a trusted CA: %v", err)
	}

	// A host the CA would vouch for but that shows only a plain key is
	// unknown, not changed.
	plain := testenv.StartSSHD(t, testenv.SSHDOptions{})
	os.WriteFile(kh, []byte(fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s", plain.Port, ssh.MarshalAuthorizedKey(ca.PublicKey()))), 0o600)
	d = newDialer(t, SSHConfig{KnownHostsFiles: []string{kh}, Identities: []string{plain.ClientKeyPath}})
	_, err = dialRun(t, d, target(plain), "true")
	wantReason(t, err, result.ReasonHostKeyUnknown)

	own := filepath.Join(t.TempDir(), "own")
	d = newDialer(t, SSHConfig{KnownHostsFiles: []string{}, OwnKnownHosts: own, AcceptNew: true, Identities: []string{s.ClientKeyPath}})
	if _, err := dialRun(t, d, target(s), "true"); err != nil {
		t.Fatalf("accept new on a host with a certificate: %v", err)
	}
	if got, want := string(mustRead(t, own)), knownhosts.Line([]string{s.Addr}, s.HostPublicKey)+"\n"; got != want {
		t.Errorf("recorded %q, want the plain host key %q", got, want)
	}
}

// TestSSHAcceptNewRace: another hcops run records a different key for the
// host after this one started; this run must not trust its own "first use".
func TestSSHAcceptNewRace(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	own := filepath.Join(t.TempDir(), "known_hosts")
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{}, OwnKnownHosts: own, AcceptNew: true, Identities: []string{s.ClientKeyPath}})
	other := testenv.WriteClientKey(t, filepath.Join(t.TempDir(), "k"), "")
	theirs := knownhosts.Line([]string{s.Addr}, other) + "\n"
	os.WriteFile(own, []byte(theirs), 0o600)
	_, err := dialRun(t, d, target(s), "true")
	wantReason(t, err, result.ReasonHostKeyMismatch)
	if got := string(mustRead(t, own)); got != theirs {
		t.Errorf("own known_hosts changed:\n%s", got)
	}
}

// jumpChain starts bastion1 -> bastion2 -> target, with one known_hosts for
// all three.
func jumpChain(t *testing.T) (b1, b2, dst *testenv.SSHD, kh string) {
	b1 = testenv.StartSSHD(t, testenv.SSHDOptions{AllowTCPForwarding: true})
	b2 = testenv.StartSSHD(t, testenv.SSHDOptions{AllowTCPForwarding: true})
	dst = testenv.StartSSHD(t, testenv.SSHDOptions{})
	kh = filepath.Join(t.TempDir(), "known_hosts")
	var all []byte
	for _, s := range []*testenv.SSHD{b1, b2, dst} {
		all = append(all, mustRead(t, s.KnownHostsPath)...)
	}
	os.WriteFile(kh, all, 0o600)
	return
}

func TestSSHJumpChain(t *testing.T) {
	isolate(t)
	b1, b2, dst, kh := jumpChain(t)
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{kh},
		Identities: []string{b1.ClientKeyPath, b2.ClientKeyPath, dst.ClientKeyPath}})
	tg := target(dst)
	tg.Via = []SSHTarget{target(b1), target(b2)}
	tg.Via[0].KeyFile, tg.Via[1].KeyFile, tg.KeyFile = b1.ClientKeyPath, b2.ClientKeyPath, dst.ClientKeyPath

	// Many hosts behind the same bastions at once: one connection per hop.
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := dialRun(t, d, tg, "echo through; echo $SSH_CONNECTION")
			if err == nil && !strings.HasPrefix(string(out.Stdout), "through\n") {
				err = fmt.Errorf("output %q", out.Stdout)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n1, n2, n3 := b1.CountLog("Accepted publickey"), b2.CountLog("Accepted publickey"), dst.CountLog("Accepted publickey"); n1 != 1 || n2 != 1 || n3 != 10 {
		t.Errorf("logins: bastion1 %d, bastion2 %d, target %d; want 1, 1, 10", n1, n2, n3)
	}

	// A port nothing listens on behind the bastions: refused, named as
	// the target's failure.
	bad := tg
	bad.Name, bad.Port = "behind-down", testenv.FreePort(t)
	_, err := dialRun(t, d, bad, "true")
	wantReason(t, err, result.ReasonRefused)

	// A bastion that is down: the hosts behind it are unreachable with the
	// bastion's reason, and the error names the bastion.
	d2 := newDialer(t, SSHConfig{KnownHostsFiles: []string{kh}, Identities: []string{dst.ClientKeyPath}})
	b1.Stop()
	_, err = dialRun(t, d2, tg, "true")
	wantReason(t, err, result.ReasonRefused)
	if !strings.Contains(err.Error(), "jump host") || !strings.Contains(err.Error(), b1.Addr) {
		t.Errorf("error does not name the jump host: %v", err)
	}
}

// TestSSHJumpHung: a hung bastion costs one connect timeout for the whole
// fleet behind it, not one per host: it is dialed once, and the hosts
// behind it (now and later in the run) get its verdict.
func TestSSHJumpHung(t *testing.T) {
	isolate(t)
	h := testenv.StartHungListener(t)
	d := newDialer(t, SSHConfig{ConnectTimeout: 300 * time.Millisecond})
	bastion := SSHTarget{Name: "bastion", Address: "127.0.0.1", Port: h.Port, User: "root"}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i >= 3 {
				time.Sleep(time.Second) // after the first verdict
			}
			_, err := dialRun(t, d, SSHTarget{Name: fmt.Sprintf("app-%d", i), Address: "10.0.0.1", User: "root", Via: []SSHTarget{bastion}}, "true")
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		wantReason(t, err, result.ReasonTimeout)
		if !strings.Contains(err.Error(), "jump host bastion") {
			t.Errorf("error does not name the bastion: %v", err)
		}
	}
	if n := h.Accepted(); n != 1 {
		t.Errorf("hung bastion dialed %d times, want 1", n)
	}
}

func TestSSHJumpForwardingDisabled(t *testing.T) {
	isolate(t)
	b := testenv.StartSSHD(t, testenv.SSHDOptions{}) // AllowTcpForwarding no
	dst := testenv.StartSSHD(t, testenv.SSHDOptions{})
	kh := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(kh, append(mustRead(t, b.KnownHostsPath), mustRead(t, dst.KnownHostsPath)...), 0o600)
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{kh}, Identities: []string{b.ClientKeyPath, dst.ClientKeyPath}})
	tg := target(dst)
	tg.Via = []SSHTarget{target(b)}
	_, err := dialRun(t, d, tg, "true")
	wantReason(t, err, result.ReasonNetwork)
	if !strings.Contains(err.Error(), "prohibited") {
		t.Errorf("error does not say forwarding was refused: %v", err)
	}
}

func TestSSHRefused(t *testing.T) {
	isolate(t)
	d := newDialer(t, SSHConfig{})
	_, err := dialRun(t, d, SSHTarget{Name: "down-01", Address: "127.0.0.1", Port: testenv.FreePort(t), User: "root"}, "true")
	wantReason(t, err, result.ReasonRefused)
	if !strings.HasPrefix(err.Error(), "down-01: refused: ") {
		t.Errorf("message %q", err)
	}
}

func TestSSHNoAddress(t *testing.T) {
	isolate(t)
	d := newDialer(t, SSHConfig{})
	_, err := d.Dial(context.Background(), SSHTarget{Name: "web-01", User: "root"})
	if err == nil || !strings.Contains(err.Error(), "web-01") || ReasonOf(err) != "" {
		t.Fatalf("err = %v, want a configuration error naming web-01", err)
	}
}

func TestSSHDNS(t *testing.T) {
	isolate(t)
	d := newDialer(t, SSHConfig{ConnectTimeout: 5 * time.Second})
	// .invalid never resolves (RFC 2606); offline machines fail the same way.
	_, err := dialRun(t, d, SSHTarget{Address: "no-such-host.invalid", User: "root"}, "true")
	wantReason(t, err, result.ReasonDNS)
}

// TestSSHHungListener: a host that accepts TCP but never speaks costs at
// most the connect timeout.
func TestSSHHungListener(t *testing.T) {
	isolate(t)
	h := testenv.StartHungListener(t)
	timeout := 500 * time.Millisecond
	d := newDialer(t, SSHConfig{ConnectTimeout: timeout})
	done := make(chan error, 1)
	go func() {
		_, err := dialRun(t, d, SSHTarget{Name: "hung-01", Address: "127.0.0.1", Port: h.Port, User: "root"}, "true")
		done <- err
	}()
	select {
	case err := <-done:
		wantReason(t, err, result.ReasonTimeout)
	case <-time.After(10 * timeout): // generous: the machine may be busy
		t.Fatal("dial to a hung listener did not return")
	}
	if h.Accepted() != 1 {
		t.Errorf("listener accepted %d connections", h.Accepted())
	}
}

// TestSSHDialCancel: Ctrl-C during a hung handshake returns the context's
// error (not a verdict about the host).
func TestSSHDialCancel(t *testing.T) {
	isolate(t)
	h := testenv.StartHungListener(t)
	d := newDialer(t, SSHConfig{ConnectTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := d.Dial(ctx, SSHTarget{Address: "127.0.0.1", Port: h.Port, User: "root"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestSSHOutput(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	ctx := context.Background()
	r, err := d.Dial(ctx, target(s))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	t.Run("oversized output is truncated and flagged", func(t *testing.T) {
		out, err := r.Run(ctx, "head -c 5242880 /dev/zero | tr '\\0' x; echo tail >&2")
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Stdout) != DefaultMaxOutput || !out.Truncated || out.ExitCode != 0 {
			t.Fatalf("stdout %d bytes, truncated %v, exit %d", len(out.Stdout), out.Truncated, out.ExitCode)
		}
		if string(out.Stderr) != "tail\n" {
			t.Errorf("stderr %q", out.Stderr)
		}
	})
	t.Run("control characters pass through raw", func(t *testing.T) {
		out, err := r.Run(ctx, `printf '\033]0;owned\007\033[2J\r\000end'`)
		if err != nil {
			t.Fatal(err)
		}
		if want := "\x1b]0;owned\a\x1b[2J\r\x00end"; string(out.Stdout) != want {
			t.Fatalf("stdout %q, want %q", out.Stdout, want)
		}
	})
	t.Run("a big script on stdin", func(t *testing.T) {
		script := strings.Repeat(": padding line\n", 100000) + "echo end\n"
		out, err := r.Run(ctx, script)
		if err != nil || string(out.Stdout) != "end\n" {
			t.Fatalf("out %q err %v", out.Stdout, err)
		}
	})
	t.Run("stdin readers do not eat the script", func(t *testing.T) {
		out, err := r.Run(ctx, "cat\necho after")
		if err != nil || string(out.Stdout) != "after\n" {
			t.Fatalf("out %q err %v", out.Stdout, err)
		}
	})
}

// TestSSHRunCancel: a cancelled command returns at once, dies
// on the host with everything it started (also behind sudo), and the
// connection stays usable.
func TestSSHStream(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}, MaxOutput: 1000})
	r, err := d.Dial(context.Background(), target(s))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	st, ok := r.(Streamer)
	if !ok {
		t.Fatal("the SSH runner is not a Streamer")
	}
	// Blank lines, no bound on stdout (MaxOutput is 1000), exit code.
	var buf bytes.Buffer
	code, errOut, err := st.Stream(context.Background(), "printf 'a\\n\\nb\\n'; head -c 300000 /dev/zero; echo warn >&2; exit 3", &buf)
	if err != nil || code != 3 || string(errOut) != "warn\n" {
		t.Fatalf("code %d stderr %q err %v", code, errOut, err)
	}
	if buf.Len() != 300000+5 || !strings.HasPrefix(buf.String(), "a\n\nb\n") {
		t.Fatalf("streamed %d bytes, starting %q", buf.Len(), buf.String()[:min(10, buf.Len())])
	}
}

func TestSSHRunCancel(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	for _, become := range []bool{false, true} {
		t.Run(fmt.Sprintf("become=%v", become), func(t *testing.T) {
			if become {
				if _, err := exec.LookPath("sudo"); err != nil {
					testenv.Missing(t, "sudo is not installed")
				}
				if os.Geteuid() != 0 {
					testenv.Missing(t, "needs root (sudo -n must not ask for a password)")
				}
			}
			tg := target(s)
			tg.Become, tg.BecomeUser = become, "nobody"
			r, err := d.Dial(context.Background(), tg)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			// A directory the become user can write to.
			dir, err := os.MkdirTemp("", "hcops-cancel")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			os.Chmod(dir, 0o777)
			pidFile := filepath.Join(dir, "pid")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan struct{})
			var out Output
			go func() {
				// A grandchild in the foreground: the hard case for a shell.
				out, err = r.Run(ctx, "echo started; sh -c 'echo $$ > "+pidFile+"; exec sleep 60'; echo not reached")
				close(done)
			}()
			pid := waitForFile(t, pidFile)
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if out.ExitCode != -1 || strings.Contains(string(out.Stdout), "not reached") {
				t.Errorf("exit code %d, output %q for a killed command", out.ExitCode, out.Stdout)
			}
			waitGone(t, pid)
			// The connection survives a cancelled command.
			if out, err := r.Run(context.Background(), "echo still here"); err != nil || string(out.Stdout) != "still here\n" {
				t.Fatalf("after cancel: %q %v", out.Stdout, err)
			}
		})
	}
}

// TestSSHNoLeftovers: background processes a script leaves on the host are
// killed when its session ends, as locally.
func TestSSHNoLeftovers(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	out, err := dialRun(t, d, target(s), "sleep 60 >/dev/null 2>&1 & echo $!")
	if err != nil || out.ExitCode != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	waitGone(t, strings.TrimSpace(string(out.Stdout)))

	// A leftover that keeps stdout open must not hold the result until
	// the deadline (here 60 s).
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := d.Dial(ctx, target(s))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out, err = r.Run(ctx, "sleep 60 & echo $!; exit 4")
	if err != nil || out.ExitCode != 4 {
		t.Fatalf("leftover holding stdout: %+v %v", out, err)
	}
	waitGone(t, strings.TrimSpace(string(out.Stdout)))
}

// TestSSHConcurrentRuns: more concurrent commands than the server's
// MaxSessions (OpenSSH's default 10, and a hardened host's 2) on one
// connection all succeed.
func TestSSHConcurrentRuns(t *testing.T) {
	isolate(t)
	for _, extra := range [][]string{nil, {"MaxSessions 2"}} {
		t.Run(fmt.Sprint(extra), func(t *testing.T) {
			s := testenv.StartSSHD(t, testenv.SSHDOptions{Extra: extra})
			d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
			r, err := d.Dial(context.Background(), target(s))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			const n = 24
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					out, err := r.Run(context.Background(), fmt.Sprintf("sleep 0.1; echo %d", i))
					if err == nil && string(out.Stdout) != fmt.Sprintf("%d\n", i) {
						err = fmt.Errorf("command %d printed %q", i, out.Stdout)
					}
					errs <- err
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestSSHBecome(t *testing.T) {
	isolate(t)
	if _, err := exec.LookPath("sudo"); err != nil {
		testenv.Missing(t, "sudo is not installed")
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "become test needs root (sudo -n must not ask for a password)")
	}
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	tg := target(s)
	tg.Become, tg.BecomeUser = true, "nobody"
	out, err := dialRun(t, d, tg, "id -un; cat; echo done")
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Stdout) != "nobody\ndone\n" || out.ExitCode != 0 {
		t.Fatalf("stdout %q stderr %q exit %d", out.Stdout, out.Stderr, out.ExitCode)
	}
	// An odd user name is quoted, never interpreted by the remote shell.
	tg.BecomeUser = "nobody; touch /tmp/hcops-injected"
	out, _ = dialRun(t, d, tg, "id -un")
	if out.ExitCode == 0 {
		t.Errorf("become as an invalid user succeeded: %q", out.Stdout)
	}
	if _, err := os.Stat("/tmp/hcops-injected"); err == nil {
		os.Remove("/tmp/hcops-injected")
		t.Fatal("become user was interpreted by the shell")
	}
}

// TestSSHConnectionLost: commands on a host that went away fail with an
// error instead of hanging.
func TestSSHConnectionLost(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	r, err := d.Dial(context.Background(), target(s))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), "sleep 30")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	s.Stop() // kills sshd and the session's processes
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("no error for a command whose host vanished")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run hung after the host went away")
	}
}

// TestSSHKeepAlive: when a host freezes mid-run (no RST, no FIN, just
// silence) the keepalive gives up on it and commands fail instead of
// hanging without a deadline.
func TestSSHKeepAlive(t *testing.T) {
	isolate(t)
	s := testenv.StartSSHD(t, testenv.SSHDOptions{})
	d := newDialer(t, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath},
		KeepAlive: 200 * time.Millisecond})
	r, err := d.Dial(context.Background(), target(s))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), "sleep 30")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	s.Freeze()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("no error from a frozen host")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run hung on a frozen host although keepalives went unanswered")
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkSSHDialRun measures one host's full cost: TCP connect, key
// exchange, host key check, public key auth, one session running `true`,
// close. Against a real sshd on loopback, so it includes the server's CPU
// on the same machine.
func BenchmarkSSHDialRun(b *testing.B) {
	isolate(b)
	s := testenv.StartSSHD(b, testenv.SSHDOptions{})
	d := newDialer(b, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	ctx := context.Background()
	cpu := clientCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := d.Dial(ctx, target(s))
		if err != nil {
			b.Fatal(err)
		}
		out, err := r.Run(ctx, "true")
		if err != nil || out.ExitCode != 0 {
			b.Fatalf("run: %v %+v", err, out)
		}
		r.Close()
	}
	b.ReportMetric(float64(clientCPU()-cpu)/float64(time.Millisecond)/float64(b.N), "client-cpu-ms/op")
}

// clientCPU is the CPU time this process (the client side only: sshd is
// another process) has used so far.
func clientCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSSHRun measures one more command on an open connection (a
// session round trip), the cost each extra collector pays.
func BenchmarkSSHRun(b *testing.B) {
	isolate(b)
	s := testenv.StartSSHD(b, testenv.SSHDOptions{})
	d := newDialer(b, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	ctx := context.Background()
	r, err := d.Dial(ctx, target(s))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Run(ctx, "true"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSSHDialRunParallel is the fleet shape: 16 dials per CPU at once
// against one sshd, each connecting, running `true` and closing. ns/op is
// the machine's throughput (client and server share the CPUs).
func BenchmarkSSHDialRunParallel(b *testing.B) {
	isolate(b)
	s := testenv.StartSSHD(b, testenv.SSHDOptions{})
	d := newDialer(b, SSHConfig{KnownHostsFiles: []string{s.KnownHostsPath}, Identities: []string{s.ClientKeyPath}})
	b.SetParallelism(16)
	cpu := clientCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			r, err := d.Dial(ctx, target(s))
			if err != nil {
				b.Error(err)
				return
			}
			if out, err := r.Run(ctx, "true"); err != nil || out.ExitCode != 0 {
				b.Errorf("run: %v %+v", err, out)
			}
			r.Close()
		}
	})
	b.ReportMetric(float64(clientCPU()-cpu)/float64(time.Millisecond)/float64(b.N), "client-cpu-ms/op")
}

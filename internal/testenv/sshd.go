package testenv

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHDOptions shapes a test sshd. The zero value is a key-only server that
// lets the current user (root included) log in with the generated client key.
type SSHDOptions struct {
	// AllowTCPForwarding lets the server act as a jump host (ProxyJump needs
	// direct-tcpip channels).
	AllowTCPForwarding bool
	// PasswordAuth turns on password authentication.
	PasswordAuth bool
	// Password, when set, turns on password authentication and makes it the
	// user's password as this sshd sees it: sshd runs in a private mount
	// namespace where /etc/shadow is a copy with that password. The real
	// /etc/shadow is untouched. Needs root (skips, or fails under make
	// test, otherwise).
	Password string
	// ECDSAHostKey adds an ECDSA host key beside the ed25519 one, so the
	// server offers two host key types (clients that know only one of them
	// must still verify the host).
	ECDSAHostKey bool
	// HostCA, when set, signs the ed25519 host key into a host certificate
	// for principal 127.0.0.1 that sshd presents (HostCertificate).
	HostCA ssh.Signer
	// AuthorizedKeys are further public keys allowed to log in.
	AuthorizedKeys []ssh.PublicKey
	// HostShellRC keeps the machine's own ~/.bashrc for sessions. By
	// default (when running as root with unshare available) sshd runs in a
	// private mount namespace where ~/.bashrc is /etc/skel/.bashrc.
	HostShellRC bool
	// Extra sshd_config lines. They come first, and sshd keeps the first
	// value it reads for a keyword, so they override the defaults (e.g.
	// "MaxSessions 2", "PermitRootLogin no"). No Match blocks: they would
	// swallow the defaults that follow.
	Extra []string
}

// SSHD is a running OpenSSH server on 127.0.0.1 for one test.
type SSHD struct {
	Addr           string          // "127.0.0.1:PORT"
	Host           string          // "127.0.0.1"
	Port           int             // the TCP port it listens on
	User           string          // the account the client key logs in as (the current user)
	ClientKeyPath  string          // ed25519 private key (OpenSSH format, no passphrase), authorized
	ClientSigner   ssh.Signer      // the same key, parsed
	KnownHostsPath string          // known_hosts holding "[127.0.0.1]:PORT <host keys>"
	HostPublicKey  ssh.PublicKey   // the ed25519 host key
	HostKeys       []ssh.PublicKey // every host key (ed25519 first, then ECDSA if asked)
	Dir            string          // the server's own directory (config, keys, log)
	LogPath        string          // sshd's stderr (-e): one line per event

	opts     SSHDOptions
	bin, cfg string // to start it again (Restart)
	cmd      *exec.Cmd
	done     chan struct{}
}

// StartSSHD starts a real OpenSSH sshd (/usr/sbin/sshd -D -e -f CONFIG) on a
// free port of 127.0.0.1 with its own generated host key(s) and an authorized
// ed25519 client key, waits until it sends its banner, and stops it when the
// test ends. A missing sshd skips the test, or fails it under `make test`.
func StartSSHD(t testing.TB, opts SSHDOptions) *SSHD {
	t.Helper()
	bin := LookPath(t, "sshd")
	if os.Geteuid() == 0 {
		// The privilege separation directory is normally made by the
		// service unit; sshd refuses to start without it.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("sshd: %v", err)
		}
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("sshd: current user: %v", err)
	}
	if opts.Password != "" {
		if os.Geteuid() != 0 {
			Missing(t, "a password login to the test sshd needs root")
		}
		LookPath(t, "unshare")
	}
	dir := t.TempDir()
	s := &SSHD{Host: "127.0.0.1", User: u.Username, Dir: dir, LogPath: filepath.Join(dir, "sshd.log"), opts: opts}

	hostKeys := []string{filepath.Join(dir, "host_ed25519")}
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.HostPublicKey = writeKey(t, hostKeys[0], hostPriv, "")
	s.HostKeys = []ssh.PublicKey{s.HostPublicKey}
	var hostCert string
	if opts.HostCA != nil {
		cert := &ssh.Certificate{
			Key: s.HostPublicKey, CertType: ssh.HostCert, KeyId: "hcops-test-host",
			ValidPrincipals: []string{"127.0.0.1"}, ValidBefore: ssh.CertTimeInfinity,
		}
		if err := cert.SignCert(rand.Reader, opts.HostCA); err != nil {
			t.Fatal(err)
		}
		hostCert = hostKeys[0] + "-cert.pub"
		writeFile(t, hostCert, ssh.MarshalAuthorizedKey(cert), 0o644)
	}
	if opts.ECDSAHostKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "host_ecdsa")
		hostKeys = append(hostKeys, p)
		s.HostKeys = append(s.HostKeys, writeKey(t, p, k, ""))
	}

	_, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.ClientKeyPath = filepath.Join(dir, "client_ed25519")
	writeKey(t, s.ClientKeyPath, clientPriv, "")
	if s.ClientSigner, err = ssh.NewSignerFromKey(clientPriv); err != nil {
		t.Fatal(err)
	}
	var ak bytes.Buffer
	for _, k := range append([]ssh.PublicKey{s.ClientSigner.PublicKey()}, opts.AuthorizedKeys...) {
		ak.Write(ssh.MarshalAuthorizedKey(k))
	}
	writeFile(t, filepath.Join(dir, "authorized_keys"), ak.Bytes(), 0o600)

	// A port picked by listening on :0 may be taken by someone else before
	// sshd binds it; try a few times.
	var lastLog string
	for attempt := 0; attempt < 5; attempt++ {
		port := FreePort(t)
		cfg := filepath.Join(dir, "sshd_config")
		conf := sshdConfig(dir, port, hostKeys, u.Username, opts)
		if hostCert != "" {
			conf += "HostCertificate " + hostCert + "\n"
		}
		writeFile(t, cfg, []byte(conf), 0o600)
		ok, logText := s.start(t, bin, cfg, port)
		if ok {
			s.bin, s.cfg = bin, cfg
			s.Port = port
			s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(port))
			break
		}
		lastLog = logText
		if !strings.Contains(logText, "Address already in use") {
			break
		}
	}
	if s.Port == 0 {
		t.Fatalf("sshd did not start; its log:\n%s", lastLog)
	}
	var kh bytes.Buffer
	for _, k := range s.HostKeys {
		kh.WriteString(knownhosts.Line([]string{s.Addr}, k) + "\n")
	}
	s.KnownHostsPath = filepath.Join(dir, "known_hosts")
	writeFile(t, s.KnownHostsPath, kh.Bytes(), 0o600)
	return s
}

// sshdConfig renders the server's configuration. Everything is explicit so
// the system's /etc/ssh/sshd_config is never read.
func sshdConfig(dir string, port int, hostKeys []string, userName string, o SSHDOptions) string {
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	var b strings.Builder
	for _, l := range o.Extra {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "Port %d\nListenAddress 127.0.0.1\n", port)
	for _, k := range hostKeys {
		fmt.Fprintf(&b, "HostKey %s\n", k)
	}
	fmt.Fprintf(&b, "PidFile %s\n", filepath.Join(dir, "sshd.pid"))
	fmt.Fprintf(&b, "AuthorizedKeysFile %s\n", filepath.Join(dir, "authorized_keys"))
	b.WriteString("StrictModes no\nUsePAM no\nPubkeyAuthentication yes\n")
	rootLogin := "prohibit-password"
	if o.PasswordAuth || o.Password != "" {
		rootLogin = "yes"
	}
	fmt.Fprintf(&b, "PermitRootLogin %s\n", rootLogin)
	fmt.Fprintf(&b, "PasswordAuthentication %s\nKbdInteractiveAuthentication no\n", yesNo(o.PasswordAuth || o.Password != ""))
	fmt.Fprintf(&b, "AllowTcpForwarding %s\n", yesNo(o.AllowTCPForwarding))
	b.WriteString("AllowAgentForwarding no\nX11Forwarding no\nPermitTunnel no\n")
	b.WriteString("PrintMotd no\nPrintLastLog no\nUseDNS no\nLogLevel INFO\n")
	// Many test connections arrive at once (concurrency and benchmarks).
	b.WriteString("MaxStartups 200\n")
	b.WriteString("Subsystem sftp internal-sftp\n")
	if os.Geteuid() != 0 {
		// A non-root sshd can only let its own user in.
		fmt.Fprintf(&b, "AllowUsers %s\n", userName)
	}
	return b.String()
}

// start runs sshd and waits for its banner. It reports false, with the log,
// when sshd exited or did not answer within 10 s.
func (s *SSHD) start(t testing.TB, bin, cfg string, port int) (bool, string) {
	t.Helper()
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-D", "-e", "-f", cfg)
	// Bind mounts in a private mount namespace of sshd's own: the real
	// files are untouched and the mounts vanish with sshd.
	var mounts []string // source, target, source, target ...
	if rc := stockShellRC(s.opts); rc != "" {
		// Same as the fleet harness: sessions see a stock ~/.bashrc, so
		// this machine's shell customisation (a pyenv init costs ~0.1 s
		// per command) does not weigh on every test and benchmark.
		mounts = append(mounts, "/etc/skel/.bashrc", rc)
	}
	if s.opts.Password != "" {
		shadow := filepath.Join(s.Dir, "shadow")
		writeShadow(t, shadow, s.User, s.opts.Password)
		mounts = append(mounts, shadow, "/etc/shadow")
	}
	if len(mounts) > 0 {
		script := `while [ $# -gt 0 ] && [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 1; shift 2; done; shift; exec "$@"`
		args := append([]string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh"}, mounts...)
		args = append(args, "--", bin, "-D", "-e", "-f", cfg)
		cmd = exec.Command("unshare", args...)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: a Ctrl-C in the terminal is the test's, and
	// the cleanup can kill sshd with all its per-connection children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("sshd: %v", err)
	}
	logf.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return false, s.Log()
		default:
		}
		if bannerAt(addr) {
			s.cmd, s.done = cmd, done
			t.Cleanup(func() {
				s.Stop()
				if t.Failed() {
					t.Logf("sshd %s log:\n%s", addr, s.Log())
				}
			})
			return true, ""
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	return false, s.Log() + "\n(no banner within 10s)"
}

// writeShadow writes a copy of /etc/shadow to path in which userName's
// password is password (SHA-512 crypt).
func writeShadow(t testing.TB, path, userName, password string) {
	t.Helper()
	b, err := os.ReadFile("/etc/shadow")
	if err != nil {
		t.Fatalf("sshd password: %v", err)
	}
	salt := make([]byte, 12)
	rand.Read(salt)
	for i := range salt {
		salt[i] = cryptAlphabet[int(salt[i])%64]
	}
	hash := SHA512Crypt(password, string(salt))
	lines := strings.Split(string(b), "\n")
	found := false
	for i, l := range lines {
		f := strings.Split(l, ":")
		if len(f) > 2 && f[0] == userName {
			f[1] = hash
			f[2] = "" // no "must change password" ageing
			lines[i] = strings.Join(f, ":")
			found = true
		}
	}
	if !found {
		t.Fatalf("sshd password: %s has no /etc/shadow entry", userName)
	}
	writeFile(t, path, []byte(strings.Join(lines, "\n")), 0o600)
}

// stockShellRC returns the ~/.bashrc to hide behind /etc/skel/.bashrc, or
// "" when it should (or can) not be hidden.
func stockShellRC(o SSHDOptions) string {
	if o.HostShellRC || os.Geteuid() != 0 {
		return ""
	}
	// The home sshd gives the session (from passwd), not $HOME, which
	// tests often point elsewhere.
	u, err := user.Current()
	if err != nil {
		return ""
	}
	rc := filepath.Join(u.HomeDir, ".bashrc")
	if _, err := os.Stat(rc); err != nil {
		return ""
	}
	if _, err := os.Stat("/etc/skel/.bashrc"); err != nil {
		return ""
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		return ""
	}
	return rc
}

// bannerAt reports whether an SSH server answers at addr.
func bannerAt(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-")
}

// Stop kills sshd and every per-connection child it forked. It is safe to
// call more than once (the test cleanup calls it too), e.g. to simulate a
// host that went down.
func (s *SSHD) Stop() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	pid := s.cmd.Process.Pid
	// sshd puts each connection in a session of its own (setsid), so its
	// process group is not enough: freeze the listener, then kill it and
	// every descendant, which drops the open connections like a host that
	// went down.
	syscall.Kill(pid, syscall.SIGSTOP)
	for _, p := range descendants(pid) {
		syscall.Kill(p, syscall.SIGKILL)
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	syscall.Kill(pid, syscall.SIGKILL)
	<-s.done
}

// Restart starts a stopped sshd again on the same port with the same keys:
// a host that comes back.
func (s *SSHD) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if ok, logText := s.start(t, s.bin, s.cfg, s.Port); !ok {
		t.Fatalf("sshd did not start again; its log:\n%s", logText)
	}
}

// Freeze stops (SIGSTOP) sshd and every connection and command it runs: a
// host that hangs mid-run, or a network that silently drops its packets.
// The TCP connections stay open; nothing answers. The test cleanup (Stop)
// kills the frozen processes.
func (s *SSHD) Freeze() {
	pid := s.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGSTOP)
	for _, p := range descendants(pid) {
		syscall.Kill(p, syscall.SIGSTOP)
	}
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name may hold spaces and parentheses; fields
		// resume after the last ')': state, ppid, ...
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			children[pp] = append(children[pp], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// Log returns what sshd has logged so far.
func (s *SSHD) Log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

// CountLog returns how many log lines contain substr, e.g. "Accepted
// publickey" to count logins.
func (s *SSHD) CountLog(substr string) int {
	return strings.Count(s.Log(), substr)
}

// WriteClientKey writes a new ed25519 key to path (encrypted with passphrase
// unless it is empty) and returns its public half, for tests that need a
// second identity (e.g. SSHDOptions.AuthorizedKeys, or a key the server
// does not know).
func WriteClientKey(t testing.TB, path, passphrase string) ssh.PublicKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return writeKey(t, path, priv, passphrase)
}

// writeKey writes priv as an OpenSSH private key file (0600) with path.pub
// beside it and returns the public key.
func writeKey(t testing.TB, path string, priv any, passphrase string) ssh.PublicKey {
	t.Helper()
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "hcops-test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "hcops-test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, pem.EncodeToMemory(block), 0o600)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path+".pub", ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644)
	return signer.PublicKey()
}

func writeFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listened on a moment
// ago. Dialing it is refused (until someone else takes it).
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// HungListener accepts TCP connections and never sends a byte: a host whose
// sshd is wedged (or a firewall that swallows the banner).
type HungListener struct {
	Addr string // "127.0.0.1:PORT"
	Port int

	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

// StartHungListener starts a HungListener on 127.0.0.1 and closes it and
// every accepted connection when the test ends.
func StartHungListener(t testing.TB) *HungListener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &HungListener{Addr: l.Addr().String(), Port: l.Addr().(*net.TCPAddr).Port, l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, c := range h.conns {
			c.Close()
		}
	})
	return h
}

// Accepted returns how many connections the listener has accepted.
func (h *HungListener) Accepted() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

package testenv

import (
	"bytes"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// TestStartSSHD logs in to the test server with the generated client key,
// verifying the host against the generated known_hosts, and runs a command.
func TestStartSSHD(t *testing.T) {
	s := StartSSHD(t, SSHDOptions{ECDSAHostKey: true})
	cb, err := knownhosts.New(s.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner)},
		HostKeyCallback: cb,
		Timeout:         5 * time.Second,
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("echo hello from sshd")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "hello from sshd" {
		t.Fatalf("output %q", got)
	}
	if n := s.CountLog("Accepted publickey"); n != 1 {
		t.Errorf("sshd logged %d logins, want 1:\n%s", n, s.Log())
	}
	s.Stop()
	if _, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		t.Errorf("sshd still answers after Stop")
	}
}

// TestHungListener checks the listener accepts and stays silent.
func TestHungListener(t *testing.T) {
	h := StartHungListener(t)
	c, err := net.Dial("tcp", h.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	var buf bytes.Buffer
	n, err := buf.ReadFrom(c)
	if n != 0 {
		t.Fatalf("hung listener sent %d bytes", n)
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("read: %v, want a timeout", err)
	}
}

// TestSSHDShellRCUntouched: hiding ~/.bashrc from sessions must not change
// the real file for anyone else.
func TestSSHDShellRCUntouched(t *testing.T) {
	rc := stockShellRC(SSHDOptions{})
	if rc == "" {
		t.Skip("no ~/.bashrc to hide (not root, or no unshare)")
	}
	before, err := os.ReadFile(rc)
	if err != nil {
		t.Fatal(err)
	}
	StartSSHD(t, SSHDOptions{})
	after, err := os.ReadFile(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatalf("%s changed outside sshd's namespace", rc)
	}
}

// TestSSHDExtraOverrides: Extra lines win over the defaults.
func TestSSHDExtraOverrides(t *testing.T) {
	s := StartSSHD(t, SSHDOptions{Extra: []string{"PubkeyAuthentication no"}})
	_, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner)},
		HostKeyCallback: ssh.FixedHostKey(s.HostPublicKey),
		Timeout:         5 * time.Second,
	})
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("key login with PubkeyAuthentication no: %v", err)
	}
}

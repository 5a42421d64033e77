package transport

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/cyhealth/hcops/pkg/result"
)

// hostKeyVerdict carries the host key decision out of the handshake, so the
// reason does not depend on how x/crypto wraps the callback's error.
type hostKeyVerdict struct {
	reason string
	err    error
}

// hostKeyAlgorithms returns the host key algorithms to offer hostport and
// whether keys are known for it. A known host is offered only the types of
// its known keys: otherwise a host known by its ed25519 key that also has
// an ECDSA key (which x/crypto prefers) would present the ECDSA one and look
// like a changed key. An unknown host is offered plain keys (ed25519 first),
// so it cannot present a certificate nobody can verify or record, unless a
// known_hosts file trusts a @cert-authority.
func (d *SSHDialer) hostKeyAlgorithms(hostport string) (algos []string, known bool) {
	if d.cfg.InsecureIgnoreHostKey {
		return nil, false
	}
	var keys []ssh.PublicKey
	d.khMu.Lock()
	if k, ok := d.accepted[knownhosts.Normalize(hostport)]; ok {
		keys = append(keys, k)
	}
	d.khMu.Unlock()
	if d.known != nil {
		var ke *knownhosts.KeyError
		if err := d.known(hostport, probeAddr, d.probe); errors.As(err, &ke) {
			for _, w := range ke.Want {
				keys = append(keys, w.Key)
			}
		}
	}
	if len(keys) == 0 {
		if d.hasCA {
			return nil, false
		}
		return plainHostKeyAlgos, false
	}
	add := func(a ...string) {
		for _, x := range a {
			if !contains(algos, x) {
				algos = append(algos, x)
			}
		}
	}
	for _, k := range keys {
		if k.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		} else {
			add(k.Type())
		}
	}
	return algos, true
}

// plainHostKeyAlgos are offered to hosts whose key is not known yet: the
// usual plain key types, OpenSSH's order, SHA-1 RSA last for old devices.
var plainHostKeyAlgos = []string{
	ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA,
}

// probeAddr is a syntactically valid remote address for probing the
// known-hosts database; the host name given takes precedence over it.
var probeAddr = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 22}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hostKeyCallback verifies the host key against the known_hosts files and
// the keys accepted earlier, records an unknown key when AcceptNew, and
// never accepts (nor records) a key that differs from a known one.
func (d *SSHDialer) hostKeyCallback(v *hostKeyVerdict) ssh.HostKeyCallback {
	if d.cfg.InsecureIgnoreHostKey {
		return ssh.InsecureIgnoreHostKey()
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		fail := func(reason string, err error) error {
			v.reason, v.err = reason, err
			return err
		}
		norm := knownhosts.Normalize(hostname)
		fp := key.Type() + " " + ssh.FingerprintSHA256(key)
		mismatch := func(where string) error {
			return fail(result.ReasonHostKeyMismatch, fmt.Errorf(
				"host key of %s has CHANGED: it presented %s, but %s holds a different key; "+
					"someone may be intercepting the connection, or the host was reinstalled. "+
					"Check the new key with the host's administrator, then remove the old entry (ssh-keygen -R %s -f FILE)",
				norm, fp, where, shellQuote(norm)))
		}

		d.khMu.Lock()
		defer d.khMu.Unlock()
		if k, ok := d.accepted[norm]; ok {
			if keysEqual(k, key) {
				return nil
			}
			return mismatch(d.cfg.OwnKnownHosts)
		}
		var err error
		if d.known != nil {
			err = d.known(hostname, remote, key)
			if err == nil {
				return nil
			}
		}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &re):
			return fail(result.ReasonHostKeyMismatch, fmt.Errorf("host key of %s (%s) is marked @revoked in %s", norm, fp, re.Revoked.String()))
		case errors.As(err, &ke) && len(ke.Want) > 0:
			var where []string
			for _, w := range ke.Want {
				where = append(where, fmt.Sprintf("%s:%d", w.Filename, w.Line))
			}
			return mismatch(strings.Join(where, ", "))
		case err != nil && ke == nil:
			return fail(result.ReasonHostKeyMismatch, fmt.Errorf("verify host key of %s: %w", norm, err))
		}
		// Unknown host.
		if !d.cfg.AcceptNew {
			return fail(result.ReasonHostKeyUnknown, fmt.Errorf(
				"host key of %s is not known (%s); verify it and add it to known_hosts, or rerun with --accept-new-host-keys to trust it on first use",
				norm, fp))
		}
		if err := d.record(hostname, key); err != nil {
			return fail(result.ReasonHostKeyUnknown, fmt.Errorf("host key of %s is not known and could not be recorded: %w", norm, err))
		}
		d.accepted[norm] = key
		slog.Info("ssh: new host key recorded", "host", norm, "key", fp, "file", d.cfg.OwnKnownHosts)
		return nil
	}
}

func keysEqual(a, b ssh.PublicKey) bool {
	return a.Type() == b.Type() && string(a.Marshal()) == string(b.Marshal())
}

// record appends a known_hosts line for hostname to OwnKnownHosts (dirs
// 0700, file 0600). The caller holds khMu.
func (d *SSHDialer) record(hostname string, key ssh.PublicKey) error {
	f := d.cfg.OwnKnownHosts
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return err
	}
	fh, err := os.OpenFile(f, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	line := knownhosts.Line([]string{hostname}, key) + "\n"
	// Never glue the new line onto an unterminated last line.
	if st, err := fh.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := fh.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = "\n" + line
		}
	}
	if _, err := io.WriteString(fh, line); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

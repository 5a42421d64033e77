package transport

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

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
// whether anything is known about its key. A host known by plain keys is
// offered only their types: otherwise a host known by its ed25519 key that
// also has an ECDSA key (which x/crypto prefers) would present the ECDSA one
// and look like a changed key. A host a @cert-authority vouches for is
// offered certificates first. A host without known plain keys is offered
// plain keys (ed25519 first), which can be recorded on first use. known
// says plain keys are known, so a host offering none of their types has
// changed its key.
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
	plain, cas := d.knownKeys(hostport)
	for _, w := range plain {
		keys = append(keys, w.Key)
	}
	add := func(a ...string) {
		for _, x := range a {
			if !slices.Contains(algos, x) {
				algos = append(algos, x)
			}
		}
	}
	if len(cas) > 0 {
		add(certHostKeyAlgos...)
	}
	for _, k := range keys {
		if k.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		} else {
			add(k.Type())
		}
	}
	if len(keys) == 0 {
		// Unknown, or known only through a CA: a plain key can still be
		// recorded on first use.
		add(plainHostKeyAlgos...)
	}
	return algos, len(keys) > 0
}

// knownKeys lists what the known_hosts files hold for hostport, split into
// plain host keys and certificate authority keys. It asks with a probe key
// no host has, so every matching line comes back in KeyError.Want.
func (d *SSHDialer) knownKeys(hostport string) (plain, cas []knownhosts.KnownKey) {
	if d.known == nil {
		return nil, nil
	}
	var ke *knownhosts.KeyError
	if err := d.known(hostport, probeAddr, d.probe); errors.As(err, &ke) {
		for _, w := range ke.Want {
			if d.caLines[fmt.Sprintf("%s:%d", w.Filename, w.Line)] {
				cas = append(cas, w)
			} else {
				plain = append(plain, w)
			}
		}
	}
	return plain, cas
}

// certHostKeyAlgos are offered first to hosts a trusted CA vouches for.
var certHostKeyAlgos = []string{
	ssh.CertAlgoED25519v01, ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
	ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01,
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
				"host key of %s has CHANGED: it presented %s, but %s holds a different key",
				norm, fp, where))
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
		case err == nil:
			// No known_hosts file exists: unknown.
		case errors.As(err, &re):
			return fail(result.ReasonHostKeyMismatch, fmt.Errorf("host key of %s (%s) is marked @revoked in %s", norm, fp, re.Revoked.String()))
		case errors.As(err, &ke):
			var where []string
			for _, w := range ke.Want {
				if pos := fmt.Sprintf("%s:%d", w.Filename, w.Line); !d.caLines[pos] {
					where = append(where, pos)
				}
			}
			if len(where) > 0 {
				return mismatch(strings.Join(where, ", "))
			}
			// Nothing, or only a CA whose certificate the host did not
			// present, vouches for this key: unknown.
		case strings.Contains(err.Error(), "no authorities for hostname"):
			return fail(result.ReasonHostKeyUnknown, fmt.Errorf(
				"host %s presented a certificate (%s) from an authority no known_hosts @cert-authority line trusts for it", norm, fp))
		default:
			return fail(result.ReasonHostKeyMismatch, fmt.Errorf("verify host key of %s: %w", norm, err))
		}
		// Unknown host.
		if !d.cfg.AcceptNew {
			return fail(result.ReasonHostKeyUnknown, fmt.Errorf(
				"host key of %s is not known (%s)", norm, fp))
		}
		if err := d.record(hostname, key); errors.Is(err, errRecordedDifferently) {
			return mismatch(d.cfg.OwnKnownHosts)
		} else if err != nil {
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

// errRecordedDifferently says another hcops process recorded a different
// key for the host in the meantime.
var errRecordedDifferently = errors.New("another hcops process has just recorded a different key for this host")

// record appends a known_hosts line for hostname to OwnKnownHosts (dirs
// 0700, file 0600). The caller holds khMu, which orders this process's
// goroutines; an flock orders hcops processes, and the file is re-read
// under it, so two runs meeting a new host at once record it once, and
// cannot both "first use" two different keys.
func (d *SSHDialer) record(hostname string, key ssh.PublicKey) error {
	f := d.cfg.OwnKnownHosts
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return err
	}
	fh, err := os.OpenFile(f, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer fh.Close()
	if err := syscall.Flock(int(fh.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", f, err)
	}
	cb, err := knownhosts.New(f)
	if err != nil {
		return fmt.Errorf("%s: %w", f, err)
	}
	var ke *knownhosts.KeyError
	switch err := cb(hostname, probeAddr, key); {
	case err == nil:
		return nil // recorded by another run meanwhile
	case errors.As(err, &ke) && len(ke.Want) > 0:
		return errRecordedDifferently
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
		return err
	}
	return fh.Close() // also releases the lock
}

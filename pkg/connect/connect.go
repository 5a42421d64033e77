// Package connect turns assets into connections: SSH (keys, agent,
// passphrases, the jump chain), this machine, and SQL targets. It is the
// one place where an asset's secrets are resolved, once per asset, and where
// the files a run depends on (identity, known_hosts, key files) are checked
// before any host is dialled. Commands, the engine and the checks get
// runners and targets from a Factory; none of them wires a dialer itself.
package connect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/paths"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/transport"
)

// Options say how a run connects.
type Options struct {
	// Inventory is the asset register; nil when hcops runs without one
	// (the local machine only).
	Inventory *inventory.Inventory
	// KnownHosts is an extra known_hosts file (--known-hosts); OpenSSH's
	// own files are always read too.
	KnownHosts string
	// Identity is an extra private key (--identity), tried after an
	// asset's own key file.
	Identity string
	// AcceptNew records unknown host keys (trust on first use); Insecure
	// skips host key verification altogether.
	AcceptNew, Insecure bool
	// ConnectTimeout bounds TCP connect + handshake + authentication of
	// one hop (transport.DefaultConnectTimeout when 0).
	ConnectTimeout time.Duration
	// Prompt asks for the passphrase of an encrypted key on a terminal;
	// nil under cron, where connection.passphrase or an agent must do.
	Prompt func(keyFile string) ([]byte, error)
	// UseAgent offers the keys of ssh-agent ($SSH_AUTH_SOCK).
	UseAgent bool
}

// FileError is a file a run needs that is missing or unreadable: a usage
// mistake to fix before anything runs, never a host's problem.
type FileError struct {
	What  string // "identity", "known_hosts", "key file of web-01"
	Path  string
	Err   error
	Asset string // the asset whose key file it is, or ""
}

func (e *FileError) Error() string { return fmt.Sprintf("%s %s: %v", e.What, e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// Factory hands out connections for one run. It is safe for concurrent
// use; Close ends every SSH connection it made.
type Factory struct {
	o Options

	once    sync.Once
	dialer  *transport.SSHDialer
	initErr error

	mu      sync.Mutex
	targets map[string]targetEntry // resolved SSH targets per asset
	snmp    map[string]*snmpEntry  // SNMP sessions per asset
}

type targetEntry struct {
	t   transport.SSHTarget
	err error
}

// New checks the files the options name and returns a Factory. A missing
// or unreadable identity or known_hosts file is a *FileError.
func New(o Options) (*Factory, error) {
	if o.Identity != "" {
		if err := readable(o.Identity); err != nil {
			return nil, &FileError{What: "identity", Path: o.Identity, Err: err}
		}
	}
	if o.KnownHosts != "" {
		if err := readable(o.KnownHosts); err != nil {
			return nil, &FileError{What: "known_hosts", Path: o.KnownHosts, Err: err}
		}
	}
	return &Factory{o: o, targets: map[string]targetEntry{}}, nil
}

// readable opens a file for reading and closes it: the check that it
// exists, is a file and this user may read it.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return errors.New("is a directory")
	}
	return nil
}

// Preflight checks the key files of the assets a run will reach over SSH
// (and of their jump hosts) before any is dialled: a missing key is a
// *FileError naming the asset and the file, not N unreachable hosts.
func (f *Factory) Preflight(assets []*inventory.Asset) error {
	seen := map[string]bool{}
	check := func(a *inventory.Asset) error {
		if a == nil || seen[a.Name] || f.local(a) {
			return nil
		}
		seen[a.Name] = true
		if k := paths.Expand(a.Connection.KeyFile); k != "" {
			if err := readable(k); err != nil {
				return &FileError{What: "key file of " + a.Name, Path: k, Err: err, Asset: a.Name}
			}
		}
		return nil
	}
	for _, a := range assets {
		if err := check(a); err != nil {
			return err
		}
		if f.o.Inventory != nil && !f.local(a) {
			chain, _ := f.o.Inventory.JumpChain(a)
			for _, j := range chain {
				if err := check(j); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// local reports whether a runs on this machine.
func (f *Factory) local(a *inventory.Asset) bool {
	return a.Connection.Transport == inventory.TransportLocal || (f.o.Inventory == nil && a.Name == inventory.LocalhostAssetName)
}

// Runner returns how to run scripts on a: this machine, or an SSH
// connection through its jump chain. Failures to reach the host are
// *transport.UnreachableError.
func (f *Factory) Runner(ctx context.Context, a *inventory.Asset) (transport.Runner, error) {
	if f.local(a) {
		return transport.NewLocal(), nil
	}
	f.once.Do(func() { f.dialer, f.initErr = transport.NewSSHDialer(f.sshConfig()) })
	if f.initErr != nil {
		return nil, f.initErr
	}
	t, err := f.sshTarget(a)
	if err != nil {
		return nil, err
	}
	if f.o.Inventory != nil {
		chain, err := f.o.Inventory.JumpChain(a)
		if err != nil {
			return nil, &transport.UnreachableError{Target: a.Name, Reason: result.ReasonNetwork, Err: err}
		}
		for _, j := range chain {
			jt, err := f.sshTarget(j)
			if err != nil {
				return nil, err
			}
			t.Via = append(t.Via, jt)
		}
	}
	return f.dialer.Dial(ctx, t)
}

func (f *Factory) sshConfig() transport.SSHConfig {
	cfg := transport.SSHConfig{
		AcceptNew:             f.o.AcceptNew,
		InsecureIgnoreHostKey: f.o.Insecure,
		UseAgent:              f.o.UseAgent,
		ConnectTimeout:        f.o.ConnectTimeout,
		Passphrase:            f.o.Prompt,
	}
	if f.o.KnownHosts != "" {
		cfg.KnownHostsFiles = append(DefaultKnownHosts(), f.o.KnownHosts)
	}
	if f.o.Identity != "" {
		cfg.Identities = []string{f.o.Identity}
	}
	return cfg
}

// DefaultKnownHosts are the files OpenSSH itself reads; an explicit
// --known-hosts adds to them rather than replacing them.
func DefaultKnownHosts() []string {
	var files []string
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".ssh", "known_hosts"))
	}
	return append(files, "/etc/ssh/ssh_known_hosts")
}

// sshTarget turns an asset into an SSH target, resolving its password and
// key passphrase references once per run.
func (f *Factory) sshTarget(a *inventory.Asset) (transport.SSHTarget, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.targets[a.Name]; ok {
		return e.t, e.err
	}
	t, err := SSHTarget(a)
	f.targets[a.Name] = targetEntry{t, err}
	return t, err
}

// SSHTarget turns an asset into an SSH target, resolving the secret
// references it has (connection.password, connection.passphrase). A
// reference that cannot be resolved makes the host unreachable with
// reason auth, naming the reference (never its value).
func SSHTarget(a *inventory.Asset) (transport.SSHTarget, error) {
	c := a.Connection
	t := transport.SSHTarget{Name: a.Name, Address: a.Address, Port: c.Port, User: c.User,
		KeyFile: c.KeyFile, Become: c.Become, BecomeUser: c.BecomeUser}
	if t.Address == "" {
		t.Address = a.Name
	}
	if !c.Password.IsZero() {
		pw, err := c.Password.Resolve()
		if err != nil {
			return t, &transport.UnreachableError{Target: a.Name, Reason: result.ReasonAuth, Err: fmt.Errorf("password: %w", err)}
		}
		t.Password = pw
	}
	if !c.Passphrase.IsZero() {
		pp, err := c.Passphrase.Resolve()
		if err != nil {
			return t, &transport.UnreachableError{Target: a.Name, Reason: result.ReasonAuth, Err: fmt.Errorf("key passphrase: %w", err)}
		}
		t.KeyPassphrase = pp
	}
	return t, nil
}

// Close ends every SSH connection and SNMP session the factory made.
func (f *Factory) Close() {
	f.closeSNMP()
	if f.dialer != nil {
		f.dialer.Close()
	}
}

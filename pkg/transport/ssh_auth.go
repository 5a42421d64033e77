package transport

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/cyhealth/hcops/pkg/paths"
)

// errEncryptedKey marks an encrypted key that could not be used because
// there is no way to ask for its passphrase.
var errEncryptedKey = errors.New("key is encrypted and no passphrase prompt is available (no TTY); set connection.passphrase: {env: ...} for the asset or load the key into ssh-agent")

// authMethods lists how to log in to t: public keys (the target's own key
// first, then --identity files, the user's default keys and the agent's),
// then the password when the target has one.
func (d *SSHDialer) authMethods(t SSHTarget) ([]ssh.AuthMethod, error) {
	var signers []ssh.Signer
	if t.KeyFile != "" {
		s, err := d.signer(t.KeyFile, t.KeyPassphrase)
		switch {
		case err == nil:
			signers = append(signers, s)
		case errors.Is(err, errEncryptedKey) && d.cfg.UseAgent:
			// The agent may hold it already unlocked.
			slog.Debug("ssh: encrypted key file skipped, trying the agent", "file", t.KeyFile)
		default:
			return nil, fmt.Errorf("key file of %s: %w", t.label(), err)
		}
	}
	for _, f := range d.identities {
		s, err := d.signer(f, "")
		if err != nil {
			slog.Debug("ssh: identity skipped", "file", f, "err", err)
			continue
		}
		signers = append(signers, s)
	}
	methods := []ssh.AuthMethod{ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		out := append([]ssh.Signer(nil), signers...)
		if d.cfg.UseAgent {
			out = append(out, d.agentSigners()...)
		}
		return out, nil
	})}
	if t.Password != "" {
		pw := t.Password
		methods = append(methods, ssh.Password(pw),
			// Many network devices offer only keyboard-interactive with
			// a single password prompt.
			ssh.KeyboardInteractive(func(_, _ string, questions []string, echos []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range questions {
					if !echos[i] {
						answers[i] = pw
					}
				}
				return answers, nil
			}))
	}
	return methods, nil
}

// signer loads a private key file once per dialer (and passphrase); an
// encrypted one is unlocked with pass when given (the asset's
// connection.passphrase), else asks for its passphrase (once) through
// cfg.Passphrase.
func (d *SSHDialer) signer(path, pass string) (ssh.Signer, error) {
	d.keyMu.Lock()
	defer d.keyMu.Unlock()
	id := path
	if pass != "" {
		// Two assets may name the same file with different passphrases
		// (one of them wrong): each gets its own verdict.
		id = path + "\x00" + pass
	}
	if k, ok := d.keys[id]; ok {
		return k.signer, k.err
	}
	s, err := d.loadKey(path, pass)
	d.keys[id] = loadedKey{s, err}
	return s, err
}

func (d *SSHDialer) loadKey(path, given string) (ssh.Signer, error) {
	b, err := os.ReadFile(paths.Expand(path))
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	if !errors.As(err, &missing) {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return s, nil
	}
	var pass []byte
	switch {
	case given != "":
		pass = []byte(given)
	case d.cfg.Passphrase == nil:
		return nil, fmt.Errorf("%s: %w", path, errEncryptedKey)
	default:
		if pass, err = d.cfg.Passphrase(path); err != nil {
			return nil, fmt.Errorf("%s: passphrase: %w", path, err)
		}
	}
	s, err = ssh.ParsePrivateKeyWithPassphrase(b, pass)
	clear(pass)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (wrong passphrase?)", path, err)
	}
	return s, nil
}

// agentSigners returns the agent's keys, connecting to $SSH_AUTH_SOCK on
// first use. An agent that is missing or fails is logged and skipped.
func (d *SSHDialer) agentSigners() []ssh.Signer {
	d.agentMu.Lock()
	defer d.agentMu.Unlock()
	if d.agent == nil {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			slog.Debug("ssh: no agent (SSH_AUTH_SOCK is not set)")
			return nil
		}
		c, err := net.DialTimeout("unix", sock, d.cfg.ConnectTimeout)
		if err != nil {
			slog.Debug("ssh: agent unavailable", "err", err)
			return nil
		}
		d.agentConn, d.agent = c, agent.NewClient(c)
	}
	s, err := d.agent.Signers()
	if err != nil {
		slog.Debug("ssh: agent failed", "err", err)
		d.agentConn.Close()
		d.agentConn, d.agent = nil, nil
		return nil
	}
	return s
}

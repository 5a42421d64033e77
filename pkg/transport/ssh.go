package transport

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/cyhealth/hcops/pkg/result"
)

// SSH defaults.
const (
	// DefaultConnectTimeout bounds TCP connect + SSH handshake + auth of one
	// hop.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultKeepAlive is the interval of keepalive@openssh.com requests; a
	// connection that answers none within three intervals is closed.
	DefaultKeepAlive = 15 * time.Second
	// DefaultMaxSessions bounds concurrent commands on one connection.
	// OpenSSH's MaxSessions defaults to 10; staying under it means a burst
	// of checks queues here instead of being refused by the server.
	DefaultMaxSessions = 8
	// jumpRetryAfter is how long a failed jump host stays failed: the other
	// hosts behind it in the same run fail at once with the same reason
	// instead of each waiting out its own connect timeout.
	jumpRetryAfter = time.Minute
)

// Algorithm preferences. Key exchange: curve25519 first (cheap for a Go
// client; OpenSSH's default sntrup761 is not implemented by x/crypto and
// ML-KEM costs more), then OpenSSH's other defaults. No SHA-1 or CBC: the
// same set a current OpenSSH client offers.
var (
	sshKeyExchanges = []string{
		ssh.KeyExchangeCurve25519,
		ssh.KeyExchangeMLKEM768X25519,
		ssh.KeyExchangeECDHP256, ssh.KeyExchangeECDHP384, ssh.KeyExchangeECDHP521,
		ssh.KeyExchangeDHGEXSHA256, ssh.KeyExchangeDH16SHA512, ssh.KeyExchangeDH14SHA256,
	}
	sshCiphers = []string{
		ssh.CipherAES128GCM, ssh.CipherChaCha20Poly1305, ssh.CipherAES256GCM,
		ssh.CipherAES128CTR, ssh.CipherAES192CTR, ssh.CipherAES256CTR,
	}
)

// SSHConfig is what every SSH connection of a run shares: how hosts are
// verified and how hcops authenticates.
type SSHConfig struct {
	// KnownHostsFiles are the known_hosts files host keys are verified
	// against (default ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts).
	// OwnKnownHosts is always consulted too. Missing files are skipped.
	// Hashed names, @revoked and @cert-authority lines are understood; note
	// that a pattern without a port (`*.example.com`) matches port 22 only,
	// as x/crypto reads it (write `[*.example.com]:2222` for other ports).
	KnownHostsFiles []string
	// OwnKnownHosts is hcops' own known_hosts (default
	// $XDG_CONFIG_HOME/hcops/known_hosts, i.e. ~/.config/hcops/known_hosts).
	// Keys accepted with AcceptNew are recorded here, never in the user's
	// ~/.ssh/known_hosts.
	OwnKnownHosts string
	// AcceptNew trusts the key of a host that no file knows (trust on first
	// use) and records it. A key different from a known one is never
	// accepted: the host is unreachable with reason host-key-mismatch.
	AcceptNew bool
	// InsecureIgnoreHostKey skips host key verification entirely. Only for
	// when the user explicitly says so; a warning is logged.
	InsecureIgnoreHostKey bool
	// Identities are private key files (--identity, HCOPS_IDENTITY). The
	// user's ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried after them
	// when present.
	Identities []string
	// UseAgent also offers the keys of the ssh-agent at $SSH_AUTH_SOCK.
	UseAgent bool
	// Passphrase asks for the passphrase of an encrypted key file (once per
	// file). Nil when there is no TTY: encrypted keys are then skipped.
	Passphrase func(keyFile string) ([]byte, error)
	// ConnectTimeout bounds TCP connect + handshake + auth of each hop
	// (default DefaultConnectTimeout).
	ConnectTimeout time.Duration
	// KeepAlive is the keepalive interval (default DefaultKeepAlive).
	KeepAlive time.Duration
	// MaxOutput bounds each of stdout and stderr per command (default
	// DefaultMaxOutput).
	MaxOutput int
	// MaxSessions bounds concurrent commands per connection (default
	// DefaultMaxSessions); further Run calls wait for a free session.
	MaxSessions int
}

// SSHTarget is one host to connect to.
type SSHTarget struct {
	Name    string // asset name, used in messages (default "user@host:port")
	Address string // host name or IP
	Port    int    // default 22
	User    string // default: the local user
	// KeyFile is an asset-specific private key, tried before all others.
	KeyFile string
	// KeyPassphrase unlocks KeyFile when it is encrypted (the asset's
	// connection.passphrase, already resolved): what lets cron use an
	// encrypted per-asset key with no TTY. Never logged.
	KeyPassphrase string
	// Password is already resolved from a secret reference (environment
	// variable or file); for legacy devices without key auth. It is sent
	// only after the host key was verified, and never logged.
	Password string
	// Become runs scripts through non-interactive sudo as BecomeUser
	// (default root): `sudo -n -u USER -- /bin/sh`. sudo never prompts; a
	// host that wants a password fails the command with sudo's message.
	Become     bool
	BecomeUser string
	// Via is the jump host chain, first hop first (ssh -J semantics).
	Via []SSHTarget
}

func (t SSHTarget) port() int {
	if t.Port == 0 {
		return 22
	}
	return t.Port
}

func (t SSHTarget) user() string {
	if t.User != "" {
		return t.User
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

func (t SSHTarget) hostport() string {
	// "[::1]" as written in some inventories is the address ::1.
	host := strings.TrimSuffix(strings.TrimPrefix(t.Address, "["), "]")
	return net.JoinHostPort(host, strconv.Itoa(t.port()))
}

// id names the target as "user@host:port".
func (t SSHTarget) id() string { return t.user() + "@" + t.hostport() }

// label is how errors name the target: its asset name, else its id.
func (t SSHTarget) label() string {
	if t.Name != "" {
		return t.Name
	}
	return t.id()
}

// SSHDialer opens SSH connections for a run. It holds what the connections
// share: the known hosts, parsed keys (a passphrase is asked once), the
// agent, and the connections to jump hosts, so a fleet behind one bastion
// uses one bastion connection. It is safe for concurrent use.
type SSHDialer struct {
	cfg        SSHConfig
	identities []string            // explicit ones, then the user's defaults that exist
	known      ssh.HostKeyCallback // from the known_hosts files; nil when none exists
	probe      ssh.PublicKey       // a key no host has, to list a host's known keys
	caLines    map[string]bool     // "file:line" of the @cert-authority lines

	ctx    context.Context // cancelled by Close; jump dials run under it
	cancel context.CancelFunc

	khMu     sync.Mutex
	accepted map[string]ssh.PublicKey // keys accepted (AcceptNew) by this dialer

	keyMu sync.Mutex
	keys  map[string]loadedKey

	agentMu   sync.Mutex
	agentConn net.Conn
	agent     agent.ExtendedAgent

	jumpMu sync.Mutex
	jumps  map[string]*jumpEntry
	closed bool
}

type loadedKey struct {
	signer ssh.Signer
	err    error
}

// jumpEntry is a cached connection to a jump host (or a dial in flight).
type jumpEntry struct {
	done     chan struct{} // closed when the dial finished
	client   *ssh.Client
	err      error
	failedAt time.Time
}

// NewSSHDialer checks cfg, reads the known_hosts files and returns a dialer.
// Close it at the end of the run.
func NewSSHDialer(cfg SSHConfig) (*SSHDialer, error) {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.MaxOutput <= 0 {
		cfg.MaxOutput = DefaultMaxOutput
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	home, _ := os.UserHomeDir()
	if cfg.OwnKnownHosts == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("ssh: locate hcops' own known_hosts: %w (set HOME or XDG_CONFIG_HOME)", err)
		}
		cfg.OwnKnownHosts = filepath.Join(dir, "hcops", "known_hosts")
	}
	files := cfg.KnownHostsFiles
	if len(files) == 0 && !cfg.InsecureIgnoreHostKey {
		if home != "" {
			files = append(files, filepath.Join(home, ".ssh", "known_hosts"))
		}
		files = append(files, "/etc/ssh/ssh_known_hosts")
	}
	files = append(files, cfg.OwnKnownHosts)

	d := &SSHDialer{cfg: cfg, accepted: map[string]ssh.PublicKey{}, keys: map[string]loadedKey{}, jumps: map[string]*jumpEntry{}}
	var existing []string
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f] {
			continue
		}
		seen[f] = true
		if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("ssh: known hosts %s: %w", f, err)
		}
		existing = append(existing, f)
	}
	if len(existing) > 0 {
		cb, err := knownhosts.New(existing...)
		if err != nil {
			return nil, fmt.Errorf("ssh: read known hosts: %w", err)
		}
		d.known = cb
		d.caLines = certAuthorityLines(existing)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	probe, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	d.probe = probe.PublicKey()

	given := map[string]bool{}
	for _, f := range cfg.Identities {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("ssh: identity file: %w", err)
		}
		if !given[f] {
			given[f] = true
			d.identities = append(d.identities, f)
		}
	}
	if home != "" {
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			p := filepath.Join(home, ".ssh", n)
			if _, err := os.Stat(p); err == nil && !given[p] {
				d.identities = append(d.identities, p)
			}
		}
	}
	if cfg.InsecureIgnoreHostKey {
		slog.Warn("ssh host keys are NOT verified (insecure-ignore-host-key): any machine can pose as your hosts")
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d, nil
}

// certAuthorityLines returns the "file:line" of every @cert-authority line.
// x/crypto's knownhosts lists a matching CA key among a host's known keys
// (KeyError.Want) without saying it is one; these positions tell them apart.
func certAuthorityLines(files []string) map[string]bool {
	out := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for i, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "@cert-authority") {
				out[fmt.Sprintf("%s:%d", f, i+1)] = true
			}
		}
	}
	return out
}

// Dial connects to t (through its jump chain) and returns a Runner for it.
// The connection is shared by all Run calls on the Runner, one session each;
// Close the Runner when done with the host. Connection errors are
// *UnreachableError; a cancelled ctx returns ctx's error.
func (d *SSHDialer) Dial(ctx context.Context, t SSHTarget) (Runner, error) {
	// An empty address would quietly mean this machine.
	for _, h := range append(slices.Clone(t.Via), t) {
		if strings.TrimSpace(h.Address) == "" {
			return nil, fmt.Errorf("ssh %s: no address given (check the inventory)", h.label())
		}
	}
	var via *ssh.Client
	if len(t.Via) > 0 {
		c, err := d.jump(ctx, t.Via)
		if err != nil {
			var ue *UnreachableError
			if errors.As(err, &ue) {
				return nil, &UnreachableError{Target: t.label(), Reason: ue.Reason,
					Err: fmt.Errorf("jump host %s: %w", ue.Target, ue.Err)}
			}
			return nil, err
		}
		via = c
	}
	c, err := d.connect(ctx, via, t)
	if err != nil {
		return nil, err
	}
	r := &sshRunner{
		client:    c,
		name:      t.id(),
		command:   remoteCommand,
		sem:       make(chan struct{}, d.cfg.MaxSessions),
		maxOutput: d.cfg.MaxOutput,
	}
	if t.Become {
		bu := t.BecomeUser
		if bu == "" {
			bu = "root"
		}
		r.command = "sudo -n -u " + shellQuote(bu) + " -- " + remoteCommand
	}
	return r, nil
}

// Close closes the cached jump host connections and the agent connection.
// Runners already dialed through a jump host lose their connection.
func (d *SSHDialer) Close() error {
	d.cancel()
	d.jumpMu.Lock()
	d.closed = true
	jumps := d.jumps
	d.jumps = map[string]*jumpEntry{}
	d.jumpMu.Unlock()
	for _, e := range jumps {
		<-e.done
		if e.client != nil {
			e.client.Close()
		}
	}
	d.agentMu.Lock()
	if d.agentConn != nil {
		d.agentConn.Close()
		d.agentConn, d.agent = nil, nil
	}
	d.agentMu.Unlock()
	return nil
}

// jump returns the connection to the last hop of chain, dialing (once, for
// every caller) what is not cached. The dial runs under the dialer's own
// context: a caller whose deadline passes stops waiting, but the shared
// connection is still made for the hosts behind it.
func (d *SSHDialer) jump(ctx context.Context, chain []SSHTarget) (*ssh.Client, error) {
	key := jumpKey(chain)
	d.jumpMu.Lock()
	if d.closed {
		d.jumpMu.Unlock()
		return nil, errors.New("ssh: dialer closed")
	}
	e := d.jumps[key]
	if e != nil && !e.failedAt.IsZero() && time.Since(e.failedAt) > jumpRetryAfter {
		e = nil
	}
	if e == nil {
		e = &jumpEntry{done: make(chan struct{})}
		d.jumps[key] = e
		go d.dialJump(key, chain, e)
	}
	d.jumpMu.Unlock()
	select {
	case <-e.done:
		return e.client, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (d *SSHDialer) dialJump(key string, chain []SSHTarget, e *jumpEntry) {
	var via *ssh.Client
	var err error
	hop := chain[len(chain)-1]
	if len(chain) > 1 {
		// An earlier hop's failure is reported as is: it names that hop.
		via, err = d.jump(d.ctx, chain[:len(chain)-1])
	}
	var c *ssh.Client
	if err == nil {
		c, err = d.connect(d.ctx, via, hop)
	}
	d.jumpMu.Lock()
	if err == nil && d.closed {
		c.Close()
		c, err = nil, errors.New("ssh: dialer closed")
	}
	e.client, e.err = c, err
	if err != nil {
		e.failedAt = time.Now()
	}
	d.jumpMu.Unlock()
	close(e.done)
	if c != nil {
		// Forget the connection when it dies (bastion restarted), so the
		// next host behind it dials afresh.
		go func() {
			c.Wait()
			d.jumpMu.Lock()
			if d.jumps[key] == e {
				delete(d.jumps, key)
			}
			d.jumpMu.Unlock()
		}()
	}
}

// jumpKey identifies a chain prefix: the same hops with the same
// credentials share one connection.
func jumpKey(chain []SSHTarget) string {
	var b strings.Builder
	for _, h := range chain {
		fmt.Fprintf(&b, "%s|%s|%t>", h.id(), h.KeyFile, h.Password != "")
	}
	return b.String()
}

// dial states: the first of the handshake, the timer and the context to
// move the state away from dialing decides the outcome.
const (
	dialing int32 = iota
	dialDone
	dialTimedOut
	dialCancelled
)

// connect makes one SSH connection to t, directly or through via, bounded
// by the connect timeout and ctx.
func (d *SSHDialer) connect(ctx context.Context, via *ssh.Client, t SSHTarget) (*ssh.Client, error) {
	hp := t.hostport()
	unreachable := func(reason string, err error) error {
		return &UnreachableError{Target: t.label(), Reason: reason, Err: err}
	}
	auth, err := d.authMethods(t)
	if err != nil {
		return nil, unreachable(result.ReasonAuth, err)
	}
	deadline := time.Now().Add(d.cfg.ConnectTimeout)
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	// A hung host is worded one way whichever timer noticed first, this
	// dial's or the caller's (the runner bounds the dial by the same
	// connect timeout, and the host's deadline may be nearer): no answer
	// within the time it was given.
	limit := d.cfg.ConnectTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
		limit = max(time.Until(dl), 0)
	}
	noAnswer := func(what string) error {
		return unreachable(result.ReasonTimeout, fmt.Errorf("%s %s: no answer within %s", what, t.id(), roundLimit(limit)))
	}

	var conn net.Conn
	if via == nil {
		conn, err = (&net.Dialer{}).DialContext(dctx, "tcp", hp)
	} else {
		conn, err = via.DialContext(dctx, "tcp", hp)
	}
	if err != nil {
		if ctx.Err() == context.Canceled {
			return nil, ctx.Err()
		}
		if ctx.Err() != nil || dctx.Err() != nil {
			return nil, noAnswer("connect")
		}
		return nil, unreachable(NetReason(err), fmt.Errorf("connect %s: %w", t.id(), err))
	}

	// The handshake is bounded by a timer owned by this dial, not by a
	// socket deadline: a deadline left on the socket could fire just after
	// a late handshake succeeded and break a good connection. Whoever moves
	// the state first (handshake, timer, ctx) decides, exactly once.
	var state atomic.Int32
	timer := time.AfterFunc(time.Until(deadline), func() {
		if state.CompareAndSwap(dialing, dialTimedOut) {
			conn.Close()
		}
	})
	stopCtx := context.AfterFunc(ctx, func() {
		if state.CompareAndSwap(dialing, dialCancelled) {
			conn.Close()
		}
	})
	var verdict hostKeyVerdict
	algos, known := d.hostKeyAlgorithms(hp)
	cfg := &ssh.ClientConfig{
		Config:            ssh.Config{KeyExchanges: sshKeyExchanges, Ciphers: sshCiphers},
		User:              t.user(),
		Auth:              auth,
		HostKeyCallback:   d.hostKeyCallback(&verdict),
		HostKeyAlgorithms: algos,
		ClientVersion:     "SSH-2.0-hcops",
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, hp, cfg)
	won := state.CompareAndSwap(dialing, dialDone)
	timer.Stop()
	stopCtx()
	if !won {
		if err == nil {
			sc.Close()
		}
		conn.Close()
		if state.Load() == dialCancelled && ctx.Err() == context.Canceled {
			return nil, ctx.Err()
		}
		return nil, noAnswer("ssh handshake with")
	}
	if err != nil {
		conn.Close()
		switch {
		case verdict.reason != "":
			return nil, unreachable(verdict.reason, verdict.err)
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, unreachable(result.ReasonAuth, fmt.Errorf("ssh login to %s: %w", t.id(), err))
		case known && strings.Contains(err.Error(), "no common algorithm for host key"):
			return nil, unreachable(result.ReasonHostKeyMismatch, fmt.Errorf(
				"host %s no longer offers a key of the type recorded in known_hosts (%s): %w", hp, strings.Join(algos, ", "), err))
		}
		return nil, unreachable(NetReason(err), fmt.Errorf("ssh handshake with %s: %w", t.id(), err))
	}
	c := ssh.NewClient(sc, chans, reqs)
	go keepAlive(c, d.cfg.KeepAlive)
	return c, nil
}

// roundLimit writes a wait as the user gave it ("10s", "1.5s"), not as the
// nanoseconds left on a deadline.
func roundLimit(d time.Duration) time.Duration {
	if d >= 100*time.Millisecond {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// keepAlive sends keepalive@openssh.com every interval and closes the
// connection when the server stops answering (three intervals), so commands
// on a host that vanished fail instead of hanging.
func keepAlive(c *ssh.Client, every time.Duration) {
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case err := <-reply:
			if err != nil {
				c.Close()
				return
			}
		case <-time.After(3 * every):
			slog.Debug("ssh keepalive unanswered; closing", "host", c.RemoteAddr())
			c.Close()
			return
		case <-done:
			return
		}
	}
}

// NetReason classifies a connect error (direct, or reported by a jump host
// that failed to open the forwarded connection).
func NetReason(err error) string {
	var dnsErr *net.DNSError
	var oce *ssh.OpenChannelError
	if errors.As(err, &oce) {
		m := strings.ToLower(oce.Message)
		switch {
		case strings.Contains(m, "refused"):
			return result.ReasonRefused
		case strings.Contains(m, "timed out"):
			return result.ReasonTimeout
		case strings.Contains(m, "name or service not known"), strings.Contains(m, "name resolution"),
			strings.Contains(m, "no address associated"), strings.Contains(m, "nodename nor servname"):
			return result.ReasonDNS
		}
		return result.ReasonNetwork
	}
	var ne net.Error
	switch {
	case errors.As(err, &dnsErr):
		return result.ReasonDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return result.ReasonRefused
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return result.ReasonTimeout
	}
	return result.ReasonNetwork
}

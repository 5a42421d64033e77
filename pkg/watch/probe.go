package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"strconv"
	"sync"
	"time"

	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/transport"
)

// ProbeCheck is the check name of availability results.
const ProbeCheck = "availability"

// ProbeStore is what the prober needs of the history.
type ProbeStore interface {
	store.Recorder
	store.AvailabilityStore
}

// Prober measures availability: a TCP connection to each asset's SSH port
// (hosts) or service port (databases, devices), or ICMP echo to links and to
// assets nothing logs in to (transport none) that have no service port of
// their own, every round. Every round
// is counted per asset and hour (availability over any period, with its
// number of samples); results go to the history — and so to the findings
// alerts are raised from — for assets that are down, and for those whose
// state changed, so a month of probes costs little space.
type Prober struct {
	Assets      func() []*inventory.Asset
	Store       ProbeStore
	Timeout     time.Duration // per probe (default 5 s)
	Concurrency int           // probes at once (default 64)
	Lang        string
	// Site is the site this hcops runs at (the `location` setting): a link is
	// pinged at its far end from it (inventory.Asset.LinkTarget).
	Site string

	mu   sync.Mutex
	last map[string]bool // up state at the previous round (nil after start: every result is stored once)
}

// target is where a is probed, or "" when it cannot be (this machine, an
// asset without address and port); ssh says the port is SSH's, whose
// banner must arrive: a host whose sshd accepts connections but never
// answers (hung, overloaded) is down, not up. icmp says addr is pinged,
// not connected to: a link (at its far end from site), and an asset
// nothing logs in to (transport none) without a service port of its own —
// a switch, a firewall, a NAS, a server checked by probes only.
func target(a *inventory.Asset, site string) (addr string, ssh, icmp bool) {
	if a.Connection.Transport == inventory.TransportLocal {
		return "", false, false
	}
	if a.Kind == inventory.KindLink {
		addr, _ := a.LinkTarget(site)
		return addr, false, addr != ""
	}
	if a.Address == "" {
		return "", false, false
	}
	if a.Connection.Transport == inventory.TransportNone && (a.Kind == inventory.KindHost || a.Port == 0) {
		return a.Address, false, true
	}
	port := a.Port
	if a.Kind == inventory.KindHost || port == 0 {
		port, ssh = a.Connection.Port, true
		if port == 0 && a.Kind == inventory.KindHost {
			port = 22
		}
	}
	if port == 0 {
		return "", false, false
	}
	return net.JoinHostPort(a.Address, strconv.Itoa(port)), ssh, false
}

// pingOptions are the watcher's ICMP probe: three requests, up when one
// answers. A round must stay short: 3 × 200 ms plus 1 s for the last reply.
var pingOptions = transport.PingOptions{Count: 3, Interval: 200 * time.Millisecond, Timeout: time.Second}

// errNoReply is a ping probe that got no echo reply.
var errNoReply = errors.New("no reply to ICMP echo")

// dial probes addr: a TCP connection, and for SSH the server's banner
// ("SSH-...") within the timeout.
func dial(ctx context.Context, addr string, ssh bool, timeout time.Duration) error {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if !ssh {
		return nil
	}
	c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		return fmt.Errorf("%w (%v)", errNoBanner, err)
	}
	if string(buf) != "SSH-" {
		return errNoBanner
	}
	return nil
}

var errNoBanner = errors.New("the port answers but not with an SSH banner")

// Round probes every asset once and stores the round.
func (p *Prober) Round(ctx context.Context, now time.Time) error {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	conc := p.Concurrency
	if conc <= 0 {
		conc = 64
	}
	type probe struct {
		a    *inventory.Asset
		addr string
		ssh  bool
		icmp bool
		up   bool
		skip bool // not measured: this machine may open no ICMP socket
		err  error
		dur  time.Duration
	}
	var todo []*probe
	for _, a := range p.Assets() {
		if addr, ssh, icmp := target(a, p.Site); addr != "" {
			todo = append(todo, &probe{a: a, addr: addr, ssh: ssh, icmp: icmp})
		}
	}

	if len(todo) == 0 {
		return nil
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, pr := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			var err error
			if pr.icmp {
				var st *transport.PingStats
				var perm *transport.ICMPPermissionError
				st, err = transport.Ping(ctx, pr.addr, pingOptions)
				switch {
				case errors.As(err, &perm):
					pr.skip = true
				case err == nil && st.Received == 0:
					err = errNoReply
				}
			} else {
				err = dial(ctx, pr.addr, pr.ssh, timeout)
			}
			pr.dur = time.Since(start)
			pr.up, pr.err = err == nil, err
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// An asset this machine could not measure (no ICMP socket) is not
	// counted at all: counting it down would invent an outage.
	var permErr error
	measured := todo[:0:0]
	for _, pr := range todo {
		if pr.skip {
			permErr = pr.err
			continue
		}
		measured = append(measured, pr)
	}
	todo = measured
	if len(todo) == 0 {
		return permErr
	}
	up := make(map[string]bool, len(todo))
	for _, pr := range todo {
		up[pr.a.Name] = pr.up
	}
	if err := p.Store.AddProbes(ctx, now, up); err != nil {
		return err
	}
	p.mu.Lock()
	prev := p.last
	p.last = up
	p.mu.Unlock()
	var rs []result.Result
	for _, pr := range todo {
		was, known := prev[pr.a.Name]
		if pr.up && known && was {
			continue // up and unchanged: counted, not stored
		}
		typ := "tcp-connect"
		if pr.icmp {
			typ = "ping"
		}
		r := result.Result{Asset: pr.a.Name, Check: ProbeCheck, Type: typ, Playbook: "watch",
			System: pr.a.System, Zone: pr.a.Zone, StartedAt: now, DurationMS: pr.dur.Milliseconds()}
		if pr.up {
			r.Status = result.OK
			r.SetMessage(p.Lang, "watch.probe.up", pr.addr, pr.dur.Milliseconds())
		} else {
			r.Status = result.Unreachable
			r.Reason = reason(pr.err)
			r.SetMessage(p.Lang, "watch.probe.down", pr.addr, i18n.Sub{Key: "watch.reason." + r.Reason})
			r.SetAdvice(p.Lang, "watch.probe.down_advice")
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return permErr
	}
	run := &result.Run{Kind: result.KindProbe, StartedAt: now, Status: result.RunRunning, Playbooks: []string{"watch"}, Assets: len(todo)}
	if u, err := user.Current(); err == nil {
		run.Operator = u.Username
	}
	run.RanFrom, _ = os.Hostname()
	if err := p.Store.BeginRun(ctx, run); err != nil {
		return err
	}
	if err := p.Store.AddResults(ctx, run.ID, rs); err != nil {
		return err
	}
	run.Results = rs
	run.FinishedAt, run.Status = time.Now(), result.RunCompleted
	run.Tally()
	return errors.Join(p.Store.FinishRun(ctx, run), permErr)
}

// reason classifies a failed probe as the rest of hcops classifies a failed
// connection, plus a port that answered without an SSH banner.
func reason(err error) string {
	if errors.Is(err, errNoBanner) {
		return "no-banner"
	}
	if errors.Is(err, errNoReply) {
		return "no-reply"
	}

	return transport.NetReason(err)
}

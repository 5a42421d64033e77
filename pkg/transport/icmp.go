package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"syscall"
	"time"

	probing "github.com/prometheus-community/pro-bing"
)

// PingOptions are the knobs of Ping. Zero values take the defaults.
type PingOptions struct {
	Count    int           // echo requests (default 5)
	Interval time.Duration // between requests (default 200 ms)
	Timeout  time.Duration // how long to wait for a reply after the last request (default 2 s)
	Size     int           // payload bytes (default 56, at least 24: pro-bing's timestamp and tracker)
}

// ICMP socket modes, as PingStats.Mode reports them.
const (
	// PingUnprivileged is an ICMP datagram socket, open to the groups in
	// net.ipv4.ping_group_range without any privilege.
	PingUnprivileged = "unprivileged"
	// PingRaw is a raw socket: root or CAP_NET_RAW.
	PingRaw = "raw"
)

// PingStats is what one Ping measured. Loss is over the requests sent;
// RTTs are in the order of the requests' sequence numbers; Jitter is the
// mean absolute difference of consecutive RTTs (0 with fewer than two
// replies).
type PingStats struct {
	Addr            string // the address pinged (resolved)
	Mode            string // PingUnprivileged or PingRaw
	Sent, Received  int
	LossPct         float64
	RTTs            []time.Duration
	Min, Avg, Max   time.Duration
	Jitter          time.Duration
	Elapsed         time.Duration
	PrivilegedError error // why the unprivileged socket could not be used, when Mode is raw
}

// ICMPPermissionError says neither kind of ICMP socket could be opened:
// this machine's user is outside net.ipv4.ping_group_range and has no
// CAP_NET_RAW.
type ICMPPermissionError struct {
	Unprivileged, Raw error
}

func (e *ICMPPermissionError) Error() string {
	return fmt.Sprintf("cannot open an ICMP socket: unprivileged: %v; raw: %v (allow the group in net.ipv4.ping_group_range, or run as root / with CAP_NET_RAW)", e.Unprivileged, e.Raw)
}

// permissionDenied reports whether err is the kernel refusing a socket.
func permissionDenied(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EPROTONOSUPPORT)
}

// Ping sends ICMP echo requests to host (an address or a name) and returns
// what came back. It uses an unprivileged ICMP socket where the kernel
// allows it and a raw socket otherwise; a machine that allows neither gets
// an *ICMPPermissionError. A host that answers nothing is not an error:
// the stats say 100 % loss. Ping returns within Count×Interval + Timeout,
// or when ctx ends.
func Ping(ctx context.Context, host string, o PingOptions) (*PingStats, error) {
	if o.Count <= 0 {
		o.Count = 5
	}
	if o.Interval <= 0 {
		o.Interval = 200 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Size <= 0 {
		o.Size = 56
	}
	ip, err := resolveOne(ctx, host)
	if err != nil {
		return nil, err
	}
	st, err := pingOnce(ctx, ip, o, false)
	if err == nil {
		return st, nil
	}
	if !permissionDenied(err) {
		return nil, err
	}
	st, rawErr := pingOnce(ctx, ip, o, true)
	if rawErr != nil {
		if permissionDenied(rawErr) {
			return nil, &ICMPPermissionError{Unprivileged: err, Raw: rawErr}
		}
		return nil, rawErr
	}
	st.PrivilegedError = err
	return st, nil
}

// resolveOne resolves host to one IP address, IPv4 first (a dual-stacked
// name is pinged over IPv4, as ping(8) does).
func resolveOne(ctx context.Context, host string) (*net.IPAddr, error) {
	if ip := net.ParseIP(host); ip != nil {
		return &net.IPAddr{IP: ip}, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if a.IP.To4() != nil {
			return &a, nil
		}
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
	}
	return &addrs[0], nil
}

func pingOnce(ctx context.Context, ip *net.IPAddr, o PingOptions, privileged bool) (*PingStats, error) {
	p := probing.New("")
	p.SetIPAddr(ip)
	p.SetPrivileged(privileged)
	p.Count = o.Count
	p.Interval = o.Interval
	p.Size = o.Size
	// pro-bing's Timeout bounds the whole run: the requests, then the wait
	// for the last reply.
	p.Timeout = time.Duration(o.Count-1)*o.Interval + o.Timeout
	type reply struct {
		seq int
		rtt time.Duration
	}
	var replies []reply
	p.OnRecv = func(pkt *probing.Packet) { replies = append(replies, reply{pkt.Seq, pkt.Rtt}) }
	start := time.Now()
	if err := p.RunWithContext(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	s := p.Statistics()
	st := &PingStats{Addr: ip.String(), Mode: PingUnprivileged, Sent: s.PacketsSent, Received: s.PacketsRecv, Elapsed: time.Since(start)}
	if privileged {
		st.Mode = PingRaw
	}
	if st.Sent == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("no echo request could be sent")
	}
	st.LossPct = float64(st.Sent-min(st.Received, st.Sent)) / float64(st.Sent) * 100
	slices.SortFunc(replies, func(a, b reply) int { return a.seq - b.seq })
	for _, r := range replies {
		st.RTTs = append(st.RTTs, r.rtt)
	}
	st.Min, st.Avg, st.Max, st.Jitter = rttSummary(st.RTTs)
	return st, nil
}

// rttSummary returns min, mean, max and jitter (mean absolute difference
// of consecutive values) of rtts.
func rttSummary(rtts []time.Duration) (lo, avg, hi, jitter time.Duration) {
	if len(rtts) == 0 {
		return 0, 0, 0, 0
	}
	lo, hi = rtts[0], rtts[0]
	var sum, jsum time.Duration
	for i, r := range rtts {
		lo, hi, sum = min(lo, r), max(hi, r), sum+r
		if i > 0 {
			d := r - rtts[i-1]
			if d < 0 {
				d = -d
			}
			jsum += d
		}
	}
	avg = sum / time.Duration(len(rtts))
	if len(rtts) > 1 {
		jitter = jsum / time.Duration(len(rtts)-1)
	}
	return lo, avg, hi, jitter
}

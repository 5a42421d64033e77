package net

import (
	"math"
	"testing"
	"time"
)

func TestCounterDelta(t *testing.T) {
	for _, c := range []struct {
		name      string
		prev, cur float64
		bits      int
		want      float64
		ok        bool
	}{
		{"steady", 1000, 5000, 64, 4000, true},
		{"unchanged", 7, 7, 32, 0, true},
		{"32-bit wrap", 4294967000, 704, 32, 1000, true},
		// Values chosen exactly representable in float64, as stored.
		{"64-bit wrap", math.Ldexp(1, 64) - math.Ldexp(1, 20), math.Ldexp(1, 20), 64, math.Ldexp(1, 21), true},
		{"negative sample", -1, 5, 32, 0, false},
	} {
		got, ok := counterDelta(c.prev, c.cur, c.bits)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: counterDelta(%v, %v, %d) = %v, %v; want %v, %v", c.name, c.prev, c.cur, c.bits, got, ok, c.want, c.ok)
		}
	}
}

// sample builds an interface sample of a 1 Gb/s port.
func sample(bits int, octetsIn, octetsOut, pkts, errs, discards float64) ifSample {
	c := map[string]float64{"in_octets": octetsIn, "out_octets": octetsOut, "in_pkts": pkts, "out_pkts": pkts,
		"in_nucast": 0, "out_nucast": 0, "in_errors": errs, "out_errors": 0, "in_discards": discards, "out_discards": 0}
	b := map[string]int{}
	for k := range c {
		b[k] = 32
	}
	b["in_octets"], b["out_octets"], b["in_pkts"], b["out_pkts"], b["in_nucast"], b["out_nucast"] = bits, bits, bits, bits, bits, bits
	return ifSample{Name: "GE1/0/1", Admin: 1, Oper: 1, SpeedBps: 1e9, Counters: c, Bits: b}
}

func TestComputeRates(t *testing.T) {
	hour := 3600.0
	// 45 GB in and 9 GB out in an hour on 1 Gb/s: 10 % and 2 %; 1 error
	// per 1000 packets, no discards.
	prev := sample(64, 1e12, 5e11, 1e9, 100, 7)
	cur := sample(64, 1e12+45e9, 5e11+9e9, 1e9+1e6, 100+2000, 7)
	r, why := computeRates(prev, cur, hour)
	if why != "" || math.Abs(r.InUtil-10) > 1e-9 || math.Abs(r.OutUtil-2) > 1e-9 || r.DiscardPct != 0 {
		t.Fatalf("steady: %+v %q", r, why)
	}
	if want := 2000.0 / (2e6 + 2000) * 100; math.Abs(r.ErrorPct-want) > 1e-9 {
		t.Errorf("error rate %v, want %v", r.ErrorPct, want)
	}
	// Multicast and broadcast packets count in the denominator too.
	cur.Counters["in_nucast"] = 2e6
	r, _ = computeRates(prev, cur, hour)
	if want := 2000.0 / (4e6 + 2000) * 100; math.Abs(r.ErrorPct-want) > 1e-9 {
		t.Errorf("error rate with multicast %v, want %v", r.ErrorPct, want)
	}
	cur.Counters["in_nucast"] = 0

	// A 64-bit counter wrapping in between still gives the true rate.
	top := math.Ldexp(1, 64)
	prev = sample(64, top-math.Ldexp(1, 34), 0, 0, 0, 0)
	cur = sample(64, math.Ldexp(1, 34), 0, 0, 0, 0) // 2^35 octets later
	r, why = computeRates(prev, cur, hour)
	if want := math.Ldexp(1, 35) * 8 / hour / 1e9 * 100; why != "" || math.Abs(r.InUtil-want) > 1e-6 {
		t.Errorf("64-bit wrap: %+v %q, want %.3f%%", r, why, want)
	}

	// A 32-bit counter that wrapped once in 20 s on 1 Gb/s: rate kept.
	prev = sample(32, 4294000000, 0, 0, 0, 0)
	cur = sample(32, 1000000000, 0, 0, 0, 0)
	r, why = computeRates(prev, cur, 20)
	if want := (4294967296.0 - 4294000000 + 1000000000) * 8 / 20 / 1e9 * 100; why != "" || math.Abs(r.InUtil-want) > 1e-9 {
		t.Errorf("32-bit wrap: %+v %q, want %.3f%%", r, why, want)
	}
	// Over an hour a 32-bit octet counter of a 1 Gb/s port may wrap ~100
	// times: no rate, and the reason says why.
	if _, why = computeRates(prev, cur, hour); why != noRateWrap32 {
		t.Errorf("32-bit over an hour: %q", why)
	}

	// A reset the clock did not show (counters cleared by hand): the
	// "wrap" would be 2^64 octets in an hour, no spike is reported.
	prev = sample(64, 5e12, 5e12, 1e9, 0, 0)
	cur = sample(64, 1e6, 1e6, 10, 0, 0)
	if r, why = computeRates(prev, cur, hour); why != noRateDiscont {
		t.Errorf("cleared counters: %+v %q", r, why)
	}
	// An agent that switched from 32- to 64-bit counters.
	if _, why = computeRates(sample(32, 1, 1, 1, 0, 0), sample(64, 2, 2, 2, 0, 0), 60); why != noRateDiscont {
		t.Errorf("width changed: %q", why)
	}
	// Without a speed (a virtual interface) only an absurd rate is
	// refused.
	noSpeed := func(s ifSample) ifSample { s.SpeedBps = 0; return s }
	if r, why = computeRates(noSpeed(sample(64, 0, 0, 0, 0, 0)), noSpeed(sample(64, 36e9, 0, 0, 0, 0)), hour); why != "" || r.InUtil != -1 || r.InBps != 80e6 {
		t.Errorf("no speed: %+v %q", r, why)
	}
	if _, why = computeRates(noSpeed(prev), noSpeed(cur), hour); why != noRateDiscont {
		t.Errorf("no speed, cleared counters: %q", why)
	}
	if _, why = computeRates(prev, prev, 0); why != noRateInterval {
		t.Errorf("no interval: %q", why)
	}
}

func TestRestarted(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	up := func(at time.Time, uptime, boots float64) sysSample {
		return sysSample{At: at, Uptime: uptime, Boots: boots}
	}
	wrap := float64(sysUpTimeWrapTk) / ticksPerSecond // 497.1 days
	for _, c := range []struct {
		name      string
		prev, cur sysSample
		want      bool
	}{
		{"a day later", up(t0, 1000, 3), up(t0.Add(day), 1000+86400, 3), false},
		{"clock skew within slack", up(t0, 1000, -1), up(t0.Add(day), 1000+86400-60, -1), false},
		{"restarted seconds after a restart", up(t0, 6, -1), up(t0.Add(3*time.Second), 0.1, -1), true},
		{"rebooted an hour ago", up(t0, 5e6, -1), up(t0.Add(day), 3600, -1), true},
		{"engine boots went up", up(t0, 1000, 3), up(t0.Add(day), 1000+86400, 4), true},
		{"sysUpTime wrapped after 497 days", up(t0, wrap-3600, -1), up(t0.Add(day), 86400-3600, -1), false},
		{"restarted near the wrap", up(t0, wrap-3600, -1), up(t0.Add(day), 600, -1), true},
	} {
		if got := restarted(c.prev, c.cur); got != c.want {
			t.Errorf("%s: restarted = %v", c.name, got)
		}
	}
}

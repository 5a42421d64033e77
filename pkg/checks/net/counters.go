package net

import "math"

// counterDelta is how much a counter of the given width (32 or 64 bits)
// went up from prev to cur: cur-prev, or, when cur is lower, one wrap
// past 2^bits. ok is false when there is no sensible delta (a negative or
// missing sample). It cannot tell two wraps from one, nor a reset from a
// wrap: the caller detects restarts (sysUpTime, snmpEngineBoots) and
// implausible rates (above the link speed) before trusting it.
//
// Counters are stored as float64 metrics between runs: exact up to 2^53
// (8 PiB of octets); above that the delta is off by at most a few
// thousand octets, nothing against a day's traffic.
func counterDelta(prev, cur float64, bits int) (float64, bool) {
	if prev < 0 || cur < 0 || math.IsNaN(prev) || math.IsNaN(cur) {
		return 0, false
	}
	if cur >= prev {
		return cur - prev, true
	}
	return math.Ldexp(1, bits) - prev + cur, true
}

// wrapsWithin reports whether a counter of the given width can wrap more
// than once between two samples elapsed seconds apart on a link of
// speedBps bits per second (octet counters): then a delta proves nothing.
func wrapsWithin(bits int, speedBps, elapsed float64) bool {
	if speedBps <= 0 {
		return false
	}
	maxOctets := speedBps / 8 * elapsed
	return maxOctets >= math.Ldexp(1, bits)
}

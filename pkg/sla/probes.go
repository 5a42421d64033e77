package sla

import (
	"sort"
	"time"
)

// HourCount is what the watcher's availability probes counted for one
// asset in one clock hour (store.AvailabilityHour).
type HourCount struct {
	Hour          time.Time
	Samples, Down int
}

// ProbeMaxGap is the Options.MaxGap to Compute probe samples with: an Up
// sample at the start and the middle of each probed hour covers that hour,
// and an hour without probes stays Unknown (but for its first minute).
const ProbeMaxGap = 31 * time.Minute

// ProbeSamples turns the watcher's probes into samples for Compute (with
// MaxGap ProbeMaxGap). The
// watcher counts every round per hour but stores an observation only when
// the asset is down or changed state, so: every observation stored is a
// sample as it was seen, and every hour whose probes all found the asset up
// gives an Up sample at the hour's start and its middle. An hour without probes gives nothing: the watcher was not
// running, and that time stays Unknown — never counted as up.
func ProbeSamples(hours []HourCount, observed []Sample) []Sample {
	out := append([]Sample(nil), observed...)
	for _, h := range hours {
		if h.Samples > 0 && h.Down == 0 {
			out = append(out, Sample{At: h.Hour, Up: true}, Sample{At: h.Hour.Add(30 * time.Minute), Up: true})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// ProbeCount is the number of probes a measured availability rests on.
func ProbeCount(hours []HourCount) (samples, down int) {
	for _, h := range hours {
		samples += h.Samples
		down += h.Down
	}
	return samples, down
}

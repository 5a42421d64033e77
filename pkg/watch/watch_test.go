package watch

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cyhealth/hcops/pkg/config"
)

// The loop probes every interval and runs a cycle after each round; SIGHUP
// (hup) reloads; cancelling stops it, waiting for a running job at most the
// grace period.
func TestRunLoop(t *testing.T) {
	var probes, cycles, reloads atomic.Int32
	jobStarted := make(chan struct{})
	w := &Watcher{
		ProbeEvery: time.Second,
		Probe:      func(context.Context, time.Time) error { probes.Add(1); return nil },
		Cycle:      func(context.Context, time.Time) error { cycles.Add(1); return nil },
		Reload:     func() ([]config.Job, error) { reloads.Add(1); return nil, nil },
		Grace:      500 * time.Millisecond,
		// A job due every minute, started at the first minute boundary
		// the clock below crosses; it outlives the grace period.
		Jobs: []config.Job{{Name: "slow", Schedule: "* * * * *"}},
		RunJob: func(ctx context.Context, _ config.Job) error {
			close(jobStarted)
			<-ctx.Done() // cancelled after the grace period
			return ctx.Err()
		},
	}
	// A clock that crosses a minute boundary two seconds in.
	base := time.Now().Truncate(time.Minute).Add(time.Minute - 2*time.Second)
	start := time.Now()
	w.Now = func() time.Time { return base.Add(time.Since(start)) }
	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, hup) }()
	select {
	case <-jobStarted:
	case <-time.After(10 * time.Second):
		t.Fatal("the due job never started")
	}
	hup <- struct{}{}
	time.Sleep(1500 * time.Millisecond)
	cancel()
	stopAt := time.Now()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if d := time.Since(stopAt); d > 5*time.Second {
		t.Errorf("stopping took %s, grace is 500ms", d)
	}
	if probes.Load() < 2 || cycles.Load() < probes.Load() || reloads.Load() != 1 {
		t.Errorf("probes %d, cycles %d, reloads %d", probes.Load(), cycles.Load(), reloads.Load())
	}
}

package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/result"
)

// hostPhase is where a host is in a run.
type hostPhase int

const (
	hostWaiting hostPhase = iota
	hostRunning
	hostDone
)

// hostState is one host of the run screen.
type hostState struct {
	Name          string
	Phase         hostPhase
	Started, Done time.Time
	Worst         result.Status
	Results       int
	StoreErr      string
}

// runState is the run screen: the inspection running in the background
// (or the last one), fed by the engine's events.
type runState struct {
	Assets   []string
	Hosts    []*hostState
	byName   map[string]*hostState
	Started  time.Time
	Finished time.Time
	RunID    int64
	Status   string
	Err      string
	Done     int
	Total    int
	Problems int
	cancel   context.CancelFunc
	events   <-chan tea.Msg
	cur, top int
}

func (r *runState) host(name string) *hostState {
	if h, ok := r.byName[name]; ok {
		return h
	}
	h := &hostState{Name: name}
	r.byName[name] = h
	r.Hosts = append(r.Hosts, h)
	return h
}

// running reports whether the run has not finished.
func (r *runState) running() bool { return r != nil && r.Finished.IsZero() }

// startRun starts inspecting assets in the background. Events come back
// one message at a time through a channel the observer feeds, so the UI
// goroutine never waits on the run.
func (m *Model) startRun(assets []string) tea.Cmd {
	ctx, cancel := context.WithCancel(m.ctx)
	m.run = &runState{Assets: assets, byName: map[string]*hostState{}, Started: m.now(), Total: len(assets), cancel: cancel}
	for _, a := range assets {
		m.run.host(a)
	}
	ch := make(chan tea.Msg, 256)
	m.run.events = ch
	inspect, quit := m.deps.Inspect, m.ctx.Done()
	send := func(msg tea.Msg) {
		select {
		case ch <- msg:
		case <-quit: // the dashboard is gone: nobody reads
		}
	}
	go func() {
		err := inspect(ctx, assets, func(ev engine.Event) { send(runEventMsg{ev: ev, ch: ch}) })
		send(runEndMsg{err: err})
		close(ch)
	}()
	return tea.Batch(waitRun(ch), runTick())
}

// waitRun delivers the run's next event.
func waitRun(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// runTick redraws the run screen every second while it runs (elapsed
// times move even when no host reports: a hung host shows as such).
func runTick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return runTickMsg{} })
}

// apply records one engine event.
func (r *runState) apply(ev engine.Event, now time.Time) {
	switch ev := ev.(type) {
	case engine.RunStarted:
		r.RunID, r.Total = ev.Run.ID, ev.Hosts
		if len(ev.Order) > 0 {
			keep := map[string]bool{}
			for _, n := range ev.Order {
				keep[n] = true
			}
			hosts := r.Hosts[:0]
			for _, h := range r.Hosts {
				if keep[h.Name] {
					hosts = append(hosts, h)
				} else {
					delete(r.byName, h.Name)
				}
			}
			r.Hosts = hosts
		}
	case engine.HostStarted:
		h := r.host(ev.Asset)
		h.Phase, h.Started = hostRunning, now
	case engine.HostDone:
		h := r.host(ev.Asset)
		h.Phase, h.Done, h.Results = hostDone, now, len(ev.Results)
		if h.Started.IsZero() {
			h.Started = now
		}
		h.Worst = result.OK
		for _, res := range ev.Results {
			h.Worst = result.Worst(h.Worst, res.Status)
		}
		r.Done, r.Total, r.Problems = ev.Done, ev.Total, ev.Problems
	case engine.ResultsStored:
		if ev.Err != nil && ev.Asset != "" {
			r.host(ev.Asset).StoreErr = ev.Err.Error()
		}
	case engine.RunFinished:
		r.Finished, r.Status = now, ev.Run.Status
		if ev.StoreErr != nil {
			r.Err = ev.StoreErr.Error()
		}
	}
}

// runChan is the current run's event channel (nil without a run).
func (m Model) runChan() <-chan tea.Msg {
	if m.run == nil {
		return nil
	}
	return m.run.events
}

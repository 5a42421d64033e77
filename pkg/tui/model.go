// Package tui is hcops' dashboard (`hcops tui`): an overview tile per
// application system and zone, a filterable assets table with a
// drill-down, the alerts and tickets to work on, and a run screen that
// inspects in the background. It is presentation only: it reads through
// the History, Alerts, Tickets and Availability interfaces and acts
// through the same code as the CLI (ticket.Service, the store's AckAlert
// and SilenceAlert, the engine's Inspect), so an action taken here is
// recorded exactly as `hcops ticket ack` or `hcops alert ack` would.
//
// The model follows bubbletea's split: model.go holds the state and its
// messages, update.go what a message changes, view.go how it is drawn,
// keys.go the keys. Every read runs in a command off the UI goroutine, so
// a slow history or a hung host never blocks input.
package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/cyhealth/hcops/pkg/engine"
	"github.com/cyhealth/hcops/pkg/i18n"
	"github.com/cyhealth/hcops/pkg/inventory"
	"github.com/cyhealth/hcops/pkg/result"
)

// Options are the dashboard's settings.
type Options struct {
	Lang     string // "zh" or "en"
	Actor    string // who acts (recorded with every action)
	ReadOnly bool   // no action and no run
	// Wall is the duty-room mode: no input needed, the overview cycles
	// through the systems every WallEvery.
	Wall      bool
	WallEvery time.Duration
	// Refresh is how often the history is read again (5 s when 0).
	Refresh time.Duration
	// ASCII draws boxes with + - | for terminals that draw box lines wide.
	ASCII bool
	// Zone, when set, narrows every screen to the assets of that network
	// zone, their alerts and tickets (hcops tui --zone), where several
	// runners' zones share one history.
	Zone string
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

type screen int

const (
	scrOverview screen = iota
	scrAssets
	scrWork
	scrRun
	nScreens
)

// Model is the dashboard's state.
type Model struct {
	ctx  context.Context
	deps Deps
	opt  Options
	keys keyMap
	help help.Model

	width, height int
	screen        screen
	showHelp      bool

	snap    *snapshot
	loading bool

	// overview
	tileCur int
	// assets
	filter     textinput.Model
	filtering  bool
	filterErr  string
	sel        *inventory.Selector
	sortCol    int
	sortDesc   bool
	rows       []int // indices into snap.Assets, filtered and sorted
	cur, top   int
	drill      *detail
	drillName  string
	drillOff   int
	drillAwait bool
	// alerts and tickets
	items []workItem
	wcur  int
	// a prompt (assign, note, resolve) or a confirmation (inspect)
	prompt     textinput.Model
	prompting  string // "", "assign", "note", "resolve", "inspect"
	promptItem workItem
	pendingRun []string
	// the status line: the last action's outcome
	flash    string
	flashErr bool

	run *runState
}

// New returns the dashboard over deps.
func New(ctx context.Context, deps Deps, opt Options) Model {
	if opt.Lang == "" {
		opt.Lang = i18n.EN
	}
	if opt.Refresh <= 0 {
		opt.Refresh = 5 * time.Second
	}
	if opt.WallEvery <= 0 {
		opt.WallEvery = 10 * time.Second
	}
	f := textinput.New()
	f.Prompt = "/"
	f.Placeholder = i18n.T(opt.Lang, "tui.filter.placeholder")
	p := textinput.New()
	p.Prompt = "> "
	h := help.New()
	return Model{ctx: ctx, deps: deps, opt: opt, keys: newKeyMap(opt.Lang, opt.ReadOnly), help: h,
		width: 80, height: 24, filter: f, prompt: p, loading: true}
}

func (m Model) now() time.Time {
	if m.opt.Now != nil {
		return m.opt.Now()
	}
	return time.Now()
}

func (m Model) t(key string, args ...any) string { return i18n.T(m.opt.Lang, key, args...) }

// Messages.
type (
	snapshotMsg struct{ s *snapshot }
	refreshMsg  struct{}
	wallMsg     struct{}
	detailMsg   struct{ d *detail }
	actionMsg   struct {
		text string
		err  error
	}
	runEventMsg struct {
		ev engine.Event
		ch <-chan tea.Msg
	}
	runEndMsg  struct{ err error }
	runTickMsg struct{}
)

// Init reads the first snapshot and starts the refresh timer.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadCmd(), m.refreshTick()}
	if m.opt.Wall {
		cmds = append(cmds, m.wallTick())
	}
	return tea.Batch(cmds...)
}

func (m Model) loadCmd() tea.Cmd {
	ctx, d, lang, zone, now := m.ctx, m.deps, m.opt.Lang, m.opt.Zone, m.now()
	return func() tea.Msg { return snapshotMsg{load(ctx, d, lang, zone, now)} }
}

func (m Model) refreshTick() tea.Cmd {
	return tea.Tick(m.opt.Refresh, func(time.Time) tea.Msg { return refreshMsg{} })
}

func (m Model) wallTick() tea.Cmd {
	return tea.Tick(m.opt.WallEvery, func(time.Time) tea.Msg { return wallMsg{} })
}

func (m Model) detailCmd(name string) tea.Cmd {
	ctx, d, s, now := m.ctx, m.deps, m.snap, m.now()
	return func() tea.Msg { return detailMsg{loadDetail(ctx, d, s, name, now)} }
}

// statusWord is a status's short label in the UI language.
func (m Model) statusWord(s result.Status) string { return m.t("tui.status." + s.String()) }

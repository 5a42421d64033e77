package tui

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cyhealth/hcops/pkg/inventory"
)

// Sort columns of the assets table.
const (
	sortStatus = iota
	sortName
	sortSystem
	sortZone
	sortSeen
	nSorts
)

// Update applies one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.clamp()
		return m, nil
	case snapshotMsg:
		m.setSnapshot(msg.s)
		return m, nil
	case refreshMsg:
		cmds := []tea.Cmd{m.refreshTick()}
		if !m.loading {
			m.loading = true
			cmds = append(cmds, m.loadCmd())
		}
		if m.drillName != "" && !m.drillAwait {
			m.drillAwait = true
			cmds = append(cmds, m.detailCmd(m.drillName))
		}
		return m, tea.Batch(cmds...)
	case wallMsg:
		if n := m.systemTiles(); n > 0 {
			m.tileCur = (m.tileCur + 1) % n
		}
		return m, m.wallTick()
	case detailMsg:
		m.drillAwait = false
		if msg.d.Asset == m.drillName {
			m.drill = msg.d
		}
		return m, nil
	case actionMsg:
		m.flash, m.flashErr = msg.text, msg.err != nil
		if msg.err != nil {
			m.flash = msg.err.Error()
		}
		m.loading = true
		return m, m.loadCmd()
	case runEventMsg:
		if m.run != nil {
			m.run.apply(msg.ev, m.now())
		}
		return m, waitRun(msg.ch)
	case runEndMsg:
		if m.run != nil {
			if m.run.Finished.IsZero() {
				// Ended without a RunFinished event: it failed to start
				// (bad settings, no history); the error says why.
				m.run.Finished, m.run.Status = m.now(), "failed"
			}
			if msg.err != nil {
				m.run.Err = msg.err.Error()
			}
			m.run.cancel()
		}
		m.loading = true
		return m, m.loadCmd()
	case runTickMsg:
		if m.run.running() {
			return m, runTick()
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

// setSnapshot takes a new snapshot, keeping the selections where they were.
func (m *Model) setSnapshot(s *snapshot) {
	m.snap, m.loading = s, false
	var name string
	if len(m.rows) > 0 && m.cur < len(m.rows) && m.cur >= 0 && m.prevAssets() != nil {
		name = m.prevAssets()[m.rows[m.cur]].Name
	}
	m.applyRows()
	if name != "" {
		for i, r := range m.rows {
			if s.Assets[r].Name == name {
				m.cur = i
			}
		}
	}
	var cur workItem
	if m.wcur < len(m.items) {
		cur = m.items[m.wcur]
	}
	m.items = workItems(s)
	for i, it := range m.items {
		if (cur.alert != nil && it.alert != nil && it.alert.ID == cur.alert.ID) ||
			(cur.ticket != nil && it.ticket != nil && it.ticket.ID == cur.ticket.ID) {
			m.wcur = i
		}
	}
	m.clamp()
}

// prevAssets is the asset list m.rows indexes; rows are rebuilt on every
// snapshot, so it is the current one.
func (m *Model) prevAssets() []assetRow {
	if m.snap == nil {
		return nil
	}
	return m.snap.Assets
}

// applyRows filters and sorts the assets table.
func (m *Model) applyRows() {
	m.rows = m.rows[:0]
	if m.snap == nil {
		return
	}
	text := strings.TrimSpace(m.filter.Value())
	m.sel, m.filterErr = nil, ""
	var words []string
	if strings.Contains(text, "=") {
		sel, err := inventory.ParseExpr(text)
		if err != nil {
			m.filterErr = err.Error()
		} else {
			m.sel = sel
		}
	} else if text != "" {
		words = strings.Fields(strings.ToLower(text))
	}
	for i := range m.snap.Assets {
		r := &m.snap.Assets[i]
		if m.sel != nil {
			a := r.asset
			if a == nil {
				a = &inventory.Asset{Name: r.Name, System: r.System, Zone: r.Zone}
			}
			if !m.sel.Match(a) {
				continue
			}
		}
		ok := true
		for _, w := range words {
			if !strings.Contains(r.search, w) {
				ok = false
				break
			}
		}
		if ok {
			m.rows = append(m.rows, i)
		}
	}
	as := m.snap.Assets
	col, desc := m.sortCol, m.sortDesc
	slices.SortStableFunc(m.rows, func(i, j int) int {
		a, b := &as[i], &as[j]
		var c int
		switch col {
		case sortStatus:
			c = cmp.Or(cmp.Compare(b.Worst, a.Worst), cmp.Compare(b.Counts.Total()-b.Counts.OK, a.Counts.Total()-a.Counts.OK))
		case sortName:
			c = cmp.Compare(a.Name, b.Name)
		case sortSystem:
			c = cmp.Compare(a.System, b.System)
		case sortZone:
			c = cmp.Compare(a.Zone, b.Zone)
		case sortSeen:
			c = b.LastSeen.Compare(a.LastSeen)
		}
		if desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a.Name, b.Name))
	})
}

// systemTiles counts the overview's tiles.
func (m Model) systemTiles() int {
	if m.snap == nil {
		return 0
	}
	return len(m.snap.Tiles)
}

// clamp keeps the cursors inside their lists.
func (m *Model) clamp() {
	m.cur = max(0, min(m.cur, len(m.rows)-1))
	m.wcur = max(0, min(m.wcur, len(m.items)-1))
	m.tileCur = max(0, min(m.tileCur, m.systemTiles()-1))
	if m.run != nil {
		m.run.cur = max(0, min(m.run.cur, len(m.run.Hosts)-1))
	}
}

func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if m.prompting != "" {
		return m.promptKey(msg)
	}
	if m.filtering {
		switch msg.String() {
		case "enter":
			m.filtering = false
			m.filter.Blur()
			return m, nil
		case "esc":
			m.filtering = false
			m.filter.Blur()
			m.filter.SetValue("")
			m.applyRows()
			m.cur = 0
			return m, nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.applyRows()
		m.cur, m.top = 0, 0
		return m, cmd
	}
	if m.showHelp {
		if key.Matches(msg, k.Quit) {
			return m.quit()
		}
		m.showHelp = false
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return m, nil
	case key.Matches(msg, k.Overview):
		m.screen = scrOverview
		return m, nil
	case key.Matches(msg, k.Assets):
		m.screen = scrAssets
		return m, nil
	case key.Matches(msg, k.Work):
		m.screen = scrWork
		return m, nil
	case key.Matches(msg, k.Run):
		m.screen = scrRun
		return m, nil
	case key.Matches(msg, k.Next):
		m.screen = (m.screen + 1) % nScreens
		m.drillName, m.drill = "", nil
		return m, nil
	case key.Matches(msg, k.Prev):
		m.screen = (m.screen + nScreens - 1) % nScreens
		m.drillName, m.drill = "", nil
		return m, nil
	case key.Matches(msg, k.Refresh):
		m.loading = true
		return m, m.loadCmd()
	}
	switch m.screen {
	case scrOverview:
		return m.overviewKey(msg)
	case scrAssets:
		return m.assetsKey(msg)
	case scrWork:
		return m.workKey(msg)
	case scrRun:
		return m.runKey(msg)
	}
	return m, nil
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	if m.run != nil && m.run.cancel != nil {
		m.run.cancel()
	}
	return m, tea.Quit
}

// move applies the cursor keys to a list of n lines, page lines high.
func (m Model) move(msg tea.KeyPressMsg, cur, n, page int) (int, bool) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		cur--
	case key.Matches(msg, k.Down):
		cur++
	case key.Matches(msg, k.Top):
		cur = 0
	case key.Matches(msg, k.Bottom):
		cur = n - 1
	case msg.String() == "pgup" || msg.String() == "ctrl+b":
		cur -= max(1, page)
	case msg.String() == "pgdown" || msg.String() == "ctrl+f":
		cur += max(1, page)
	default:
		return cur, false
	}
	return max(0, min(cur, n-1)), true
}

func (m Model) overviewKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	n := m.systemTiles()
	cols := m.tileCols()
	switch {
	case key.Matches(msg, k.Left):
		m.tileCur--
	case key.Matches(msg, k.Right):
		m.tileCur++
	case key.Matches(msg, k.Up):
		m.tileCur -= cols
	case key.Matches(msg, k.Down):
		m.tileCur += cols
	case key.Matches(msg, k.Top):
		m.tileCur = 0
	case key.Matches(msg, k.Bottom):
		m.tileCur = n - 1
	case key.Matches(msg, k.Enter):
		// Drill into the tile: the assets of its system or zone.
		if n > 0 {
			t := m.snap.Tiles[m.tileCur]
			field := "system"
			if t.Zone {
				field = "zone"
			}
			m.filter.SetValue(field + "=" + t.Key)
			m.applyRows()
			m.cur, m.top, m.screen = 0, 0, scrAssets
		}
		return m, nil
	case key.Matches(msg, k.Inspect):
		if n > 0 {
			t := m.snap.Tiles[m.tileCur]
			var names []string
			for _, r := range m.snap.Assets {
				if (!t.Zone && r.System == t.Key) || (t.Zone && r.Zone == t.Key) {
					names = append(names, r.Name)
				}
			}
			return m.askRun(names)
		}
		return m, nil
	}
	m.tileCur = max(0, min(m.tileCur, n-1))
	return m, nil
}

func (m Model) assetsKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if m.drillName != "" {
		switch {
		case key.Matches(msg, k.Back), key.Matches(msg, k.Left):
			m.drillName, m.drill = "", nil
		case key.Matches(msg, k.Up):
			m.drillOff = max(0, m.drillOff-1)
		case key.Matches(msg, k.Down):
			m.drillOff++
		case key.Matches(msg, k.Top):
			m.drillOff = 0
		case msg.String() == "pgdown" || msg.String() == "ctrl+f" || msg.String() == "space":
			m.drillOff += max(1, m.height-4)
		case msg.String() == "pgup" || msg.String() == "ctrl+b":
			m.drillOff = max(0, m.drillOff-max(1, m.height-4))
		case key.Matches(msg, k.Inspect):
			return m.askRun([]string{m.drillName})
		}
		return m, nil
	}
	if cur, ok := m.move(msg, m.cur, len(m.rows), m.tableHeight()); ok {
		m.cur = cur
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		m.filtering = true
		return m, m.filter.Focus()
	case key.Matches(msg, k.Back):
		if m.filter.Value() != "" {
			m.filter.SetValue("")
			m.applyRows()
			m.cur, m.top = 0, 0
		}
	case key.Matches(msg, k.Sort):
		m.sortCol = (m.sortCol + 1) % nSorts
		m.applyRows()
	case key.Matches(msg, k.Reverse):
		m.sortDesc = !m.sortDesc
		m.applyRows()
	case key.Matches(msg, k.Enter), key.Matches(msg, k.Right):
		if len(m.rows) > 0 {
			m.drillName = m.snap.Assets[m.rows[m.cur]].Name
			m.drill, m.drillOff, m.drillAwait = nil, 0, true
			return m, m.detailCmd(m.drillName)
		}
	case key.Matches(msg, k.Inspect):
		names := make([]string, 0, len(m.rows))
		for _, r := range m.rows {
			names = append(names, m.snap.Assets[r].Name)
		}
		return m.askRun(names)
	}
	return m, nil
}

func (m Model) workKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if cur, ok := m.move(msg, m.wcur, len(m.items), m.height-4); ok {
		m.wcur = cur
		return m, nil
	}
	if len(m.items) == 0 {
		return m, nil
	}
	it := m.items[m.wcur]
	verb := ""
	switch {
	case key.Matches(msg, k.Ack):
		verb = "ack"
	case key.Matches(msg, k.Silence):
		verb = "silence"
	case key.Matches(msg, k.Assign):
		verb = "assign"
	case key.Matches(msg, k.Note):
		verb = "note"
	case key.Matches(msg, k.Resolve):
		verb = "resolve"
	default:
		return m, nil
	}
	if m.opt.ReadOnly {
		return m, nil
	}
	if (it.alert != nil && m.deps.Alerts == nil) || (it.ticket != nil && m.deps.Tickets == nil) {
		return m, nil
	}
	switch verb {
	case "assign", "note", "resolve":
		if it.ticket == nil {
			m.flash, m.flashErr = m.t("tui.err.tickets_only", m.t("tui.verb."+verb)), true
			return m, nil
		}
		m.prompting, m.promptItem = verb, it
		m.prompt.SetValue("")
		m.prompt.Placeholder = m.t("tui.prompt." + verb)
		return m, m.prompt.Focus()
	}
	m.flash, m.flashErr = m.t("tui.working"), false
	return m, m.act(verb, it, "")
}

func (m Model) runKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if m.run == nil {
		return m, nil
	}
	if cur, ok := m.move(msg, m.run.cur, len(m.run.Hosts), m.height-6); ok {
		m.run.cur = cur
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Cancel):
		if m.run.running() {
			m.run.cancel()
			m.flash, m.flashErr = m.t("tui.run.cancelling"), false
		}
	case key.Matches(msg, k.Inspect):
		if !m.run.running() {
			return m.askRun(m.run.Assets)
		}
	}
	return m, nil
}

// askRun asks to confirm inspecting names.
func (m Model) askRun(names []string) (tea.Model, tea.Cmd) {
	if m.opt.ReadOnly || m.deps.Inspect == nil || len(names) == 0 {
		return m, nil
	}
	if m.run.running() {
		m.flash, m.flashErr = m.t("tui.run.busy"), true
		return m, nil
	}
	m.prompting, m.pendingRun = "inspect", names
	return m, nil
}

func (m Model) promptKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if m.prompting == "inspect" {
		names := m.pendingRun
		m.prompting, m.pendingRun = "", nil
		if s := msg.String(); s == "y" || s == "Y" || s == "enter" {
			m.screen = scrRun
			m.flash = ""
			return m, m.startRun(names)
		}
		return m, nil
	}
	switch msg.String() {
	case "esc":
		m.prompting = ""
		m.prompt.Blur()
		return m, nil
	case "enter":
		verb, it, text := m.prompting, m.promptItem, m.prompt.Value()
		m.prompting = ""
		m.prompt.Blur()
		m.flash, m.flashErr = m.t("tui.working"), false
		return m, m.act(verb, it, text)
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Update(msg)
	return m, cmd
}

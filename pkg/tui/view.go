package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cyhealth/hcops/pkg/result"
	"github.com/cyhealth/hcops/pkg/store"
	"github.com/cyhealth/hcops/pkg/ticket"
)

// tileW and tileH are a tile's size on the overview, borders included.
const (
	tileW = 26
	tileH = 7
)

// View draws the screen on the alternate screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.Frame())
	v.AltScreen = true
	v.WindowTitle = "hcops"
	return v
}

// Frame is the screen as text: exactly height lines of at most width
// columns.
func (m Model) Frame() string {
	w, h := max(m.width, 20), max(m.height, 5)
	body := h - 2
	var lines []string
	switch {
	case m.showHelp:
		lines = m.helpLines()
	case m.snap == nil:
		lines = []string{"", "  " + m.t("tui.loading")}
	case m.screen == scrOverview:
		lines = m.overviewLines(w, body)
	case m.screen == scrAssets && m.drillName != "":
		lines = m.drillLines(w, body)
	case m.screen == scrAssets:
		lines = m.assetLines(w, body)
	case m.screen == scrWork:
		lines = m.workLines(w, body)
	case m.screen == scrRun:
		lines = m.runLines(w, body)
	}
	var b strings.Builder
	b.Grow((w + 8) * h)
	b.WriteString(fit(m.header(w), w))
	for i := range body {
		b.WriteByte('\n')
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString(fit(l, w))
	}
	b.WriteByte('\n')
	b.WriteString(fit(m.footer(w), w))
	return b.String()
}

func (m Model) header(w int) string {
	var b strings.Builder
	b.WriteString(stBold.Render("hcops"))
	for i, name := range []string{"overview", "assets", "work", "run"} {
		label := fmt.Sprintf(" %d %s ", i+1, m.t("tui.screen."+name))
		if screen(i) == m.screen {
			label = stTab.Render("[" + strings.TrimSpace(label) + "]")
		}
		b.WriteString(" " + label)
	}
	var right []string
	if m.opt.Wall {
		right = append(right, m.t("tui.wall"))
	}
	if m.opt.ReadOnly {
		right = append(right, m.t("tui.readonly"))
	}
	if m.opt.Zone != "" {
		right = append(right, m.t("tui.header.zone", m.opt.Zone))
	}
	if m.snap != nil {
		right = append(right, m.snap.At.Format("15:04:05"))
	}
	return spread(b.String(), strings.Join(right, " "), w)
}

func (m Model) footer(w int) string {
	switch {
	case m.prompting == "inspect":
		return stBold.Render(m.t("tui.run.confirm", len(m.pendingRun)))
	case m.prompting != "":
		return stBold.Render(m.t("tui.verb."+m.prompting)) + " " + m.prompt.View()
	case m.filtering:
		return m.filter.View()
	case m.flash != "":
		if m.flashErr {
			return stErr.Render(m.flash)
		}
		return stOK.Render(m.flash)
	case m.snap != nil && len(m.snap.Errs) > 0:
		return stErr.Render(strings.Join(m.snap.Errs, "; "))
	}
	return m.help.ShortHelpView(m.keys.ShortHelp())
}

func (m Model) helpLines() []string {
	lines := []string{stBold.Render(m.t("tui.help.title")), ""}
	groups := m.keys.FullHelp()
	if m.width < 120 {
		// Two bands of columns: five columns do not fit 80 wide.
		lines = append(lines, strings.Split(m.help.FullHelpView(groups[:3]), "\n")...)
		lines = append(lines, "")
		groups = groups[3:]
	}
	lines = append(lines, strings.Split(m.help.FullHelpView(groups), "\n")...)
	lines = append(lines, "", m.t("tui.help.legend",
		statusSym[result.OK], m.statusWord(result.OK), statusSym[result.Warn], m.statusWord(result.Warn),
		statusSym[result.Unknown], m.statusWord(result.Unknown), statusSym[result.Crit], m.statusWord(result.Crit),
		statusSym[result.Unreachable], m.statusWord(result.Unreachable)))
	lines = append(lines, m.t("tui.help.filter"))
	if m.opt.ReadOnly {
		lines = append(lines, m.t("tui.help.readonly"))
	}
	return lines
}

// counts writes a status count list, worst first: "X2 !1 +14".
func counts(c result.Counts) string {
	var parts []string
	for _, p := range []struct {
		s result.Status
		n int
	}{{result.Unreachable, c.Unreachable}, {result.Crit, c.Crit}, {result.Unknown, c.Unknown}, {result.Warn, c.Warn}, {result.OK, c.OK}} {
		if p.n > 0 {
			parts = append(parts, sym(p.s)+fmt.Sprint(p.n))
		}
	}
	return strings.Join(parts, " ")
}

// badge is a status's symbol and word.
func (m Model) badge(s result.Status) string {
	return statusStyle[s].Render(statusSym[s] + " " + m.statusWord(s))
}

func (m Model) age(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return m.t("tui.ago", human(m.snap.At.Sub(t)))
}

func (m Model) tileCols() int { return max(1, max(m.width, 20)/tileW) }

// tileLines is one tile's content.
func (m Model) tileLines(t tile, iw int) []string {
	title := t.Title
	if t.Zone {
		title = m.t("tui.zone", t.Title)
	}
	var l [5]string
	l[0] = spread(stBold.Render(title), stDim.Render(m.age(t.LastSeen)), iw)
	if t.Seen {
		l[1] = m.badge(t.Worst) + " " + counts(t.Counts)
	} else {
		l[1] = stDim.Render(m.t("tui.never"))
	}
	switch {
	case t.AvailKnown && t.Target > 0:
		st := stOK
		if t.Avail < t.Target {
			st = stErr
		}
		l[2] = st.Render(m.t("tui.avail_target", t.Avail, t.Target))
	case t.AvailKnown:
		l[2] = m.t("tui.avail", t.Avail)
	case t.Target > 0:
		l[2] = stDim.Render(m.t("tui.avail_none", t.Target))
	default:
		l[2] = stDim.Render(m.t("tui.assets_n", t.Assets))
	}
	l[3] = m.t("tui.alerts_tickets", t.Alerts, t.Tickets)
	if t.HasNearest {
		if t.Nearest < 0 {
			l[4] = stErr.Render(m.t("tui.sla_over", human(t.Nearest)))
		} else {
			l[4] = m.t("tui.sla_left", human(t.Nearest))
		}
	}
	return l[:]
}

func (m Model) overviewLines(w, body int) []string {
	tiles := m.snap.Tiles
	if len(tiles) == 0 {
		return []string{"", "  " + m.t("tui.empty")}
	}
	var out []string
	if m.opt.Wall {
		// The duty-room screen: the current system in large type above the
		// tiles, where the terminal is big enough to read it from afar.
		if spot := m.spotlightLines(tiles[m.tileCur], w); len(spot) > 0 && body-len(spot) >= tileH {
			out = append(out, spot...)
		}
	}
	cols := max(1, w/tileW)
	tw := w / cols
	rowsFit := max(1, (body-len(out))/tileH)
	per := cols * rowsFit
	first := (m.tileCur / per) * per
	for r := 0; r < rowsFit; r++ {
		start := first + r*cols
		if start >= len(tiles) {
			break
		}
		var boxes [][]string
		for c := 0; c < cols && start+c < len(tiles); c++ {
			i := start + c
			boxes = append(boxes, box(m.tileLines(tiles[i], tw-2), tw, i == m.tileCur, m.opt.ASCII))
		}
		for li := 0; li < tileH; li++ {
			var b strings.Builder
			for _, bx := range boxes {
				b.WriteString(bx[li])
			}
			out = append(out, b.String())
		}
	}
	if pages := (len(tiles) + per - 1) / per; pages > 1 {
		out = append(out, stDim.Render(m.t("tui.page", first/per+1, pages)))
	}
	// What is wrong in the selected tile, where the screen has room.
	if room := body - len(out) - 2; room > 0 {
		t := tiles[m.tileCur]
		var probs []string
		for _, r := range m.snap.Assets {
			if ((!t.Zone && r.System == t.Key) || (t.Zone && r.Zone == t.Key)) && r.Worst != result.OK && r.Seen {
				probs = append(probs, r.Name)
			}
		}
		if len(probs) > 0 {
			out = append(out, "", stBold.Render(m.t("tui.problems", t.Title)))
			for _, name := range probs {
				if room--; room < 0 {
					break
				}
				for _, f := range m.snap.Findings[name] {
					if f.Status != result.OK {
						out = append(out, "  "+m.badge(f.Status)+" "+name+" "+f.Check+"  "+m.findingMsg(f))
						break
					}
				}
			}
		}
	}
	return out
}

func (m Model) findingMsg(f store.Finding) string {
	r := result.Result{Message: f.Message, Code: f.Code, Args: f.Args}
	return oneLine(r.MessageIn(m.opt.Lang))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// tableHeight is the number of asset rows on screen.
func (m Model) tableHeight() int { return max(1, max(m.height, 5)-4) }

// assetCols are the assets table's column widths at width w.
type assetCols struct{ status, name, system, zone, address, counts, work, seen int }

func columns(w int) assetCols {
	c := assetCols{status: 8, zone: 10, counts: 12, work: 6, seen: 9}
	if w >= 120 {
		c.address = 16
	}
	free := w - (c.status + c.zone + c.counts + c.work + c.seen + c.address) - 8
	c.name = max(8, free*55/100)
	c.system = max(6, free-c.name)
	return c
}

func (m Model) assetLines(w, body int) []string {
	c := columns(w)
	sortNames := []string{"status", "name", "system", "zone", "seen"}
	head := func(i int, key string) string {
		s := m.t("tui.col." + key)
		if sortNames[m.sortCol] == key {
			if m.sortDesc {
				s += "^"
			} else {
				s += "v"
			}
		}
		return s
	}
	hdr := " " + fit(head(0, "status"), c.status) + " " + fit(head(1, "name"), c.name) + " " + fit(head(2, "system"), c.system) + " " +
		fit(head(3, "zone"), c.zone) + " "
	if c.address > 0 {
		hdr += fit(m.t("tui.col.address"), c.address) + " "
	}
	hdr += fit(m.t("tui.col.findings"), c.counts) + " " + fit(m.t("tui.col.work"), c.work) + " " + fit(head(4, "seen"), c.seen)
	filter := m.filter.Value()
	info := m.t("tui.assets_count", len(m.rows), len(m.snap.Assets))
	if filter != "" {
		info += "  /" + filter
	}
	if m.filterErr != "" {
		info += "  " + stErr.Render(m.filterErr)
	}
	out := []string{info, stBold.Render(hdr)}
	rows := body - 2
	top := m.top
	if m.cur < top {
		top = m.cur
	}
	if m.cur >= top+rows {
		top = m.cur - rows + 1
	}
	// View is a value method: the scroll offset is recomputed from the
	// cursor every frame, so it need not be stored.
	for i := top; i < len(m.rows) && i < top+rows; i++ {
		r := &m.snap.Assets[m.rows[i]]
		st := stDim.Render(fit("- "+m.t("tui.never"), c.status))
		if r.Seen {
			st = fit(m.badge(r.Worst), c.status)
		}
		work := ""
		if r.Alerts > 0 {
			work += fmt.Sprintf("A%d", r.Alerts)
		}
		if r.Tickets > 0 {
			work += fmt.Sprintf("T%d", r.Tickets)
		}
		line := st + " " + fit(r.Name, c.name) + " " + fit(r.System, c.system) + " " + fit(r.Zone, c.zone) + " "
		if c.address > 0 {
			line += fit(r.Address, c.address) + " "
		}
		line += fit(counts(r.Counts), c.counts) + " " + fit(work, c.work) + " " + fit(m.age(r.LastSeen), c.seen)
		if i == m.cur {
			out = append(out, ">"+stSel.Render(ansi.Strip(line)))
		} else {
			out = append(out, " "+line)
		}
	}
	if len(m.rows) == 0 {
		out = append(out, "  "+m.t("tui.no_match"))
	}
	return out
}

func (m Model) drillLines(w, body int) []string {
	var row *assetRow
	for i := range m.snap.Assets {
		if m.snap.Assets[i].Name == m.drillName {
			row = &m.snap.Assets[i]
		}
	}
	var all []string
	title := stBold.Render(m.drillName)
	if row != nil {
		parts := []string{}
		for _, p := range []string{row.System, row.Zone, row.Address, row.Kind} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if row.Seen {
			title = m.badge(row.Worst) + " " + title
		}
		title += "  " + stDim.Render(strings.Join(parts, " · "))
	}
	all = append(all, title)
	d := m.drill
	if d == nil {
		return append(all, "", "  "+m.t("tui.loading"))
	}
	if d.Err != "" {
		all = append(all, stErr.Render(d.Err))
	}
	// Open tickets and firing alerts first: they are what the engineer works on.
	var work []string
	for _, t := range m.snap.Tickets {
		if t.Asset == m.drillName {
			work = append(work, "  "+m.ticketLine(t, w-2))
		}
	}
	for i := range m.snap.Alerts {
		if a := &m.snap.Alerts[i]; a.Asset == m.drillName {
			work = append(work, "  "+m.alertLine(a, w-2))
		}
	}
	if len(work) > 0 {
		all = append(all, "", stBold.Render(m.t("tui.section.work")))
		all = append(all, work...)
	}
	all = append(all, "", stBold.Render(m.t("tui.section.results")))
	if len(d.Results) == 0 {
		all = append(all, "  "+m.t("tui.never"))
	}
	for _, r := range d.Results {
		msg := oneLine(r.MessageIn(m.opt.Lang))
		all = append(all, "  "+m.badge(r.Status)+" "+stBold.Render(r.Check)+"  "+msg)
		if r.Status == result.OK {
			continue
		}
		if adv := oneLine(r.AdviceIn(m.opt.Lang)); adv != "" {
			all = append(all, "      "+m.t("tui.advice", adv))
		}
		ev := strings.Split(strings.TrimRight(r.Evidence, "\n"), "\n")
		if r.Evidence != "" {
			for i, l := range ev {
				if i == 6 {
					all = append(all, stDim.Render(fmt.Sprintf("      … %s", m.t("tui.more_lines", len(ev)-6))))
					break
				}
				all = append(all, stDim.Render("      | "+strings.ReplaceAll(l, "\t", "  ")))
			}
		}
	}
	if len(d.Series) > 0 {
		all = append(all, "", stBold.Render(m.t("tui.section.trends", human(SeriesWindow))))
		nw := min(28, w/3)
		sw := max(8, min(60, w-nw-30))
		for _, s := range d.Series {
			last := s.Values[len(s.Values)-1]
			lo, hi := last, last
			for _, v := range s.Values {
				lo, hi = min(lo, v), max(hi, v)
			}
			all = append(all, "  "+fit(s.Name, nw)+" "+fit(spark(s.Values, sw, m.opt.ASCII), sw)+" "+
				fmt.Sprintf("%s%s (%s–%s)", num(last), s.Unit, num(lo), num(hi)))
		}
	}
	off := max(0, min(m.drillOff, len(all)-body))
	return all[off:]
}

func num(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

func (m Model) ticketLine(t *ticket.Ticket, w int) string {
	state := m.t("ticket.state." + string(t.State))
	if t.Assignee != "" {
		state += " → " + t.Assignee
	}
	sla := ""
	if rem, ok := nearest(t); ok {
		if rem < 0 {
			sla = stErr.Render(m.t("tui.sla_over", human(rem)))
		} else {
			sla = m.t("tui.sla_left", human(rem))
		}
	}
	left := statusStyle[ticketRank(t)].Render(fmt.Sprintf("%s #%d", m.t("tui.kind.ticket"), t.ID)) + " " +
		m.t("ticket.class."+string(t.Class)) + " " + state + "  " + t.Asset + "  " + oneLine(t.Title)
	return spread(left, sla, w)
}

func (m Model) alertLine(a *store.Alert, w int) string {
	note := ""
	switch {
	case a.Silenced(m.snap.At):
		note = m.t("tui.silenced", a.SilencedUntil.Format("15:04"))
	case !a.AckedAt.IsZero():
		note = m.t("tui.acked", a.AckedBy)
	}
	r := result.Result{Message: a.Message, Code: a.Code, Args: a.Args}
	left := statusStyle[a.Severity].Render(fmt.Sprintf("%s #%d", m.t("tui.kind.alert"), a.ID)) + " " +
		m.badge(a.Severity) + " " + note + "  " + a.Asset + " " + a.Check + "  " + oneLine(r.MessageIn(m.opt.Lang))
	return spread(left, stDim.Render(m.age(a.FiredAt)), w)
}

func (m Model) workLines(w, body int) []string {
	out := []string{m.t("tui.work_count", len(m.snap.Tickets), len(m.snap.Alerts))}
	if len(m.items) == 0 {
		return append(out, "", "  "+m.t("tui.work_none"))
	}
	rows := body - 1
	top := 0
	if m.wcur >= rows {
		top = m.wcur - rows + 1
	}
	for i := top; i < len(m.items) && i < top+rows; i++ {
		it := m.items[i]
		var l string
		if it.ticket != nil {
			l = m.ticketLine(it.ticket, w-1)
		} else {
			l = m.alertLine(it.alert, w-1)
		}
		if i == m.wcur {
			out = append(out, ">"+stSel.Render(ansi.Strip(l)))
		} else {
			out = append(out, " "+l)
		}
	}
	return out
}

func (m Model) runLines(w, body int) []string {
	r := m.run
	if r == nil {
		return []string{"", "  " + m.t("tui.run.none")}
	}
	now := m.now()
	end := now
	if !r.Finished.IsZero() {
		end = r.Finished
	}
	state := m.t("tui.run.running")
	if !r.Finished.IsZero() {
		state = m.t("tui.run.status." + r.Status)
	}
	head := m.t("tui.run.head", r.RunID, r.Done, r.Total, r.Problems, human(end.Sub(r.Started))) + "  " + stBold.Render(state)
	bw := max(10, w-2)
	filled := 0
	if r.Total > 0 {
		filled = bw * r.Done / r.Total
	}
	bar := "[" + strings.Repeat("#", filled) + strings.Repeat(".", bw-filled) + "]"
	out := []string{head, bar}
	if r.Err != "" {
		out = append(out, stErr.Render(r.Err))
	}
	rows := body - len(out)
	top := 0
	if r.cur >= rows {
		top = r.cur - rows + 1
	}
	for i := top; i < len(r.Hosts) && i < top+rows; i++ {
		h := r.Hosts[i]
		var st, took string
		switch h.Phase {
		case hostWaiting:
			st = stDim.Render(fit(". "+m.t("tui.run.waiting"), 10))
		case hostRunning:
			el := now.Sub(h.Started)
			st = fit(stBold.Render("~ "+m.t("tui.run.working")), 10)
			took = human(el)
			if el > 30*time.Second {
				took = statusStyle[result.Warn].Render(m.t("tui.run.slow", human(el)))
			}
		case hostDone:
			st = fit(m.badge(h.Worst), 10)
			took = human(h.Done.Sub(h.Started))
		}
		line := st + " " + fit(h.Name, 30) + " " + fitRight(took, 10)
		if h.Phase == hostDone {
			line += "  " + m.t("tui.run.results", h.Results)
		}
		if h.StoreErr != "" {
			line += "  " + stErr.Render(h.StoreErr)
		}
		if i == r.cur {
			out = append(out, ">"+line)
		} else {
			out = append(out, " "+line)
		}
	}
	return out
}

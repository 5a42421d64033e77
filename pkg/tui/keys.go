package tui

import (
	"charm.land/bubbles/v2/key"

	"github.com/cyhealth/hcops/pkg/i18n"
)

// keyMap is every key the dashboard answers to; `?` shows them.
type keyMap struct {
	Overview, Assets, Work, Run, Next, Prev key.Binding
	Up, Down, Left, Right, Top, Bottom      key.Binding
	Enter, Back, Filter, Sort, Reverse      key.Binding
	Ack, Assign, Note, Resolve, Silence     key.Binding
	Inspect, Cancel, Refresh, Help, Quit    key.Binding
}

func newKeyMap(lang string, readonly bool) keyMap {
	b := func(k, help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, i18n.T(lang, "tui.key."+help)))
	}
	k := keyMap{
		Overview: b("1", "overview", "1"),
		Assets:   b("2", "assets", "2"),
		Work:     b("3", "work", "3"),
		Run:      b("4", "run", "4"),
		Next:     b("tab", "next", "tab"),
		Prev:     b("shift+tab", "prev", "shift+tab"),
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		Left:     b("←/h", "left", "left", "h"),
		Right:    b("→/l", "right", "right", "l"),
		Top:      b("g/home", "top", "g", "home"),
		Bottom:   b("G/end", "bottom", "G", "end"),
		Enter:    b("enter", "enter", "enter"),
		Back:     b("esc", "back", "esc", "backspace"),
		Filter:   b("/", "filter", "/"),
		Sort:     b("s", "sort", "s"),
		Reverse:  b("S", "reverse", "S"),
		Ack:      b("a", "ack", "a"),
		Assign:   b("A", "assign", "A"),
		Note:     b("n", "note", "n"),
		Resolve:  b("r", "resolve", "r"),
		Silence:  b("z", "silence", "z"),
		Inspect:  b("i", "inspect", "i"),
		Cancel:   b("x", "cancel", "x"),
		Refresh:  b("ctrl+r", "refresh", "ctrl+r", "R"),
		Help:     b("?", "help", "?"),
		Quit:     b("q", "quit", "q", "ctrl+c"),
	}
	if readonly {
		for _, kb := range []*key.Binding{&k.Ack, &k.Assign, &k.Note, &k.Resolve, &k.Silence, &k.Inspect, &k.Cancel} {
			kb.SetEnabled(false)
		}
	}
	return k
}

// ShortHelp is the footer line.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Filter, k.Enter, k.Ack, k.Inspect, k.Help, k.Quit}
}

// FullHelp is the `?` screen, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Overview, k.Assets, k.Work, k.Run, k.Next, k.Prev},
		{k.Up, k.Down, k.Left, k.Right, k.Top, k.Bottom},
		{k.Enter, k.Back, k.Filter, k.Sort, k.Reverse, k.Refresh},
		{k.Ack, k.Assign, k.Note, k.Resolve, k.Silence},
		{k.Inspect, k.Cancel, k.Help, k.Quit},
	}
}

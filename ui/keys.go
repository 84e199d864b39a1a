package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the UI answers to. The root model enables only the
// bindings of the current screen (see forScreen), so one map both matches
// keys and draws the help line.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding

	Pick   key.Binding // picker: assume the highlighted profile
	Submit key.Binding // MFA and name prompts
	Back   key.Binding // esc: one screen back
	Cancel key.Binding // ctrl+c: quit now, exit 130

	Export      key.Binding
	Write       key.Binding
	Console     key.Binding
	Refresh     key.Binding
	AutoRefresh key.Binding // dashboard: automatic refresh on/off
	BackPicker  key.Binding
	NextSession key.Binding
	Quit        key.Binding

	Copy  key.Binding // console URL: copy to the clipboard (OSC 52)
	Print key.Binding // console URL: print to stdout and quit
	Login key.Binding // error screen of an SSO profile without a login
}

// DefaultKeyMap is the keymap switcher ships with.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first")),
		End:      key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last")),

		Pick:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "assume")),
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Cancel: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),

		Export:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export+quit")),
		Write:       key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write")),
		Console:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "console")),
		Refresh:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		AutoRefresh: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "auto")),
		BackPicker:  key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "back")),
		NextSession: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next")),
		Quit:        key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),

		Copy:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy")),
		Print: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "print+quit")),
		Login: key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "log in")),
	}
}

// ShortHelp implements help.KeyMap: the enabled bindings, most used first
// (ctrl+c, which works everywhere, only in the full help).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{
		k.Pick, k.Submit, k.Export, k.Write, k.Console, k.Copy, k.Print, k.Refresh, k.AutoRefresh,
		k.Login, k.NextSession, k.BackPicker, k.Back, k.Up, k.Down, k.Quit,
	}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Pick, k.Submit, k.Back, k.Cancel},
		{k.Export, k.Write, k.Console, k.Refresh, k.AutoRefresh, k.NextSession, k.BackPicker, k.Quit},
		{k.Copy, k.Print, k.Login},
	}
}

// forScreen returns a copy with only the bindings that mean something on
// screen s (and in dashboard sub-mode d) enabled.
func (k KeyMap) forScreen(s screen, d dashMode, sessions int, canLogin bool) KeyMap {
	all := []*key.Binding{
		&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End, &k.Pick, &k.Submit, &k.Back,
		&k.Export, &k.Write, &k.Console, &k.Refresh, &k.AutoRefresh, &k.BackPicker, &k.NextSession, &k.Quit,
		&k.Copy, &k.Print, &k.Login,
	}
	for _, b := range all {
		b.SetEnabled(false)
	}
	k.Cancel.SetEnabled(true)
	on := func(bs ...*key.Binding) {
		for _, b := range bs {
			b.SetEnabled(true)
		}
	}
	switch s {
	case screenPicker:
		on(&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End, &k.Pick, &k.Back)
		k.Back.SetHelp("esc", "clear/quit")
	case screenMFA:
		on(&k.Submit, &k.Back)
	case screenAssuming:
		on(&k.Back)
		k.Back.SetHelp("esc", "cancel")
	case screenDashboard:
		switch d {
		case dashWriteName:
			on(&k.Submit, &k.Back)
		case dashConsole:
			on(&k.Copy, &k.Print, &k.Back, &k.Export, &k.Quit)
		default:
			on(&k.Export, &k.Write, &k.Console, &k.Refresh, &k.AutoRefresh, &k.BackPicker, &k.Quit)
			if sessions > 1 {
				on(&k.NextSession)
			}
		}
	case screenError:
		on(&k.Back, &k.Quit)
		if canLogin {
			on(&k.Login)
		}
	}
	return k
}

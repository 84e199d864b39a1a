package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// Options configure a Model. Backend and Now are required; the rest have
// defaults.
type Options struct {
	Backend Backend
	// Context bounds every backend call; cancelling it cancels an assume.
	Context context.Context
	// Now is the clock (time.Now in production); required.
	Now func() time.Time
	// NoColor turns every colour and emphasis off (NO_COLOR, tests).
	NoColor bool
	// History remembers which profiles were used; nil keeps none.
	History HistoryStore
	// Banner, when set, is evaluated at every tick and shown on top of every
	// screen (the demo shows its current MFA code there).
	Banner func(now time.Time) string
	// TickInterval is how often countdowns move (default 1s).
	TickInterval time.Duration
	// Keys replaces DefaultKeyMap.
	Keys *KeyMap
}

// Result is what the run produced for the caller to act on after the
// program has exited and the terminal is restored.
type Result struct {
	// Stdout is what to print on standard output: shell exports (e) or a
	// console URL (p).
	Stdout string
	// Cancelled is true when the user left with ctrl+c or esc without a
	// session: the caller exits 130.
	Cancelled bool
}

type screen int

const (
	screenLoading screen = iota
	screenPicker
	screenMFA
	screenAssuming
	screenDashboard
	screenError
)

// Model is the root Bubble Tea model: it owns the screen and delegates to
// the picker, MFA prompt, assuming screen and dashboard.
type Model struct {
	opt    Options
	keys   KeyMap
	styles Styles
	help   help.Model
	hist   HistoryStore

	width, height int
	now           time.Time
	banner        string
	tickID        int

	screen   screen
	picker   picker
	mfa      mfaPrompt
	assuming assuming
	dash     dashboard
	failure  failure
	run      int
	pending  pending // the profile between picking and assuming
	loadErr  error
	histNote string
	usage    map[string]Usage // the history, once loaded
	result   Result
	quitting bool
}

// pending is what is known about the profile being assumed.
type pending struct {
	profile   string
	plan      *profiles.Plan
	refresh   bool
	writeName string
}

// failure is the error screen: what failed and where esc goes.
type failure struct {
	title string
	err   error
	back  screen
	// login is the profile whose SSO login the failure calls for (the l
	// key logs in and assumes it again); loggingIn while that runs, with
	// what the person is to open.
	login     string
	loggingIn bool
	loginURL  string
	loginCode string
}

// New builds the root model.
func New(opt Options) Model {
	if opt.Now == nil || opt.Backend == nil {
		panic("ui.New: Options.Backend and Options.Now are required")
	}
	if opt.Context == nil {
		opt.Context = context.Background()
	}
	if opt.TickInterval <= 0 {
		opt.TickInterval = time.Second
	}
	if opt.History == nil {
		opt.History = noHistory{}
	}
	keys := DefaultKeyMap()
	if opt.Keys != nil {
		keys = *opt.Keys
	}
	st := NewStyles(opt.NoColor)
	h := help.New()
	h.Styles = st.Help
	m := Model{
		opt: opt, keys: keys, styles: st, help: h,
		hist:  opt.History,
		width: 80, height: 24,
		now:    opt.Now(),
		tickID: 1,
		picker: newPicker(),
		dash:   newDashboard(!opt.NoColor),
	}
	if opt.Banner != nil {
		m.banner = opt.Banner(m.now)
	}
	return m.layout()
}

// Result is what the finished run asks the caller to do.
func (m Model) Result() Result { return m.result }

// tickMsg moves the clocks; id drops ticks of an older loop.
type tickMsg struct {
	id int
	t  time.Time
}

func (m Model) tick() tea.Cmd {
	id, now := m.tickID, m.opt.Now
	return tea.Tick(m.opt.TickInterval, func(time.Time) tea.Msg { return tickMsg{id: id, t: now()} })
}

// Init loads the rows and starts the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(loadCmd(m.opt.Backend), m.tick())
}

// Update handles the messages of the whole program, then those of the
// assume flow and of the dashboard's requests, and hands the rest (keys,
// mostly) to the current screen's sub-model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	for _, handle := range []func(tea.Msg) (tea.Model, tea.Cmd, bool){m.updateGlobal, m.updateFlow, m.updateRequests} {
		if next, cmd, ok := handle(msg); ok {
			return next, cmd
		}
	}
	return m.delegate(msg)
}

// updateGlobal: the window, the clock, quitting, the profiles loaded.
func (m Model) updateGlobal(msg tea.Msg) (tea.Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m.layout(), nil, true
	case tickMsg:
		if msg.id != m.tickID {
			return m, nil, true
		}
		m.now = msg.t
		if m.opt.Banner != nil {
			m.banner = m.opt.Banner(m.now)
		}
		var due []string
		m.dash, due = m.dash.due(m.now)
		cmds := []tea.Cmd{m.tick()}
		for _, p := range due {
			cmds = append(cmds, autoRefreshCmd(m.opt.Context, m.opt.Backend, p))
		}
		return m, tea.Batch(cmds...), true
	case tea.InterruptMsg, quitMsg:
		next, cmd := m.cancelAll()
		return next, cmd, true
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.Cancel) {
			next, cmd := m.cancelAll()
			return next, cmd, true
		}
	case doneMsg:
		m.quitting = true
		return m, tea.Quit, true
	case rowsMsg:
		next := m.loaded(msg)
		switch {
		case msg.err != nil:
			return next, nil, true
		case msg.rest != nil:
			return next, restCmd(msg.rest), true
		}
		// After the first frame: the cached sessions, the history.
		return next, tea.Batch(detailsCmd(m.opt.Backend), historyCmd(m.hist)), true
	case detailsMsg:
		return m.detailed(msg), nil, true
	case historyMsg:
		next := m.historyLoaded(msg)
		return next, searchCmd(next.picker.rows), true
	case searchMsg:
		m.picker = m.picker.withSearch(msg.rows, msg.idx)
		return m, nil, true
	case toPickerMsg:
		// Reload: the cached-time column and the order changed. The old
		// filter is cleared so typing picks another profile afresh.
		m.screen = screenPicker
		cur, ok := m.picker.current()
		m.picker.filter.SetValue("")
		m.picker = m.picker.refilter()
		if ok {
			m.picker = m.picker.moveTo(cur.Name)
		}
		return m, loadCmd(m.opt.Backend), true
	}
	return m, nil, false
}

// loaded installs the profiles (or the error reading them), ordered by
// the history when it is already known (a reload).
func (m Model) loaded(msg rowsMsg) Model {
	if msg.err != nil {
		m.loadErr = msg.err
		m.screen = screenError
		m.failure = failure{title: "cannot read the profiles", err: msg.err, back: screenError}
		return m
	}
	cur, had := m.picker.current()
	rows, _ := sortRows(msg.rows, m.usage, m.now)
	m.picker = m.picker.setRows(rows)
	m.picker.total = msg.total
	if had {
		m.picker = m.picker.moveTo(cur.Name)
	}
	m.picker.note = m.histNote
	if m.screen == screenLoading {
		m.screen = screenPicker
	}
	return m.layout()
}

// detailed adds the cached sessions found after the first frame.
func (m Model) detailed(msg detailsMsg) Model {
	if msg.err != nil {
		m.picker.note = "the cached sessions could not be read: " + msg.err.Error()
		return m.layout()
	}
	m.picker = m.picker.withDetails(msg.details)
	return m.layout()
}

// historyLoaded orders the picker by use. The selection stays on the
// profile the user moved to or filtered for; untouched, it goes to the
// top (the most used).
func (m Model) historyLoaded(msg historyMsg) Model {
	if msg.err != nil {
		m.histNote = msg.err.Error()
		m.picker.note = m.histNote
	}
	m.usage = msg.hist
	if len(msg.hist) == 0 || len(m.picker.rows) == 0 {
		return m.layout()
	}
	touched := m.picker.cursor != 0 || m.picker.filter.Value() != ""
	cur, had := m.picker.current()
	if rows, perm := sortRows(m.picker.rows, msg.hist, m.now); perm != nil {
		m.picker = m.picker.reorder(rows, perm)
	}
	if had && touched {
		m.picker = m.picker.moveTo(cur.Name)
	}
	return m.layout()
}

// updateFlow: picking, the MFA prompt, assuming.
func (m Model) updateFlow(msg tea.Msg) (tea.Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case pickedMsg:
		m.pending = pending{profile: msg.profile}
		return m, prepareCmd(m.opt.Backend, msg.profile, false), true
	case refreshReqMsg:
		m.pending = pending{profile: msg.profile, refresh: true}
		return m, prepareCmd(m.opt.Backend, msg.profile, true), true
	case preparedMsg:
		next, cmd := m.prepared(msg)
		return next, cmd, true
	case mfaEnteredMsg:
		next, cmd := m.startAssume(msg.code)
		return next, cmd, true
	case backMsg:
		return m.back(), nil, true
	case stepMsg:
		if msg.run != m.run || m.screen != screenAssuming {
			return m, nil, true
		}
		m.assuming = m.assuming.apply(msg.ev)
		return m, listen(msg.next), true
	case assumedMsg:
		next, cmd := m.assumed(msg)
		return next, cmd, true
	case spinner.TickMsg:
		if m.screen != screenAssuming {
			return m, nil, true
		}
		var cmd tea.Cmd
		m.assuming.spin, cmd = m.assuming.spin.Update(msg)
		return m, cmd, true
	}
	return m, nil, false
}

// updateRequests: what the dashboard's keys asked for, and the answers.
func (m Model) updateRequests(msg tea.Msg) (tea.Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case historySavedMsg:
		if msg.err != nil {
			m.dash = m.dash.noted(msg.err.Error(), true)
		}
		return m, nil, true
	case exportReqMsg:
		return m, exportsCmd(m.opt.Backend, msg.session), true
	case exportsMsg:
		if msg.err != nil {
			m.dash = m.dash.noted(msg.err.Error(), true)
			return m, nil, true
		}
		return m.quitWith(msg.text), tea.Quit, true
	case writeReqMsg:
		return m, writeCmd(m.opt.Backend, msg.session, msg.name), true
	case writtenMsg:
		if msg.err != nil {
			m.dash = m.dash.noted(msg.err.Error(), true)
		} else {
			m.dash = m.dash.noted(fmt.Sprintf("wrote [%s] to %s", msg.name, msg.where), false)
		}
		return m, nil, true
	case consoleReqMsg:
		return m, consoleCmd(m.opt.Context, m.opt.Backend, msg.session), true
	case consoleMsg:
		if msg.err != nil {
			m.dash = m.dash.noted(msg.err.Error(), true)
			return m, nil, true
		}
		m.dash.url, m.dash.mode, m.dash.note = msg.url, dashConsole, ""
		return m, nil, true
	case printURLMsg:
		return m.quitWith(msg.url + "\n"), tea.Quit, true
	case autoRefreshedMsg:
		m.dash = m.dash.refreshed(msg, m.now)
		return m, nil, true
	case identityMsg:
		m.dash = m.dash.identified(msg)
		return m, nil, true
	case loginShownMsg:
		m.failure.loginURL, m.failure.loginCode = msg.url, msg.code
		return m, listenLogin(msg.next), true
	case loginDoneMsg:
		if m.screen != screenError || m.failure.login != msg.profile {
			return m, nil, true
		}
		if msg.err != nil {
			m.failure = failure{title: "cannot log in for " + msg.profile, err: msg.err, back: m.failure.back}
			return m, nil, true
		}
		m.failure = failure{}
		m.pending = pending{profile: msg.profile}
		return m, prepareCmd(m.opt.Backend, msg.profile, false), true
	}
	return m, nil, false
}

// quitWith ends the run with stdout for the caller to print.
func (m Model) quitWith(stdout string) Model {
	m.result.Stdout = stdout
	m.quitting = true
	return m
}

// delegate hands msg to the current screen's sub-model.
func (m Model) delegate(msg tea.Msg) (tea.Model, tea.Cmd) {
	k := m.screenKeys()
	var cmd tea.Cmd
	switch m.screen {
	case screenPicker:
		m.picker, cmd = m.picker.update(msg, k)
	case screenMFA:
		m.mfa, cmd = m.mfa.update(msg, k)
	case screenAssuming:
		if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, k.Back) {
			m.assuming.cancel()
			m.run++ // drop whatever the cancelled run still says
			return m.back(), nil
		}
	case screenDashboard:
		m.dash, cmd = m.dash.update(msg, k)
	case screenError:
		if km, ok := msg.(tea.KeyPressMsg); ok {
			switch {
			case key.Matches(km, k.Back):
				if m.failure.back == screenError {
					return m.cancelAll()
				}
				m.screen = m.failure.back
			case key.Matches(km, k.Quit):
				return m.cancelAll()
			case key.Matches(km, k.Login):
				m.failure.loggingIn = true
				return m, loginCmd(m.opt.Context, m.opt.Backend, m.failure.login)
			}
		}
	}
	return m, cmd
}

// cancelAll stops a running assume and quits with Cancelled set, unless a
// session exists (then leaving is a normal quit).
func (m Model) cancelAll() (tea.Model, tea.Cmd) {
	if m.screen == screenAssuming && m.assuming.cancel != nil {
		m.assuming.cancel()
	}
	m.result.Cancelled = true
	m.quitting = true
	return m, tea.Quit
}

// back leaves the MFA prompt, assuming screen or error screen.
func (m Model) back() Model {
	if m.pending.refresh && len(m.dash.entries) > 0 {
		m.screen = screenDashboard
	} else {
		m.screen = screenPicker
	}
	m.pending = pending{}
	return m
}

func (m Model) prepared(msg preparedMsg) (tea.Model, tea.Cmd) {
	if msg.profile != m.pending.profile {
		return m, nil
	}
	if msg.err != nil {
		return m.fail("cannot assume "+msg.profile, msg.err), nil
	}
	m.pending.plan, m.pending.writeName = msg.plan, msg.writeName
	mfaProcess := msg.plan != nil && msg.plan.Chain != nil && msg.plan.Chain.MFAProcess.Value != ""
	if msg.need && !mfaProcess {
		m.mfa = newMFAPrompt(msg.profile, msg.serial)
		m.screen = screenMFA
		return m, nil
	}
	return m.startAssume("")
}

func (m Model) startAssume(code string) (tea.Model, tea.Cmd) {
	m.run++
	ctx, cancel := context.WithCancel(m.opt.Context)
	m.assuming = newAssuming(m.run, m.pending.profile, m.pending.plan, m.pending.refresh, cancel, m.styles)
	m.screen = screenAssuming
	req := AssumeRequest{Profile: m.pending.profile, MFACode: code, Refresh: m.pending.refresh}
	return m, tea.Batch(assumeCmd(ctx, m.opt.Backend, m.run, req), m.assuming.spin.Tick)
}

func (m Model) assumed(msg assumedMsg) (tea.Model, tea.Cmd) {
	if msg.run != m.run || m.screen != screenAssuming {
		return m, nil
	}
	m.assuming.cancel()
	if msg.err == nil && msg.session == nil {
		msg.err = errors.New("the backend returned no session")
	}
	if msg.err != nil {
		return m.fail("cannot assume "+msg.profile, msg.err), nil
	}
	m.dash = m.dash.add(entry{session: msg.session, plan: m.assuming.plan, writeName: m.pending.writeName, auto: true})
	m.screen = screenDashboard
	m.pending = pending{}
	return m.layout(), tea.Batch(recordCmd(m.hist, msg.profile), identityCmd(m.opt.Context, m.opt.Backend, msg.session))
}

func (m Model) fail(title string, err error) Model {
	back := screenPicker
	if m.pending.refresh && len(m.dash.entries) > 0 {
		back = screenDashboard
	}
	m.failure = failure{title: title, err: err, back: back}
	var le *creds.SSOLoginError
	if errors.As(err, &le) {
		m.failure.login = m.pending.profile
	}
	m.screen = screenError
	m.pending = pending{}
	return m
}

// screenKeys is the keymap with this screen's bindings enabled.
func (m Model) screenKeys() KeyMap {
	return m.keys.forScreen(m.screen, m.dash.mode, len(m.dash.entries), m.failure.login != "" && !m.failure.loggingIn)
}

// headerLines is how many lines sit above a screen's body.
func (m Model) headerLines() int {
	n := 2 // title, blank
	if m.banner != "" {
		n++
	}
	return n
}

// layout sizes the sub-models to the window.
func (m Model) layout() Model {
	m.help.SetWidth(m.width)
	// picker body: filter line, column header, rows, note line
	m.picker.height = max(1, m.height-m.headerLines()-1-1-1-1-1)
	m.picker = m.picker.move(m.picker.cursor)
	return m
}

package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// entry is one session assumed in this run.
type entry struct {
	session   *creds.Session
	plan      *profiles.Plan
	writeName string // the section name w suggests
	// auto refreshes the session autoRefreshAhead before it expires, when
	// that needs no new MFA code (the a key toggles it).
	auto       bool
	refreshing bool // an automatic refresh is under way
	// identity is what GetCallerIdentity said of a session that does not
	// name its account (static keys, credential_process); identityErr why
	// it could not.
	identity    creds.Identity
	identityErr string
}

// autoRefreshAhead is how long before expiry the dashboard refreshes a
// session by itself.
const autoRefreshAhead = 10 * time.Minute

// refreshAt is when the automatic refresh of e is due.
func (e entry) refreshAt() time.Time { return e.session.Expiration.Add(-autoRefreshAhead) }

// autoBlocked says why e cannot be refreshed without a new MFA code (or at
// all), or "" when it can.
func (e entry) autoBlocked() string {
	s := e.session
	switch {
	case !s.Expires():
		return "long-term keys do not expire"
	case e.plan != nil && e.plan.MFA == profiles.MFADirect && (e.plan.Chain == nil || e.plan.Chain.MFAProcess.Value == ""):
		return "the MFA code goes on AssumeRole itself, so every refresh needs a new code (r)"
	case !s.MFAExpiration.IsZero() && !s.MFAExpiration.After(e.refreshAt().Add(creds.SafetyWindow)):
		return fmt.Sprintf("the MFA session runs out first (%s): refreshing after that needs a new MFA code (r)", clockTime(s.MFAExpiration))
	}
	return ""
}

func clockTime(t time.Time) string { return t.Local().Format("15:04") }

// autoRefreshedMsg ends an automatic refresh of profile.
type autoRefreshedMsg struct {
	profile string
	session *creds.Session
	err     error
}

// due marks the entries whose automatic refresh is due at now as
// refreshing, and returns their profiles.
func (d dashboard) due(now time.Time) (dashboard, []string) {
	var profiles []string
	for i := range d.entries {
		e := &d.entries[i]
		if e.auto && !e.refreshing && e.autoBlocked() == "" && !now.Before(e.refreshAt()) {
			e.refreshing = true
			profiles = append(profiles, e.session.Profile)
		}
	}
	return d, profiles
}

// refreshed takes the result of an automatic refresh at now. A session that
// would be due again at once (STS gave no longer one) turns it off rather
// than refreshing at every tick.
func (d dashboard) refreshed(msg autoRefreshedMsg, now time.Time) dashboard {
	entries := append([]entry(nil), d.entries...)
	for i := range entries {
		e := &entries[i]
		if e.session.Profile != msg.profile {
			continue
		}
		e.refreshing = false
		if msg.err != nil || msg.session == nil {
			e.auto = false
			d.note, d.noteErr = fmt.Sprintf("automatic refresh of %s failed, so it is off: %v", msg.profile, msg.err), true
			break
		}
		e.session = msg.session
		d.note, d.noteErr = fmt.Sprintf("refreshed %s automatically; it now expires at %s", msg.profile, clockTime(msg.session.Expiration)), false
		if !e.refreshAt().After(now) {
			e.auto = false
			d.note, d.noteErr = fmt.Sprintf("the refreshed session of %s still expires at %s, so automatic refresh is off", msg.profile, clockTime(msg.session.Expiration)), true
		}
	}
	d.entries = entries
	return d
}

// dashMode is what the dashboard is doing besides showing sessions.
type dashMode int

const (
	dashNormal    dashMode = iota
	dashWriteName          // asking for the credentials-file section name
	dashConsole            // showing a console sign-in URL
)

// dashboard lists the sessions of this run; the selected one in detail.
type dashboard struct {
	entries  []entry
	selected int
	mode     dashMode
	name     textinput.Model
	url      string
	note     string
	noteErr  bool
	colour   bool
}

func newDashboard(colour bool) dashboard {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = 64
	in.SetVirtualCursor(false)
	return dashboard{name: in, colour: colour}
}

// add puts a session first (replacing an older one for the same profile)
// and selects it.
func (d dashboard) add(e entry) dashboard {
	out := []entry{e}
	for _, old := range d.entries {
		if old.session.Profile != e.session.Profile {
			out = append(out, old)
		}
	}
	d.entries, d.selected, d.mode, d.note, d.noteErr, d.url = out, 0, dashNormal, "", false, ""
	return d
}

func (d dashboard) current() entry { return d.entries[d.selected] }

// identified fills in who a session is, from GetCallerIdentity, for the
// entries holding it (the session itself is not changed: it is shared).
func (d dashboard) identified(msg identityMsg) dashboard {
	entries := slices.Clone(d.entries)
	for i, e := range entries {
		if e.session.AccessKeyID != msg.accessKeyID {
			continue
		}
		if msg.err != nil {
			e.identityErr = msg.err.Error()
		} else {
			e.identity = msg.id
		}
		entries[i] = e
	}
	d.entries = entries
	return d
}

// noted shows note on the note line (as an error when isErr).
func (d dashboard) noted(note string, isErr bool) dashboard {
	d.note, d.noteErr = note, isErr
	return d
}

// Messages the dashboard's keys turn into; the root runs the I/O.
type (
	exportReqMsg struct{ session *creds.Session }
	writeReqMsg  struct {
		session *creds.Session
		name    string
	}
	consoleReqMsg struct{ session *creds.Session }
	refreshReqMsg struct{ profile string }
	toPickerMsg   struct{}
	doneMsg       struct{} // q: leave normally
	printURLMsg   struct{ url string }
)

func emit(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

func (d dashboard) update(msg tea.Msg, k KeyMap) (dashboard, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if d.mode == dashWriteName {
			var cmd tea.Cmd
			d.name, cmd = d.name.Update(msg)
			return d, cmd
		}
		return d, nil
	}
	switch d.mode {
	case dashWriteName:
		return d.updateWriteName(km, msg, k)
	case dashConsole:
		return d.updateConsole(km, k)
	}
	return d.updateNormal(km, k)
}

// updateWriteName is the section-name prompt of the write key.
func (d dashboard) updateWriteName(km tea.KeyPressMsg, msg tea.Msg, k KeyMap) (dashboard, tea.Cmd) {
	switch {
	case key.Matches(km, k.Back):
		d.mode = dashNormal
		return d, nil
	case key.Matches(km, k.Submit):
		name := strings.TrimSpace(d.name.Value())
		if name == "" {
			d.note, d.noteErr = "the section name is empty", true
			return d, nil
		}
		d.mode = dashNormal
		d.note, d.noteErr = "writing ["+name+"]…", false
		return d, emit(writeReqMsg{session: d.current().session, name: name})
	}
	var cmd tea.Cmd
	d.name, cmd = d.name.Update(msg)
	return d, cmd
}

// updateConsole is the console URL shown by the console key.
func (d dashboard) updateConsole(km tea.KeyPressMsg, k KeyMap) (dashboard, tea.Cmd) {
	switch {
	case key.Matches(km, k.Back):
		d.mode = dashNormal
		return d, nil
	case key.Matches(km, k.Copy):
		d.note, d.noteErr = "console URL copied to the clipboard (if your terminal allows OSC 52)", false
		d.mode = dashNormal
		return d, tea.SetClipboard(d.url)
	case key.Matches(km, k.Print):
		return d, emit(printURLMsg{url: d.url})
	case key.Matches(km, k.Export):
		return d, emit(exportReqMsg{session: d.current().session})
	case key.Matches(km, k.Quit):
		return d, emit(doneMsg{})
	}
	return d, nil
}

// updateNormal is the dashboard's own keys.
func (d dashboard) updateNormal(km tea.KeyPressMsg, k KeyMap) (dashboard, tea.Cmd) {
	cur := d.current()
	switch {
	case key.Matches(km, k.Export):
		return d, emit(exportReqMsg{session: cur.session})
	case key.Matches(km, k.Write):
		d.mode = dashWriteName
		name := cur.writeName
		if name == "" {
			name = cur.session.Profile
		}
		d.name.SetValue(name)
		d.name.CursorEnd()
		d.name.Focus() // the real cursor is drawn by the view; no blink command
		return d, nil
	case key.Matches(km, k.Console):
		d.note, d.noteErr = "asking the federation endpoint for a sign-in token…", false
		return d, emit(consoleReqMsg{session: cur.session})
	case key.Matches(km, k.Refresh):
		return d, emit(refreshReqMsg{profile: cur.session.Profile})
	case key.Matches(km, k.AutoRefresh):
		entries := append([]entry(nil), d.entries...)
		e := &entries[d.selected]
		e.auto = !e.auto
		d.entries = entries
		d.note, d.noteErr = "automatic refresh of "+e.session.Profile+" is off", false
		if e.auto {
			d.note = "automatic refresh of " + e.session.Profile + " is on"
		}
		return d, nil
	case key.Matches(km, k.NextSession):
		d.selected = (d.selected + 1) % len(d.entries)
		d.note = ""
		return d, nil
	case key.Matches(km, k.BackPicker):
		return d, emit(toPickerMsg{})
	case key.Matches(km, k.Quit):
		return d, emit(doneMsg{})
	}
	return d, nil
}

// view draws the selected session, its chain, the other sessions and the
// note line, in height lines: when they do not fit, the chain shrinks to
// one line, so the sessions and the note (what is needed to go on) stay.
// It returns the content and, in the name prompt, the cursor.
func (d dashboard) view(width, height int, now time.Time, st Styles) (string, *tea.Cursor) {
	e := d.current()
	var b strings.Builder
	b.WriteString(identityView(e, width, now, st))
	b.WriteString(refreshView(e, now, st))
	chain := chainView(e.plan, width, st)
	sessions := d.sessionsView(now, st)
	var foot strings.Builder
	footCursor := d.footer(&foot, width, st)
	lines := func(s string) int { return strings.Count(s, "\n") }
	if height > 0 && lines(b.String())+lines(chain)+lines(sessions)+lines(foot.String())+1 > height {
		chain = chainLine(e.plan, width, st)
	}
	b.WriteString(chain)
	b.WriteString(sessions)
	if footCursor != nil {
		footCursor.Y += lines(b.String())
	}
	b.WriteString(foot.String())
	return b.String(), footCursor
}

// chainLine is the chain in one line, for a short window.
func chainLine(plan *profiles.Plan, width int, st Styles) string {
	if plan == nil || len(plan.Steps) == 0 {
		return ""
	}
	names := make([]string, 0, len(plan.Steps))
	capped := false
	for _, s := range plan.Steps {
		names = append(names, s.Profile)
		capped = capped || s.Capped
	}
	line := fmt.Sprintf("%d steps: %s", len(plan.Steps), strings.Join(names, " → "))
	if capped {
		line += st.Warn.Render("  (capped at 1h)")
	}
	return dashLabel(st, "Chain") + " " + ansi.Truncate(line, max(10, width-10), "…") + "\n"
}

func dashLabel(st Styles, l string) string { return st.Label.Render(fmt.Sprintf("%-9s", l)) }

// identityView is who the session is, where, and how long it lasts.
func identityView(e entry, width int, now time.Time, st Styles) string {
	s := e.session
	var b strings.Builder
	ident, account := s.AssumedRoleARN, s.AccountID
	if ident == "" {
		ident = s.RoleARN
	}
	if account == "" {
		account = e.identity.Account
	}
	switch {
	case ident == "" && e.identity.ARN != "":
		ident = e.identity.ARN
	case ident == "" && e.identityErr != "":
		ident = "(no role; GetCallerIdentity failed: " + e.identityErr + ")"
	case ident == "" && account == "":
		ident = "(no role: asking STS who this is…)"
	}
	b.WriteString(dashLabel(st, "Identity") + " " + ansi.Truncate(ident, max(20, width-10), "…") + "\n")
	region := s.Region
	if region == "" {
		region = "(not set)"
	}
	b.WriteString(dashLabel(st, "Account") + " " + cell(account, 14) + "  " + dashLabel(st, "Region") + " " + region + "\n")
	if s.Expires() {
		left := s.Expiration.Sub(now)
		when := s.Expiration.In(now.Location()).Format("15:04:05 MST")
		b.WriteString(dashLabel(st, "Expires") + " " + when + "  " + st.countdownStyle(left).Render(countdown(left)))
		if s.FromCache {
			b.WriteString(st.Dim.Render("  (from cache)"))
		}
		if bar := lifeBar(e, left, width-40, st); bar != "" {
			b.WriteString("  " + bar)
		}
		b.WriteString("\n")
	} else {
		b.WriteString(dashLabel(st, "Expires") + " never (long-term keys)\n")
	}
	if !s.MFAExpiration.IsZero() {
		left := s.MFAExpiration.Sub(now)
		note := "  refresh needs no new code until then"
		if s.Expires() && s.MFAExpiration.Before(s.Expiration) {
			note = "  the MFA session runs out before this session: then refreshing needs a new code"
		}
		b.WriteString(dashLabel(st, "MFA") + " session " + st.countdownStyle(left).Render(countdown(left)) + st.Dim.Render(note) + "\n")
	}
	return b.String()
}

// lifeBar is a bar of the session's remaining life (left of the duration
// STS granted the final step), coloured like the countdown; "" when it
// does not fit in width.
func lifeBar(e entry, left time.Duration, width int, st Styles) string {
	width = min(width, 30)
	if width < 8 {
		return ""
	}
	total := time.Duration(profiles.DefaultRoleDuration) * time.Second
	if e.plan != nil && len(e.plan.Steps) > 0 {
		if g := e.plan.Steps[len(e.plan.Steps)-1].GrantedSeconds; g > 0 {
			total = time.Duration(g) * time.Second
		}
	}
	total = max(total, left)
	bar := progress.New(progress.WithWidth(width), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	bar.FullColor = st.countdownStyle(left).GetForeground()
	bar.EmptyColor = st.Dim.GetForeground()
	return bar.ViewAs(max(0, float64(left)) / float64(total))
}

// refreshView says when the session refreshes by itself, or why not.
func refreshView(e entry, now time.Time, st Styles) string {
	if !e.session.Expires() {
		return ""
	}
	var line string
	switch blocked := e.autoBlocked(); {
	case e.refreshing:
		line = "refreshing…"
	case blocked != "":
		line = st.Warn.Render("manual: " + blocked)
	case !e.auto:
		line = "off " + st.Dim.Render("(a turns it on; r refreshes now)")
	case !now.Before(e.refreshAt()):
		line = "due now"
	default:
		line = "at " + clockTime(e.refreshAt()) + st.Dim.Render(" (automatic; a turns it off)")
	}
	return dashLabel(st, "Refresh") + " " + line + "\n"
}

// chainView is the plan's steps, chained hops marked and capped durations
// explained.
func chainView(plan *profiles.Plan, width int, st Styles) string {
	if plan == nil || len(plan.Steps) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + st.Label.Render("Chain") + "\n")
	var warnings []string
	pw := profileWidth(plan.Steps)
	for i, step := range plan.Steps {
		dur := seconds(step.GrantedSeconds)
		if step.Capped {
			dur = fmt.Sprintf("asked %s → %s", seconds(step.RequestedSeconds), seconds(step.GrantedSeconds))
		}
		line := fmt.Sprintf("  %d %s  %s", i+1, stepLabel(step, pw), dur)
		if step.Chained {
			line += "  " + st.Warn.Render("chained")
		}
		b.WriteString(line + "\n")
		if step.Capped {
			w := fmt.Sprintf("%s asks %s, but AWS caps a role session signed by temporary credentials (role chaining) at 1h",
				step.Profile, seconds(step.RequestedSeconds))
			if p := step.DurationPos.String(); p != "" {
				w += " (duration_seconds at " + p + ")"
			}
			warnings = append(warnings, w)
		}
	}
	for _, w := range warnings {
		b.WriteString(st.Warn.Render(hang(w, width, "  ! ", "    ")) + "\n")
	}
	return b.String()
}

// sessionsView lists every session of the run with its countdown.
func (d dashboard) sessionsView(now time.Time, st Styles) string {
	if len(d.entries) < 2 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + st.Label.Render("Sessions") + "\n")
	for i, o := range d.entries {
		marker := "  "
		if i == d.selected {
			marker = st.Selected.Render("▸ ")
		}
		left := o.session.Expiration.Sub(now)
		cd := "never"
		if o.session.Expires() {
			cd = st.countdownStyle(left).Render(countdown(left))
		}
		b.WriteString(marker + cell(o.session.Profile, 24) + "  " + cell(o.session.AccountID, 14) + "  " + cd + "\n")
	}
	return b.String()
}

// footer adds the name prompt, the console URL or the note; it returns the
// prompt's cursor.
func (d dashboard) footer(b *strings.Builder, width int, st Styles) *tea.Cursor {
	switch d.mode {
	case dashWriteName:
		b.WriteString("\n")
		prompt := "write to the credentials file as: "
		y := strings.Count(b.String(), "\n")
		b.WriteString(st.Label.Render(prompt) + d.name.Value())
		return tea.NewCursor(len(prompt)+d.name.Position(), y)
	case dashConsole:
		b.WriteString("\n" + st.Label.Render("Console sign-in URL") + st.Dim.Render(fmt.Sprintf(" (%d characters, valid for 15 minutes)", len(d.url))) + "\n")
		shown := ansi.Truncate(d.url, max(20, width-2), "…")
		if d.colour {
			shown = ansi.SetHyperlink(d.url) + shown + ansi.ResetHyperlink()
		}
		b.WriteString(shown)
	default:
		if d.note != "" {
			style := st.Dim
			if d.noteErr {
				style = st.Error
			}
			b.WriteString("\n" + style.Render(wrap(d.note, width)))
		}
	}
	return nil
}

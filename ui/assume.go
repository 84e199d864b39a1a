package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// stepState is where one plan step stands on the assuming screen.
type stepState int

const (
	stepPending stepState = iota
	stepRunning
	stepDone
	stepCached
	stepFailed
)

// assuming shows the plan's steps ticking off while the backend works.
type assuming struct {
	run     int
	profile string
	plan    *profiles.Plan
	states  []stepState
	spin    spinner.Model
	cancel  context.CancelFunc
	refresh bool
}

func newAssuming(run int, profile string, plan *profiles.Plan, refresh bool, cancel context.CancelFunc, st Styles) assuming {
	n := 0
	if plan != nil {
		n = len(plan.Steps)
	}
	return assuming{
		run: run, profile: profile, plan: plan, refresh: refresh, cancel: cancel,
		states: make([]stepState, n),
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Title)),
	}
}

// stepMsg is a StepEvent of run, with the channel the next message of the
// run arrives on.
type stepMsg struct {
	run  int
	ev   StepEvent
	next <-chan tea.Msg
}

// assumedMsg ends run.
type assumedMsg struct {
	run     int
	profile string
	session *creds.Session
	err     error
}

// assumeCmd runs Backend.Assume; its step events and its result arrive one
// message at a time (see listen).
func assumeCmd(ctx context.Context, b Backend, run int, req AssumeRequest) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 16)
		send := func(m tea.Msg) {
			select {
			case ch <- m:
			case <-ctx.Done():
			}
		}
		go func() {
			defer close(ch)
			req.OnStep = func(ev StepEvent) { send(stepMsg{run: run, ev: ev, next: ch}) }
			s, err := b.Assume(ctx, req)
			send(assumedMsg{run: run, profile: req.Profile, session: s, err: err})
		}()
		return listen(ch)()
	}
}

// listen waits for the next message of a run.
func listen(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return m
	}
}

func (a assuming) apply(ev StepEvent) assuming {
	if ev.Index < 0 || ev.Index >= len(a.states) {
		return a
	}
	switch {
	case ev.Err != nil:
		a.states[ev.Index] = stepFailed
	case ev.Done && ev.Cached:
		a.states[ev.Index] = stepCached
	case ev.Done:
		a.states[ev.Index] = stepDone
	default:
		a.states[ev.Index] = stepRunning
	}
	return a
}

func (a assuming) view(st Styles) string {
	var b strings.Builder
	verb := "Assuming"
	if a.refresh {
		verb = "Refreshing"
	}
	b.WriteString(a.spin.View() + " " + st.Label.Render(verb+" "+a.profile) + "\n\n")
	if a.plan == nil {
		return b.String()
	}
	pw := profileWidth(a.plan.Steps)
	for i, s := range a.plan.Steps {
		var mark string
		switch a.states[i] {
		case stepRunning:
			mark = a.spin.View()
		case stepDone:
			mark = st.OK.Render("✓")
		case stepCached:
			mark = st.OK.Render("✓")
		case stepFailed:
			mark = st.Error.Render("✗")
		default:
			mark = st.Dim.Render("·")
		}
		line := fmt.Sprintf("%s %d %s", mark, i+1, stepLabel(s, pw))
		if a.states[i] == stepCached {
			line += st.Dim.Render("  (cached)")
		}
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}

// stepLabel says what a plan step does in one line; profiles are padded
// to width so a chain's steps line up.
func stepLabel(s profiles.Step, width int) string {
	l := fmt.Sprintf("%-16s %-*s", s.Kind, width, s.Profile)
	switch {
	case s.Kind == profiles.StepGetSessionToken && s.MFASerial != "":
		l += "  MFA " + s.MFASerial
	case s.Kind != profiles.StepGetSessionToken:
		if r := roleName(s.RoleARN); r != "" {
			l += "  role/" + r
		}
		if s.MFASerial != "" {
			l += "  with MFA"
		}
	}
	return strings.TrimRight(l, " ")
}

// profileWidth is the longest profile name among steps.
func profileWidth(steps []profiles.Step) int {
	w := 0
	for _, s := range steps {
		w = max(w, len(s.Profile))
	}
	return w
}

// roleName is the last path element of a role ARN ("admin" for
// arn:aws:iam::123:role/team/admin); "" when arn is not a role ARN.
func roleName(arn string) string {
	_, after, ok := strings.Cut(arn, ":role/")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(after, '/'); i >= 0 {
		return after[i+1:]
	}
	return after
}

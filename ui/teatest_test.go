package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds"
)

// program runs the model in a teatest program at 80×24.
func program(t *testing.T, f *fakeBackend) *teatest.TestModel {
	t.Helper()
	m := New(Options{
		Backend:      f,
		Now:          func() time.Time { return t0 },
		NoColor:      true,
		History:      creds.UsageHistory{Path: t.TempDir() + "/history.json", Now: func() time.Time { return t0 }},
		TickInterval: 50 * time.Millisecond,
	})
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
}

// waitFor waits until text has been drawn. The renderer writes only the
// cells that changed since the last frame, with escape sequences between
// them, so the output is stripped of escapes and text must be a word the
// previous screen did not have in those cells (a reused cell is not
// written again).
func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(ansi.Strip(string(b)), text) },
		teatest.WithDuration(3*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func final(t *testing.T, tm *teatest.TestModel) Model {
	t.Helper()
	return tm.FinalModel(t, teatest.WithFinalTimeout(3*time.Second)).(Model)
}

func TestFlowPickMFADashboardExport(t *testing.T) {
	f := newFake()
	tm := program(t, f)
	waitFor(t, tm, "pick a profile")
	tm.Type("prod")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "your authenticator") // the picker had "prod" where the MFA title ends
	tm.Type("123456")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "Identity")
	tm.Type("e")
	m := final(t, tm)
	want := Result{Stdout: "export AWS_ACCESS_KEY_ID=ASIAFAKEFAKEFAKEprod\nexport SWITCHER_PROFILE=prod\n"}
	if diff := cmp.Diff(want, m.Result()); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`assume prod code="123456" refresh=false`, "exports prod"}, f.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestFlowErrorThenBackThenCtrlC(t *testing.T) {
	f := newFake()
	f.assumeErr = map[string]error{"dev": errors.New("the trust policy of role/developer does not name you")}
	tm := program(t, f)
	waitFor(t, tm, "pick a profile")
	tm.Type("dev")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "does not name you")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	waitFor(t, tm, "clear/quit")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m := final(t, tm)
	if diff := cmp.Diff(Result{Cancelled: true}, m.Result()); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestFlowResize(t *testing.T) {
	tm := program(t, newFake())
	waitFor(t, tm, "pick a profile")
	tm.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	// at 120 columns the picker's title puts the count at column 117
	waitFor(t, tm, "5/5")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m := final(t, tm)
	if m.width != 120 || m.height != 40 {
		t.Errorf("size %dx%d, want 120x40", m.width, m.height)
	}
	if got := m.picker.height; got != 40-7 {
		t.Errorf("picker shows %d rows at 40 lines, want %d", got, 40-7)
	}
}

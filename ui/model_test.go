package ui

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// plain is the model's view content.
func plain(m Model) string { return m.View().Content }

func TestPickerOrderAndFilter(t *testing.T) {
	tests := []struct {
		name   string
		typed  string
		hist   map[string]Usage
		want   []string
		cursor string
	}{
		{
			name:   "role profiles first, config order",
			want:   []string{"dev", "prod", "prod-readonly", "broken", "default"},
			cursor: "dev",
		},
		{
			name:   "recently used roles first",
			hist:   map[string]Usage{"prod-readonly": {Count: 3, Last: t0.Add(-time.Minute)}, "dev": {Count: 1, Last: t0.Add(-48 * time.Hour)}},
			want:   []string{"prod-readonly", "dev", "prod", "broken", "default"},
			cursor: "prod-readonly",
		},
		{
			name:   "fuzzy filter on name",
			typed:  "prdro",
			want:   []string{"prod-readonly"},
			cursor: "prod-readonly",
		},
		{
			name:   "filter matches the account",
			typed:  "2222",
			want:   []string{"prod", "prod-readonly"},
			cursor: "prod",
		},
		{
			name:   "backspace widens the filter again",
			typed:  "prdro<backspace><backspace>",
			want:   []string{"prod", "prod-readonly"},
			cursor: "prod",
		},
		{
			name:  "nothing matches",
			typed: "zzz",
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			m := unloaded(t, f)
			page, _ := f.Rows()
			m = drive(t, m, rowsMsg{rows: page.Rows, total: page.Total}, historyMsg{hist: tt.hist})
			m = drive(t, m, keys(tt.typed)...)
			var got []string
			for i := range m.picker.count() {
				r, _ := m.picker.at(i)
				got = append(got, r.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			cur, _ := m.picker.current()
			if cur.Name != tt.cursor {
				t.Errorf("cursor on %q, want %q", cur.Name, tt.cursor)
			}
		})
	}
}

func TestPickerNavigation(t *testing.T) {
	tests := []struct {
		keys string
		want string
	}{
		{"", "dev"},
		{"<down>", "prod"},
		{"<down><down><down><down><down><down>", "default"},
		{"<down><up><up>", "dev"},
		{"pro<down>", "prod-readonly"},
		{"pro<esc>", "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.keys, func(t *testing.T) {
			m := drive(t, testModel(t, newFake()), keys(tt.keys)...)
			cur, _ := m.picker.current()
			if cur.Name != tt.want {
				t.Errorf("cursor on %q, want %q", cur.Name, tt.want)
			}
		})
	}
}

func TestProblemRowCannotBePicked(t *testing.T) {
	f := newFake()
	m := drive(t, testModel(t, f), keys("broken<enter>")...)
	if m.screen != screenPicker {
		t.Fatalf("screen = %v, want the picker", m.screen)
	}
	if got := plain(m); !strings.Contains(got, `broken cannot be used: source_profile "nope" does not exist (config:12)`) {
		t.Errorf("view does not explain the problem:\n%s", got)
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("backend called: %v", calls)
	}
}

func TestPickMFAAssume(t *testing.T) {
	tests := []struct {
		name      string
		keys      string
		screen    screen
		calls     []string
		note      string
		wantInMFA string
	}{
		{
			name:   "no MFA needed goes straight to the dashboard",
			keys:   "dev<enter>",
			screen: screenDashboard,
			calls:  []string{`assume dev code="" refresh=false`},
		},
		{
			name:      "MFA prompt shows the serial",
			keys:      "prod<enter>",
			screen:    screenMFA,
			wantInMFA: "arn:aws:iam::111111111111:mfa/alice",
		},
		{
			name:      "letters are refused as typed",
			keys:      "prod<enter>12a",
			screen:    screenMFA,
			wantInMFA: "the code is digits only",
		},
		{
			name:      "short code is refused on enter",
			keys:      "prod<enter>123<enter>",
			screen:    screenMFA,
			wantInMFA: "the code has 6 digits",
		},
		{
			name:      "a seventh digit is refused",
			keys:      "prod<enter>1234567",
			screen:    screenMFA,
			wantInMFA: "code    ••••••",
		},
		{
			name:   "esc goes back to the picker",
			keys:   "prod<enter>12<esc>",
			screen: screenPicker,
		},
		{
			name:   "six digits assume with the code",
			keys:   "prod<enter>123456<enter>",
			screen: screenDashboard,
			calls:  []string{`assume prod code="123456" refresh=false`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			m := drive(t, testModel(t, f), keys(tt.keys)...)
			if m.screen != tt.screen {
				t.Fatalf("screen = %v, want %v\n%s", m.screen, tt.screen, plain(m))
			}
			if diff := cmp.Diff(tt.calls, f.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tt.wantInMFA != "" && !strings.Contains(plain(m), tt.wantInMFA) {
				t.Errorf("view lacks %q:\n%s", tt.wantInMFA, plain(m))
			}
			if strings.Contains(plain(m), "123456") {
				t.Errorf("the code is shown:\n%s", plain(m))
			}
		})
	}
}

func TestMFAProcessSkipsPrompt(t *testing.T) {
	f := newFake()
	f.plans["prod"].Chain.MFAProcess.Value = "otp-cli prod"
	m := drive(t, testModel(t, f), keys("prod<enter>")...)
	if m.screen != screenDashboard {
		t.Fatalf("screen = %v, want the dashboard", m.screen)
	}
	if diff := cmp.Diff([]string{`assume prod code="" refresh=false`}, f.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestAssumeErrorIsShownAndBackWorks(t *testing.T) {
	f := newFake()
	f.assumeErr = map[string]error{"dev": errors.New("access denied on hop 1 (dev): the trust policy of role/developer does not name arn:aws:iam::111111111111:user/alice; change config:7")}
	m := drive(t, testModel(t, f), keys("dev<enter>")...)
	if m.screen != screenError {
		t.Fatalf("screen = %v, want the error screen", m.screen)
	}
	for _, want := range []string{"cannot assume dev", "the trust policy of role/developer", "esc goes back"} {
		if !strings.Contains(plain(m), want) {
			t.Errorf("view lacks %q:\n%s", want, plain(m))
		}
	}
	m = drive(t, m, keys("<esc>")...)
	if m.screen != screenPicker {
		t.Errorf("after esc screen = %v, want the picker", m.screen)
	}
}

func TestUnknownProfileFromPlan(t *testing.T) {
	f := newFake()
	f.rows = append(f.rows, Row{Name: "ghost", IsRole: true})
	m := drive(t, testModel(t, f), keys("ghost<enter>")...)
	if m.screen != screenError || !errors.Is(m.failure.err, errUnknown) {
		t.Fatalf("screen = %v err = %v, want the error screen with errUnknown", m.screen, m.failure.err)
	}
}

func TestAssumeCancel(t *testing.T) {
	f := newFake()
	f.block = make(chan struct{})
	m := drive(t, testModel(t, f), keys("dev")...)
	// step by hand: the backend blocks after the first step starts.
	var queue []tea.Msg
	var cmd tea.Cmd
	var next tea.Model
	next, cmd = m.Update(keys("<enter>")[0])
	for _, kind := range []string{"picked", "prepared", "step"} {
		queue = run(cmd)
		if len(queue) != 1 {
			t.Fatalf("after %s: %d messages", kind, len(queue))
		}
		next, cmd = next.Update(queue[0])
	}
	m = next.(Model)
	if m.screen != screenAssuming {
		t.Fatalf("screen = %v, want assuming", m.screen)
	}
	if got := plain(m); !strings.Contains(got, "Assuming dev") || !strings.Contains(got, "AssumeRole") {
		t.Errorf("assuming view:\n%s", got)
	}
	next, _ = m.Update(keys("<esc>")[0])
	m = next.(Model)
	if m.screen != screenPicker {
		t.Fatalf("after esc screen = %v, want the picker", m.screen)
	}
	// the stale run's result is dropped
	next, _ = m.Update(assumedMsg{run: m.run - 1, profile: "dev", err: context.Canceled})
	if next.(Model).screen != screenPicker {
		t.Errorf("a stale result changed the screen")
	}
}

func TestCtrlCQuitsCancelled(t *testing.T) {
	for _, at := range []string{"", "prod<enter>", "dev<enter>"} {
		t.Run("at "+at, func(t *testing.T) {
			m := drive(t, testModel(t, newFake()), keys(at)...)
			next, cmd := m.Update(keys("<ctrl+c>")[0])
			if cmd == nil {
				t.Fatal("no command")
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Errorf("ctrl+c does not quit")
			}
			if !next.(Model).Result().Cancelled {
				t.Errorf("result not cancelled")
			}
		})
	}
}

func TestEscWithEmptyFilterQuits(t *testing.T) {
	m := drive(t, testModel(t, newFake()), keys("<esc>")...)
	if !m.Result().Cancelled || !m.quitting {
		t.Errorf("esc at the top: cancelled=%v quitting=%v", m.Result().Cancelled, m.quitting)
	}
}

func TestDashboardKeys(t *testing.T) {
	tests := []struct {
		name   string
		keys   string
		calls  []string
		stdout string
		quit   bool
		view   string
	}{
		{
			name:   "e prints exports and quits",
			keys:   "e",
			calls:  []string{"exports dev"},
			stdout: "export AWS_ACCESS_KEY_ID=ASIAFAKEFAKEFAKEdev\nexport SWITCHER_PROFILE=dev\n",
			quit:   true,
		},
		{
			name:  "w suggests the backend's section name",
			keys:  "w<enter>",
			calls: []string{"write dev as dev-session"},
			view:  "wrote [dev-session] to /home/alice/.aws/credentials",
		},
		{
			name:  "w with another name",
			keys:  "w<ctrl+u>sandbox<enter>",
			calls: []string{"write dev as sandbox"},
			view:  "wrote [sandbox] to",
		},
		{
			name: "w then esc writes nothing",
			keys: "w<esc>",
		},
		{
			name:  "c shows the console URL",
			keys:  "c",
			calls: []string{"console dev"},
			view:  "https://signin.aws.amazon.com/federation?Action=login",
		},
		{
			name:   "c then p prints the URL",
			keys:   "cp",
			calls:  []string{"console dev"},
			stdout: newFake().url + "\n",
			quit:   true,
		},
		{
			name:  "r refreshes without a code",
			keys:  "r",
			calls: []string{`assume dev code="" refresh=true`},
			view:  "Expires",
		},
		{
			name: "q quits with nothing printed",
			keys: "q",
			quit: true,
		},
		{
			name: "b goes back to the picker",
			keys: "b",
			view: "pick a profile",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			m := drive(t, testModel(t, f), keys("dev<enter>")...)
			f.calls = nil
			m = drive(t, m, keys(tt.keys)...)
			if diff := cmp.Diff(tt.calls, f.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.stdout, m.Result().Stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if m.quitting != tt.quit {
				t.Errorf("quitting = %v, want %v", m.quitting, tt.quit)
			}
			if m.Result().Cancelled {
				t.Errorf("a dashboard key cancelled the run")
			}
			if tt.view != "" && !strings.Contains(plain(m), tt.view) {
				t.Errorf("view lacks %q:\n%s", tt.view, plain(m))
			}
		})
	}
}

func TestRefreshAsksForCodeOnlyWhenMFASessionIsGone(t *testing.T) {
	f := newFake()
	m := drive(t, testModel(t, f), keys("prod<enter>123456<enter>")...)
	delete(f.serials, "prod") // the MFA session is cached now
	m = drive(t, m, keys("r")...)
	f.serials["prod"] = "arn:aws:iam::111111111111:mfa/alice" // and now it expired
	m = drive(t, m, keys("r")...)
	if m.screen != screenMFA {
		t.Fatalf("screen = %v, want the MFA prompt", m.screen)
	}
	m = drive(t, m, keys("<esc>")...)
	if m.screen != screenDashboard {
		t.Errorf("esc from a refresh prompt: screen = %v, want the dashboard", m.screen)
	}
	want := []string{`assume prod code="123456" refresh=false`, `assume prod code="" refresh=true`}
	if diff := cmp.Diff(want, f.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestDashboardErrorsAreNotes(t *testing.T) {
	f := newFake()
	f.exportErr = errors.New("unknown shell format")
	f.writeErr = errors.New(`[prod] would shadow the role profile prod in config:9`)
	m := drive(t, testModel(t, f), keys("dev<enter>e")...)
	if m.quitting || !strings.Contains(plain(m), "exports for dev: unknown shell format") {
		t.Errorf("export error not shown:\n%s", plain(m))
	}
	m = drive(t, m, keys("w<enter>")...)
	if !strings.Contains(plain(m), "would shadow the role profile prod") {
		t.Errorf("write error not shown:\n%s", plain(m))
	}
}

func TestSeveralSessions(t *testing.T) {
	f := newFake()
	m := drive(t, testModel(t, f), keys("dev<enter>b<ctrl+u>prod<enter>123456<enter>")...)
	if got := len(m.dash.entries); got != 2 {
		t.Fatalf("%d sessions, want 2", got)
	}
	m = drive(t, m, tickMsg{id: m.tickID, t: t0.Add(10 * time.Minute)})
	v := plain(m)
	for _, want := range []string{"Sessions", "▸ prod", "  dev", "50m00s"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	m = drive(t, m, keys("<tab>e")...)
	if !strings.Contains(m.Result().Stdout, "SWITCHER_PROFILE=dev") {
		t.Errorf("tab did not select dev: %q", m.Result().Stdout)
	}
}

func TestTicks(t *testing.T) {
	m := drive(t, testModel(t, newFake()), keys("dev<enter>")...)
	tests := []struct {
		name string
		msg  tickMsg
		want string
	}{
		{"stale tick is dropped", tickMsg{id: m.tickID + 1, t: t0.Add(30 * time.Minute)}, "1h00m00s"},
		{"countdown from the tick's own time", tickMsg{id: m.tickID, t: t0.Add(59*time.Minute + 30*time.Second)}, "30s"},
		{"after expiry", tickMsg{id: m.tickID, t: t0.Add(2 * time.Hour)}, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := drive(t, m, tt.msg)
			line := lineWith(plain(got), "Expires")
			countdown := strings.TrimRight(line, " █░")
			if !strings.HasSuffix(countdown, " "+tt.want) {
				t.Errorf("expires line %q, want the countdown %q (then the bar)", line, tt.want)
			}
		})
	}
}

func lineWith(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strings.TrimRight(l, " ")
		}
	}
	return ""
}

func TestCountdown(t *testing.T) {
	st := NewStyles(false)
	tests := []struct {
		left  time.Duration
		text  string
		style string
	}{
		{2*time.Hour + 3*time.Minute + 4*time.Second, "2h03m04s", "ok"},
		{15 * time.Minute, "15m00s", "ok"},
		{15*time.Minute - time.Second, "14m59s", "soon"},
		{5 * time.Minute, "5m00s", "soon"},
		{4*time.Minute + 59*time.Second, "4m59s", "urgent"},
		{42 * time.Second, "42s", "urgent"},
		{0, "expired", "urgent"},
		{-time.Hour, "expired", "urgent"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := countdown(tt.left); got != tt.text {
				t.Errorf("countdown(%v) = %q, want %q", tt.left, got, tt.text)
			}
			styles := map[string]string{"ok": st.OK.Render("x"), "soon": st.Soon.Render("x"), "urgent": st.Urgent.Render("x")}
			if got := st.countdownStyle(tt.left).Render("x"); got != styles[tt.style] {
				t.Errorf("style for %v = %q, want %s (%q)", tt.left, got, tt.style, styles[tt.style])
			}
		})
	}
}

func TestNoColorHasNoEscapes(t *testing.T) {
	m := drive(t, testModel(t, newFake()), keys("prod<enter>123456<enter>")...)
	if v := plain(m); strings.Contains(v, "\x1b") {
		t.Errorf("NO_COLOR view has escapes: %q", v)
	}
}

func TestResizeFits(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 15}, {200, 10}} {
		for _, at := range []string{"", "prod<enter>", "prod<enter>123456<enter>", "broken<enter>"} {
			m := drive(t, testModel(t, newFake()), keys(at)...)
			m = drive(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(plain(m), "\n")
			if len(lines) > size[1] {
				t.Errorf("%v after %q: %d lines", size, at, len(lines))
			}
			for _, l := range lines {
				if w := len([]rune(l)); w > size[0] {
					t.Errorf("%v after %q: line of %d cells: %q", size, at, w, l)
				}
			}
		}
	}
}

func TestHistoryRecordedOnAssume(t *testing.T) {
	f := newFake()
	m := drive(t, testModel(t, f), keys("dev<enter>")...)
	info, err := os.Stat(m.hist.(creds.UsageHistory).Path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 && runtime.GOOS != "windows" {
		t.Errorf("history mode %v, want 0600", perm)
	}
	got, err := m.hist.Load()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]Usage{"dev": {Count: 1, Last: t0}}, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestLoadError(t *testing.T) {
	f := newFake()
	f.rowsErr = errors.New("config:3: unterminated section header")
	m := drive(t, testModel(t, f))
	if m.screen != screenError || !strings.Contains(plain(m), "config:3: unterminated section header") {
		t.Fatalf("screen %v:\n%s", m.screen, plain(m))
	}
	m = drive(t, m, keys("<esc>")...)
	if !m.Result().Cancelled {
		t.Errorf("esc on a load error does not quit")
	}
}

func TestBackToPickerReloadsRows(t *testing.T) {
	f := newFake()
	m := drive(t, testModel(t, f), keys("prod-r<enter>")...)
	m = drive(t, m, keys("123456<enter>")...)
	f.rows[3].CachedUntil = t0.Add(time.Hour) // prod-readonly now has a cached session
	before := f.rowsCalls
	m = drive(t, m, keys("b")...)
	if f.rowsCalls != before+1 {
		t.Errorf("rows loaded %d times on b, want once", f.rowsCalls-before)
	}
	cur, _ := m.picker.current()
	if cur.Name != "prod-readonly" || m.picker.filter.Value() != "" {
		t.Errorf("cursor on %q with filter %q, want prod-readonly and the filter cleared", cur.Name, m.picker.filter.Value())
	}
	if line := lineWith(plain(m), "▸ prod-readonly"); !strings.HasSuffix(line, "1h") {
		t.Errorf("cached column not refreshed: %q", line)
	}
	m = drive(t, m, keys("dev")...)
	if cur, _ := m.picker.current(); cur.Name != "dev" {
		t.Errorf("typing after b filtered to %q, want dev (a fresh filter)", cur.Name)
	}
}

// TestDashboardAutoRefresh: the dashboard refreshes a session by itself 10
// minutes before it expires when no new code is needed, shows when, and the
// a key turns that off.
func TestDashboardAutoRefresh(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		setup   func(f *fakeBackend)
		keys    string
		wantRef bool   // refreshed at +50m
		want    string // on the Refresh line before it is due
	}{
		{name: "on by default", profile: "prod", wantRef: true, want: "Refresh   at 12:50 (automatic; a turns it off)"},
		{name: "turned off", profile: "prod", keys: "a", want: "Refresh   off (a turns it on; r refreshes now)"},
		{name: "direct MFA needs a code each time", profile: "prod", setup: func(f *fakeBackend) {
			f.plans["prod"].MFA = profiles.MFADirect
		}, want: "Refresh   manual: the MFA code goes on AssumeRole itself"},
		{name: "the MFA session runs out first", profile: "prod", setup: func(f *fakeBackend) {
			f.mfaLife = 30 * time.Minute
		}, want: "manual: the MFA session runs out first (12:30)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.setup != nil {
				tt.setup(f)
			}
			m := drive(t, testModel(t, f), keys(tt.profile+"<enter>123456<enter>"+tt.keys)...)
			if !strings.Contains(plain(m), tt.want) {
				t.Errorf("dashboard lacks %q:\n%s", tt.want, plain(m))
			}
			before := len(f.calls)
			f.now = t0.Add(50 * time.Minute) // the fake's next session starts then
			m = drive(t, m, tickMsg{id: m.tickID, t: t0.Add(50 * time.Minute)})
			refreshed := len(f.calls) > before
			if refreshed != tt.wantRef {
				t.Fatalf("refreshed at +50m: %t, want %t (calls %v)", refreshed, tt.wantRef, f.calls[before:])
			}
			if !tt.wantRef {
				return
			}
			if got := f.calls[len(f.calls)-1]; got != `assume prod code="" refresh=true` {
				t.Errorf("the refresh asked %s", got)
			}
			screen := plain(m)
			if !strings.Contains(screen, "Expires   13:50:00 UTC") || !strings.Contains(screen, "refreshed prod automatically") || !strings.Contains(screen, "at 13:40") {
				t.Errorf("after the refresh:\n%s", screen)
			}
			if m.screen != screenDashboard {
				t.Errorf("screen %v: an automatic refresh stays on the dashboard", m.screen)
			}
		})
	}
}

// TestFirstFrameBeforeTheRest: a long list shows its first rows and the
// whole count at once; the rest, then the history and the cached sessions,
// arrive after the first frame and keep the selection (issue 12).
func TestFirstFrameBeforeTheRest(t *testing.T) {
	f := newFake()
	f.firstRows = 2
	m := unloaded(t, f)
	next, cmd := m.Update(loadCmd(f)())
	first := next.(Model)
	if got := first.picker.count(); got != 2 {
		t.Fatalf("first frame has %d rows, want the first 2", got)
	}
	if v := first.View().Content; !strings.Contains(v, "2/5") || strings.Contains(v, "42m") {
		t.Errorf("first frame: want 2/5 in the header and no cached time yet:\n%s", v)
	}
	first = drive(t, first, keys("<down>")...)
	m = settle(first, cmd())
	if got := m.picker.count(); got != 5 {
		t.Fatalf("after the rest: %d rows, want 5", got)
	}
	if cur, _ := m.picker.current(); cur.Name != first.picker.row(first.picker.cursor).Name {
		t.Errorf("selection on %q, want it kept on %q", cur.Name, first.picker.row(first.picker.cursor).Name)
	}
	if v := m.View().Content; !strings.Contains(v, "5/5") || !strings.Contains(v, "42m") {
		t.Errorf("after the details: want 5/5 and dev's 42m:\n%s", v)
	}
	if f.detailsCalls != 1 {
		t.Errorf("Details called %d times, want once, after the rest", f.detailsCalls)
	}
}

// TestPickerOffersLogin: an SSO profile without a login fails with the
// l key offered; l logs in (the URL shown while it waits), then the
// profile is assumed (issue 13).
func TestPickerOffersLogin(t *testing.T) {
	f := newFake()
	f.assumeErr = map[string]error{"dev": &creds.SSOLoginError{Profile: "dev", Session: "corp", StartURL: "https://corp.awsapps.com/start"}}
	m := drive(t, testModel(t, f), keys("dev<enter>")...)
	if m.screen != screenError || !strings.Contains(plain(m), "l logs in to IAM Identity Center") || !strings.Contains(plain(m), "l log in") {
		t.Fatalf("after the failed assume:\n%s", plain(m))
	}
	m = drive(t, m, keys("l")...)
	if m.screen != screenDashboard {
		t.Fatalf("after l:\n%s", plain(m))
	}
	if diff := cmp.Diff([]string{`assume dev code="" refresh=false`, "login dev", `assume dev code="" refresh=false`}, f.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

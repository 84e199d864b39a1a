package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds"
)

func TestAssumeCmdDeliversStepsThenResult(t *testing.T) {
	f := newFake()
	cmd := assumeCmd(context.Background(), f, 7, AssumeRequest{Profile: "prod", MFACode: "123456"})
	var got []StepEvent
	msg := cmd()
	for {
		sm, ok := msg.(stepMsg)
		if !ok {
			break
		}
		if sm.run != 7 {
			t.Errorf("step of run %d, want 7", sm.run)
		}
		got = append(got, sm.ev)
		msg = listen(sm.next)()
	}
	want := []StepEvent{
		{Index: 0}, {Index: 0, Done: true}, {Index: 1}, {Index: 1, Done: true}, {Index: 2}, {Index: 2, Done: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	am, ok := msg.(assumedMsg)
	if !ok {
		t.Fatalf("last message %T, want assumedMsg", msg)
	}
	if am.err != nil || am.session == nil || am.session.Profile != "prod" || am.run != 7 {
		t.Errorf("assumed = %+v", am)
	}
}

func TestAssumeCmdCancelled(t *testing.T) {
	f := newFake()
	f.block = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	msg := assumeCmd(ctx, f, 1, AssumeRequest{Profile: "dev"})()
	sm, ok := msg.(stepMsg)
	if !ok {
		t.Fatalf("first message %T, want stepMsg", msg)
	}
	cancel()
	// The run ends: listen returns the remaining messages or nil once closed.
	deadline := time.After(5 * time.Second)
	done := make(chan tea.Msg)
	go func() {
		var last tea.Msg
		for m := listen(sm.next)(); m != nil; m = listen(sm.next)() {
			last = m
		}
		done <- last
	}()
	select {
	case last := <-done:
		if am, ok := last.(assumedMsg); ok && !errors.Is(am.err, context.Canceled) {
			t.Errorf("result after cancel: %v", am.err)
		}
	case <-deadline:
		t.Fatal("the run did not end after cancel")
	}
}

func TestCmds(t *testing.T) {
	f := newFake()
	f.writeErr = errors.New("locked")
	s, err := f.Assume(context.Background(), AssumeRequest{Profile: "dev", OnStep: func(StepEvent) {}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cmd  tea.Cmd
		want tea.Msg
	}{
		{"prepare without MFA", prepareCmd(f, "dev", false), preparedMsg{profile: "dev", plan: f.plans["dev"], writeName: "dev-session"}},
		{"prepare with MFA", prepareCmd(f, "prod", true), preparedMsg{profile: "prod", plan: f.plans["prod"], serial: f.serials["prod"], need: true, refresh: true, writeName: "prod"}},
		{"exports", exportsCmd(f, s), exportsMsg{text: "export AWS_ACCESS_KEY_ID=ASIAFAKEFAKEFAKEdev\nexport SWITCHER_PROFILE=dev\n"}},
		{"console", consoleCmd(context.Background(), f, s), consoleMsg{url: f.url}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cmd()
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(preparedMsg{}, exportsMsg{}, consoleMsg{})); diff != "" {
				t.Errorf("msg (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("prepare unknown", func(t *testing.T) {
		got := prepareCmd(f, "ghost", false)().(preparedMsg)
		if !errors.Is(got.err, errUnknown) {
			t.Errorf("err = %v, want errUnknown", got.err)
		}
	})
	t.Run("write error is wrapped", func(t *testing.T) {
		got := writeCmd(f, s, "dev")().(writtenMsg)
		if !errors.Is(got.err, f.writeErr) || got.err.Error() != "writing [dev]: locked" {
			t.Errorf("err = %v", got.err)
		}
	})
}

func TestHistoryCmd(t *testing.T) {
	dir := t.TempDir()
	h := creds.UsageHistory{Path: filepath.Join(dir, "history.json"), Now: func() time.Time { return t0 }}
	if err := h.Record("prod"); err != nil {
		t.Fatal(err)
	}
	got := historyCmd(h)().(historyMsg)
	if got.err != nil {
		t.Fatalf("error: %v", got.err)
	}
	if diff := cmp.Diff(map[string]Usage{"prod": {Count: 1, Last: t0}}, got.hist); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if err := os.WriteFile(h.Path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	got = historyCmd(h)().(historyMsg)
	if got.err == nil || got.hist == nil {
		t.Errorf("a corrupt history: err=%v hist=%v; want an error and an empty history", got.err, got.hist)
	}
	rows := loadCmd(newFake())().(rowsMsg)
	if rows.err != nil || len(rows.rows) != 5 {
		t.Errorf("rows: err=%v rows=%d", rows.err, len(rows.rows))
	}
}

func TestFrecencyOrder(t *testing.T) {
	rows := []Row{{Name: "old-often"}, {Name: "new-once"}, {Name: "never"}, {Name: "role", IsRole: true}}
	hist := map[string]Usage{
		"old-often": {Count: 3, Last: t0.Add(-60 * 24 * time.Hour)}, // 0.75
		"new-once":  {Count: 1, Last: t0.Add(-time.Minute)},         // 8
	}
	rows, _ = sortRows(rows, hist, t0)
	if diff := cmp.Diff([]string{"role", "new-once", "old-often", "never"}, names(rows)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

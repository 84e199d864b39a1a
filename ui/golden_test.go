package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

// updating reports -update, the flag teatest's golden package defines
// (go test ./ui -update rewrites testdata/).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// assumingAt is a model on the assuming screen of prod with the first step
// cached and the second running.
func assumingAt(t *testing.T) Model {
	t.Helper()
	m := drive(t, testModel(t, newFake()), keys("prod<enter>")...)
	next, _ := m.Update(mfaEnteredMsg{profile: "prod", code: "123456"})
	m = next.(Model)
	for _, ev := range []StepEvent{{Index: 0}, {Index: 0, Done: true, Cached: true}, {Index: 1}} {
		next, _ = m.Update(stepMsg{run: m.run, ev: ev})
		m = next.(Model)
	}
	return m
}

func TestViewGoldens(t *testing.T) {
	screens := []struct {
		name  string
		model func(t *testing.T) Model
	}{
		{"picker", func(t *testing.T) Model { return testModel(t, newFake()) }},
		{"picker-filtered", func(t *testing.T) Model { return drive(t, testModel(t, newFake()), keys("pro")...) }},
		{"picker-problem", func(t *testing.T) Model {
			return drive(t, testModel(t, newFake()), keys("brok")...)
		}},
		{"mfa", func(t *testing.T) Model { return drive(t, testModel(t, newFake()), keys("prod<enter>12a")...) }},
		{"assuming", assumingAt},
		{"dashboard", func(t *testing.T) Model {
			m := drive(t, testModel(t, newFake()), keys("prod<enter>123456<enter>")...)
			return drive(t, m, tickMsg{id: m.tickID, t: t0.Add(47*time.Minute + 5*time.Second)})
		}},
		{"dashboard-sessions", func(t *testing.T) Model {
			m := drive(t, testModel(t, newFake()), keys("dev<enter>b<ctrl+u>prod<enter>123456<enter>w")...)
			return drive(t, m, tickMsg{id: m.tickID, t: t0.Add(56 * time.Minute)})
		}},
		{"dashboard-console", func(t *testing.T) Model { return drive(t, testModel(t, newFake()), keys("dev<enter>c")...) }},
		// static keys: the account and identity come from GetCallerIdentity
		{"dashboard-static", func(t *testing.T) Model { return drive(t, testModel(t, newFake()), keys("default<enter>")...) }},
		{"error", func(t *testing.T) Model {
			f := newFake()
			f.assumeErr = map[string]error{"dev": fmt.Errorf("profile dev, hop 1 (role/developer): access denied: " +
				"arn:aws:iam::111111111111:user/alice may not call sts:AssumeRole on arn:aws:iam::111111111111:role/developer. " +
				"The role's trust policy must name the caller, and the caller's identity policy must allow sts:AssumeRole " +
				"on the role (config:7)")}
			return drive(t, testModel(t, f), keys("dev<enter>")...)
		}},
	}
	for _, size := range [][2]int{{60, 15}, {80, 24}, {120, 40}, {200, 50}} {
		for _, sc := range screens {
			name := fmt.Sprintf("%s_%dx%d.golden", sc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := sc.model(t)
				m = drive(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				golden(t, name, plain(m))
			})
		}
	}
}

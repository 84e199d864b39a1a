package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds/stssim"
	"github.com/switcher-cli/switcher/demo"
	"github.com/switcher-cli/switcher/ui"
)

func TestUINeedsATerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	noTTY := func() (*os.File, *os.File, error) {
		return nil, nil, errors.New("open /dev/tty: no such device or address")
	}
	b, _ := demoFixture(t)
	opts := &PickerOptions{IO: IOStreams{Out: &stdout, ErrOut: &stderr}, Getenv: func(string) string { return "" }, Now: time.Now,
		OpenTTY: noTTY, Debugf: func(string, ...any) {}, Backend: func() (ui.Backend, error) { return b, nil }}
	err := pickerRun(context.Background(), opts)
	if !errors.Is(err, errNoTTY) {
		t.Fatalf("err = %v, want errNoTTY", err)
	}
	if code := report(&stderr, err); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "switcher export PROFILE") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

func TestUserStateDir(t *testing.T) {
	tests := []struct {
		goos string
		env  map[string]string
		want string
		err  bool
	}{
		{"linux", map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/a"}, "/x/state", false},
		{"linux", map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/a"}, "/home/a/.local/state", false},
		{"darwin", map[string]string{"HOME": "/Users/a"}, "/Users/a/.local/state", false},
		{"windows", map[string]string{"LocalAppData": `C:\Users\a\AppData\Local`}, `C:\Users\a\AppData\Local`, false},
		{"linux", map[string]string{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.goos+" "+tt.want, func(t *testing.T) {
			got, err := userStateDir(tt.goos, func(k string) string { return tt.env[k] })
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("userStateDir = %q, %v; want %q (error %v)", got, err, tt.want, tt.err)
			}
		})
	}
}

// demoFixture is the demo's backend against a simulator served by httptest.
func demoFixture(t *testing.T) (*uiBackend, *stssim.Sim) {
	t.Helper()
	sim := stssim.New()
	if err := demo.Seed(sim); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	getenv := func(k string) string { return map[string]string{"SHELL": "/bin/bash", "USER": "alice"}[k] }
	opts := &DemoOptions{Picker: PickerOptions{Now: time.Now, GOOS: "linux"}, Getenv: getenv}
	b, err := demoBackend(opts, t.TempDir(), srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return b, sim
}

func TestUIBackendRows(t *testing.T) {
	b, _ := demoFixture(t)
	page, err := b.Rows()
	if err != nil {
		t.Fatal(err)
	}
	rows := page.Rows
	type row struct{ Name, Account, Role, Problem string }
	var got []row
	for _, r := range rows {
		p := r.Problem
		if i := strings.IndexAny(p, "(:"); i > 0 {
			p = p[:i] // without the file position
		}
		got = append(got, row{r.Name, r.Account, r.Role, strings.TrimSpace(p)})
	}
	want := []row{
		{"dev", "222222222222", "developer", ""},
		{"ops", "333333333333", "ops", ""},
		{"analytics", "444444444444", "analytics", ""},
		{"prod-admin", "555555555555", "admin", ""},
		{"audit", "555555555555", "audit", ""},
		{"staging", "222222222222", "staging", `source_profile "alcie" names no profile in either file`},
		{"default", "", "", "no credentials here"},
		{"alice", "", "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestUIBackendAssumeFlow(t *testing.T) {
	b, sim := demoFixture(t)
	ctx := context.Background()

	serial, need, err := b.NeedsMFA("prod-admin")
	if err != nil || !need || serial != demo.MFASerial {
		t.Fatalf("NeedsMFA(prod-admin) = %q, %v, %v", serial, need, err)
	}
	code, _ := sim.CurrentCode(demo.MFASerial)
	var steps []ui.StepEvent
	s, err := b.Assume(ctx, ui.AssumeRequest{Profile: "prod-admin", MFACode: code, OnStep: func(ev ui.StepEvent) { steps = append(steps, ev) }})
	if err != nil {
		t.Fatal(err)
	}
	if s.AccountID != "555555555555" || s.MFAExpiration.IsZero() {
		t.Errorf("session %+v", s)
	}
	wantSteps := []ui.StepEvent{{Index: 0}, {Index: 0, Done: true}, {Index: 1}, {Index: 1, Done: true}}
	if diff := cmp.Diff(wantSteps, steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	// The MFA session is cached: a refresh needs no code and makes no
	// GetSessionToken call.
	if _, need, _ := b.NeedsMFA("prod-admin"); need {
		t.Errorf("NeedsMFA after a session: need a code")
	}
	before := sim.Calls("GetSessionToken")
	if _, err := b.Assume(ctx, ui.AssumeRequest{Profile: "prod-admin", Refresh: true}); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if n := sim.Calls("GetSessionToken") - before; n != 0 {
		t.Errorf("refresh called GetSessionToken %d times", n)
	}

	exports, err := b.Exports(s)
	if err != nil || !strings.Contains(exports, "export SWITCHER_PROFILE='prod-admin'") {
		t.Errorf("exports %q, %v", exports, err)
	}

	where, err := b.Write(s, "prod-session")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(where)
	if err != nil || !strings.Contains(string(data), "[prod-session]") || !strings.Contains(string(data), "[alice]") {
		t.Errorf("credentials file %s: %v\n%s", where, err, data)
	}
	var wte *WriteTargetError
	if _, err := b.Write(s, "prod-admin"); !errors.As(err, &wte) {
		t.Errorf("writing over the role profile: %v, want a WriteTargetError", err)
	}

	u, err := b.ConsoleURL(ctx, s)
	if err != nil || !strings.Contains(u, stssim.FederationPath+"?Action=login") {
		t.Errorf("console URL %q, %v", u, err)
	}
}

func TestUIBackendRefusedRole(t *testing.T) {
	b, _ := demoFixture(t)
	var last ui.StepEvent
	_, err := b.Assume(context.Background(), ui.AssumeRequest{Profile: "audit", OnStep: func(ev ui.StepEvent) { last = ev }})
	if err == nil {
		t.Fatal("audit was assumed")
	}
	st, err2 := b.state("audit")
	if err2 != nil {
		t.Fatal(err2)
	}
	for _, want := range []string{"profile audit", "trust policy", filepath.Base(st.cfg.ConfigFile)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if last.Err == nil || !last.Done {
		t.Errorf("last step event %+v, want a failed step", last)
	}
}

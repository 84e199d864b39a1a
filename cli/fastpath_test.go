package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

// runAt is run with the clock set to now: it takes the fast path first,
// then the full command, as run does.
func runAt(t *testing.T, env map[string]string, now time.Time, args ...string) cmdResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	d := testDeps(strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] }, func() time.Time { return now })
	if code, ok := serveFast(args, d); ok {
		return cmdResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
	}
	code := Run(context.Background(), args, d)
	return cmdResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// serveFastAt reports whether the fast path answers args at now, and what
// it printed.
func serveFastAt(t *testing.T, env map[string]string, now time.Time, args ...string) (string, bool) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code, ok := serveFast(args, testDeps(strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] }, func() time.Time { return now }))
	if ok && code != exitOK {
		t.Fatalf("fast path: exit code %d, stderr %q", code, stderr.String())
	}
	if !ok && stdout.Len()+stderr.Len() > 0 {
		t.Fatalf("fast path declined but wrote stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	return stdout.String(), ok
}

// settledNow is a clock far enough after the fixture's files were written
// for their identity to be trusted (racyWindow).
func settledNow() time.Time { return time.Now().Add(time.Minute) }

// fastRequest is what parseFast read.
type fastRequest struct {
	Profile string
	Flags   GlobalFlags
}

func TestParseFast(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want fastRequest
		ok   bool
	}{
		{"bare", []string{"credential-process", "prod"}, fastRequest{Profile: "prod"}, true},
		{"flags with values", []string{"credential-process", "prod", "--config", "c", "--credentials=k", "--region", "eu-west-1", "--duration=1h", "--endpoint-url", "http://x"},
			fastRequest{Profile: "prod", Flags: GlobalFlags{ConfigFile: "c", CredentialsFile: "k", Region: "eu-west-1", Duration: "1h", EndpointURL: "http://x"}}, true},
		{"global flag first", []string{"--config=c", "credential-process", "prod"}, fastRequest{Profile: "prod", Flags: GlobalFlags{ConfigFile: "c"}}, true},
		{"empty value", []string{"credential-process", "prod", "--region="}, fastRequest{Profile: "prod"}, true},
		{"flag twice: the last wins, as for cobra", []string{"credential-process", "prod", "--region", "a", "--region", "b"}, fastRequest{Profile: "prod", Flags: GlobalFlags{Region: "b"}}, true},
		{"other command", []string{"export", "prod"}, fastRequest{}, false},
		{"no profile", []string{"credential-process"}, fastRequest{}, false},
		{"two profiles", []string{"credential-process", "a", "b"}, fastRequest{}, false},
		{"debug", []string{"credential-process", "prod", "--debug"}, fastRequest{}, false},
		{"no-cache", []string{"credential-process", "prod", "--no-cache"}, fastRequest{}, false},
		{"mfa code", []string{"credential-process", "prod", "--mfa-code", "123456"}, fastRequest{}, false},
		{"help", []string{"credential-process", "--help"}, fastRequest{}, false},
		{"short help", []string{"credential-process", "prod", "-h"}, fastRequest{}, false},
		{"double dash", []string{"credential-process", "--", "prod"}, fastRequest{}, false},
		{"unknown flag", []string{"credential-process", "prod", "--nope"}, fastRequest{}, false},
		{"flag without value", []string{"credential-process", "prod", "--region"}, fastRequest{}, false},
		{"nothing", nil, fastRequest{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, opts, ok := parseFast(tt.args)
			if ok != tt.ok {
				t.Fatalf("ok = %t, want %t", ok, tt.ok)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(tt.want, fastRequest{Profile: opts.Profile, Flags: g}); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFastPathFlagsAreTheCommands: every flag credential-process takes is
// one the fast path parses (or declines), so the two never read a command
// line differently.
func TestFastPathFlagsAreTheCommands(t *testing.T) {
	f, _, _ := testFactory(nil, nil)
	root := NewCmdRoot(f)
	cmd, _, err := root.Find([]string{"credential-process"})
	if err != nil {
		t.Fatal(err)
	}
	var g GlobalFlags
	fast := pflag.NewFlagSet("fast", pflag.ContinueOnError)
	g.register(fast)
	(&CredentialProcessOptions{}).register(fast)
	cmd.InheritedFlags().VisitAll(func(fl *pflag.Flag) {
		if fast.Lookup(fl.Name) == nil && fl.Name != "help" {
			t.Errorf("--%s is a flag of credential-process the fast path does not know", fl.Name)
		}
	})
	cmd.LocalFlags().VisitAll(func(fl *pflag.Flag) {
		if fast.Lookup(fl.Name) == nil && fl.Name != "help" {
			t.Errorf("--%s is a flag of credential-process the fast path does not know", fl.Name)
		}
	})
}

// TestFastPathHit: after one full run, the same call is answered by the
// fast path with the same session and no STS call.
func TestFastPathHit(t *testing.T) {
	f := newSTSFixture(t)
	first := runAt(t, f.env, settledNow(), "credential-process", "prod")
	first.wantCode(t, exitOK)
	want := decodeProcessOutput(t, first.stdout)

	got, ok := serveFastAt(t, f.env, settledNow(), "credential-process", "prod")
	if !ok {
		t.Fatal("fast path declined after a successful run")
	}
	if diff := cmp.Diff(want, decodeProcessOutput(t, got)); diff != "" {
		t.Errorf("fast path output (-want +got):\n%s", diff)
	}
	// What main calls takes it too: no STS call, same keys.
	var stdout, stderr bytes.Buffer
	code := Main([]string{"credential-process", "prod"}, testDeps(strings.NewReader(""), &stdout, &stderr, func(k string) string { return f.env[k] }, time.Now))
	if code != exitOK || stderr.Len() > 0 {
		t.Fatalf("Main: code %d, stderr %q", code, stderr.String())
	}
	if diff := cmp.Diff(want, decodeProcessOutput(t, stdout.String())); diff != "" {
		t.Errorf("Main output (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(1, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}
	// The entry is private, like every cache file.
	checkMode(t, f.fastEntry(t, "prod"), 0o600)
}

// fastEntry is the path of profile's fast-path entry in the fixture's cache.
func (f *stsFixture) fastEntry(t *testing.T, profile string) string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(f.home, ".cache", "switcher", "*.json"))
	for _, p := range paths {
		var e struct{ Kind, Profile string }
		if json.Unmarshal(mustRead(t, p), &e) == nil && e.Kind == "credential-process" && e.Profile == profile {
			return p
		}
	}
	t.Fatalf("no fast-path entry for %s in %v", profile, paths)
	return ""
}

// TestFastPathMisses: whatever could change the answer makes the fast path
// decline, so the full command decides.
func TestFastPathMisses(t *testing.T) {
	config := func(f *stsFixture) string { return filepath.Join(f.home, ".aws", "config") }
	creds := func(f *stsFixture) string { return filepath.Join(f.home, ".aws", "credentials") }
	tests := []struct {
		name   string
		change func(t *testing.T, f *stsFixture) // between the full run and the fast one
		env    []string                          // extra environment for the fast call
		args   []string                          // the fast call (default: credential-process prod)
		at     time.Duration                     // clock of the fast call after settledNow
	}{
		{name: "role_arn edited, same size", change: func(t *testing.T, f *stsFixture) {
			replaceInFile(t, config(f), "role/prod\n", "role/dorp\n")
		}},
		{name: "role_arn edited, same size and mtime restored", change: func(t *testing.T, f *stsFixture) {
			fi, err := os.Stat(config(f))
			if err != nil {
				t.Fatal(err)
			}
			replaceInFile(t, config(f), "role/prod\n", "role/dorp\n")
			if err := os.Chtimes(config(f), fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "touched within the same second", change: func(t *testing.T, f *stsFixture) {
			fi, err := os.Stat(config(f))
			if err != nil {
				t.Fatal(err)
			}
			mt := fi.ModTime().Truncate(time.Second).Add(time.Duration(fi.ModTime().Nanosecond()+1) % time.Second)
			if err := os.Chtimes(config(f), mt, mt); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "config renamed away", change: func(t *testing.T, f *stsFixture) {
			if err := os.Rename(config(f), config(f)+".old"); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "identical copy renamed over the config", change: func(t *testing.T, f *stsFixture) {
			data, err := os.ReadFile(config(f))
			if err != nil {
				t.Fatal(err)
			}
			writeTestFile(t, config(f)+".new", string(data))
			if err := os.Rename(config(f)+".new", config(f)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "credentials key changed", change: func(t *testing.T, f *stsFixture) {
			replaceInFile(t, creds(f), "fake-secret-of-dev", "fake-secret-of-deV")
		}},
		{name: "credentials file removed", change: func(t *testing.T, f *stsFixture) {
			if err := os.Remove(creds(f)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "entry corrupt", change: func(t *testing.T, f *stsFixture) {
			writeTestFile(t, f.fastEntry(t, "prod"), `{"Kind":`)
		}},
		{name: "entry removed by clean --all", change: func(t *testing.T, f *stsFixture) {
			runSwitcher(t, f.env, "clean", "--all").wantCode(t, exitOK)
		}},
		{name: "environment: region", env: []string{"AWS_REGION", "us-east-2"}},
		{name: "environment: source keys", env: []string{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLEOTHER0001"}},
		{name: "environment: STS endpoint", env: []string{"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1"}},
		{name: "environment: config file", env: []string{"AWS_CONFIG_FILE", "/nonexistent/config"}},
		{name: "other profile", args: []string{"credential-process", "chained"}},
		{name: "flag: region", args: []string{"credential-process", "prod", "--region", "us-east-2"}},
		{name: "flag: duration", args: []string{"credential-process", "prod", "--duration", "2h"}},
		{name: "flag: endpoint", args: []string{"credential-process", "prod", "--endpoint-url", "http://127.0.0.1:1"}},
		{name: "flag: config given explicitly", args: []string{"credential-process", "prod", "--config", "~/.aws/config"}},
		{name: "flag: no-cache", args: []string{"credential-process", "prod", "--no-cache"}},
		{name: "flag: debug", args: []string{"credential-process", "prod", "--debug"}},
		{name: "15 minutes left", at: time.Hour - 15*time.Minute},
		{name: "expired", at: 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			runAt(t, f.env, settledNow(), "credential-process", "prod").wantCode(t, exitOK)
			if _, ok := serveFastAt(t, f.env, settledNow(), "credential-process", "prod"); !ok {
				t.Fatal("fast path declined before the change")
			}
			if tt.change != nil {
				tt.change(t, f)
			}
			args := tt.args
			if args == nil {
				args = []string{"credential-process", "prod"}
			}
			if out, ok := serveFastAt(t, f.with(tt.env...), settledNow().Add(tt.at), args...); ok {
				t.Errorf("fast path answered after the change: %d bytes", len(out))
			}
		})
	}
}

// TestFastPathNotRecorded: a run whose files changed less than racyWindow
// ago, or during the run, or without a cache, leaves no entry.
func TestFastPathNotRecorded(t *testing.T) {
	tests := []struct {
		name string
		now  func() time.Time
		args []string
	}{
		{"files just written", time.Now, []string{"credential-process", "prod"}},
		{"no cache", settledNow, []string{"credential-process", "prod", "--no-cache"}},
		{"failed run", settledNow, []string{"credential-process", "denied"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			runAt(t, f.env, tt.now(), tt.args...)
			if _, ok := serveFastAt(t, f.env, settledNow(), "credential-process", tt.args[1]); ok {
				t.Error("fast path answered; the run should not have recorded an entry")
			}
		})
	}
}

func replaceInFile(t *testing.T, path, old, repl string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(data, []byte(old), []byte(repl), 1), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestFastEnvNamesCoverSources keeps fastEnvNames complete: every AWS_*
// variable named in the code that resolves profiles (packages cli and
// creds) must be part of the fast-path key.
func TestFastEnvNamesCoverSources(t *testing.T) {
	names := fastEnvNames()
	lit := regexp.MustCompile(`^AWS_[A-Z0-9_]*[A-Z0-9]$`)
	var files []string
	for _, pattern := range []string{"*.go", filepath.Join("..", "creds", "*.go")} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			bl, ok := n.(*ast.BasicLit)
			if !ok || bl.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(bl.Value)
			if err == nil && lit.MatchString(s) && !slices.Contains(names, s) {
				t.Errorf("%s: %s is not in fastEnvNames(): a change of it would not invalidate the credential-process fast path", fset.Position(bl.Pos()), s)
			}
			return true
		})
	}
}

// TestForgetFastSessions: once a profile's fast entries are forgotten (a
// forced refresh does it) the fast path declines for that profile only,
// and the engine's own sessions stay.
func TestForgetFastSessions(t *testing.T) {
	f := newSTSFixture(t)
	for _, p := range []string{"prod", "chained"} {
		runAt(t, f.env, settledNow(), "credential-process", p).wantCode(t, exitOK)
	}
	dir := filepath.Join(f.home, ".cache", "switcher")
	before, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fac, _, _ := testFactory(f.env, nil)
	st, err := fac.Store()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ForgetFastSessions("prod"); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(len(before)-1, len(after)); diff != "" {
		t.Errorf("files left (-want +got):\n%s", diff)
	}
	for p, want := range map[string]bool{"prod": false, "chained": true} {
		if _, ok := serveFastAt(t, f.env, settledNow(), "credential-process", p); ok != want {
			t.Errorf("fast path for %s: %t, want %t", p, ok, want)
		}
	}
	// The engine still has prod's session: no new STS call.
	calls := f.sim.Calls("AssumeRole")
	runAt(t, f.env, settledNow(), "credential-process", "prod").wantCode(t, exitOK)
	if diff := cmp.Diff(calls, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}
}

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// exportedVars runs export --format json and returns the variables.
func exportedVars(t *testing.T, r cmdResult) map[string]*string {
	t.Helper()
	r.wantCode(t, exitOK)
	var vars map[string]*string
	if err := json.Unmarshal([]byte(r.stdout), &vars); err != nil {
		t.Fatalf("export --format json printed %q: %v", r.stdout, err)
	}
	return vars
}

// redactExports replaces the session's values in out with placeholders so
// the output can be compared with a golden file.
func redactExports(out string, vars map[string]*string) string {
	var pairs []string
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION"} {
		if v := vars[k]; v != nil && *v != "" {
			pairs = append(pairs, *v, "<"+k+">")
		}
	}
	return strings.NewReplacer(pairs...).Replace(out)
}

func TestExportFormats(t *testing.T) {
	f := newSTSFixture(t)
	vars := exportedVars(t, f.run(t, "export", "prod", "--format", "json"))
	f.wantIssuedFor(t, *vars["AWS_ACCESS_KEY_ID"], "prod")
	exp, err := time.Parse(time.RFC3339, *vars["AWS_CREDENTIAL_EXPIRATION"])
	if err != nil || time.Until(exp) < 50*time.Minute {
		t.Errorf("AWS_CREDENTIAL_EXPIRATION = %v (%v), want about an hour from now", exp, err)
	}

	tests := []struct {
		name  string
		shell string // $SHELL
		args  []string
	}{
		{name: "sh", shell: "/bin/bash", args: []string{"export", "prod"}},
		{name: "fish", shell: "/usr/bin/fish", args: []string{"export", "prod"}},
		{name: "powershell", shell: "/bin/zsh", args: []string{"export", "prod", "--format", "powershell"}},
		{name: "dotenv", args: []string{"export", "prod", "--format", "dotenv"}},
		{name: "chained-json", args: []string{"export", "chained", "--format", "json"}},
		{name: "unset-sh", shell: "/bin/bash", args: []string{"export", "--unset"}},
		{name: "unset-fish", args: []string{"export", "--unset", "--format", "fish"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runSwitcher(t, f.with("SHELL", tt.shell), tt.args...)
			r.wantCode(t, exitOK)
			got := r.stdout
			if tt.name == "chained-json" {
				chained := exportedVars(t, r)
				f.wantIssuedFor(t, *chained["AWS_ACCESS_KEY_ID"], "admin")
				got = redactExports(got, chained)
			}
			checkGolden(t, filepath.Join("testdata", "export", tt.name+".golden"), redactExports(got, vars))
			if strings.Contains(r.stderr, testSecret) || strings.Contains(r.stderr, *vars["AWS_SECRET_ACCESS_KEY"]) {
				t.Errorf("stderr shows a secret: %q", r.stderr)
			}
		})
	}
	// prod was assumed once, every later export of it came from the cache;
	// chained took two more calls (dev → prod → admin).
	if diff := cmp.Diff(3, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}
}

func TestExportFailures(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		// wantStderr are the pieces of the explanation a person needs.
		wantStderr []string
		wantCalls  int // STS requests made
	}{
		{name: "unknown profile", args: []string{"export", "prdo"}, wantCode: exitFailure,
			wantStderr: []string{`unknown profile "prdo"`, `"prod"`}},
		{name: "no profile", args: []string{"export"}, wantCode: exitUsage, wantStderr: []string{"needs a PROFILE"}},
		{name: "two profiles", args: []string{"export", "prod", "dev"}, wantCode: exitUsage},
		{name: "bad format", args: []string{"export", "prod", "--format", "csh"}, wantCode: exitUsage, wantStderr: []string{"--format", `"csh"`}},
		{name: "bad duration", args: []string{"export", "prod", "--duration", "soon"}, wantCode: exitUsage, wantStderr: []string{"--duration"}},
		{name: "duration out of range", args: []string{"export", "prod", "--duration", "5m"}, wantCode: exitUsage, wantStderr: []string{"900-43200"}},
		{name: "unset dotenv", args: []string{"export", "--unset", "--format", "dotenv"}, wantCode: exitUsage, wantStderr: []string{"cannot unset"}},
		{name: "malformed mfa code", args: []string{"export", "mfa", "--mfa-code", "12ab56"}, wantCode: exitFailure,
			wantStderr: []string{"mfa", "6 digits"}},
		{name: "wrong mfa code", args: []string{"export", "mfa", "--mfa-code", "000000"}, wantCode: exitFailure,
			wantStderr: []string{"profile mfa", "MFA code was wrong"}, wantCalls: 1},
		{name: "trust policy denies", args: []string{"export", "denied"}, wantCode: exitFailure, wantCalls: 1,
			wantStderr: []string{"profile denied", "arn:aws:iam::123456789012:role/locked", "access denied",
				"arn:aws:iam::123456789012:user/dev", "trust policy", "config:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			r := f.run(t, tt.args...)
			t.Logf("stderr: %s", r.stderr)
			r.wantCode(t, tt.wantCode)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr = %q\nwant it to contain %q", r.stderr, want)
				}
			}
			if diff := cmp.Diff(tt.wantCalls, f.sim.Calls("")); diff != "" {
				t.Errorf("STS requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExportMFA: --mfa-code opens the session; the next export needs no
// code and makes no call (cached).
func TestExportMFA(t *testing.T) {
	f := newSTSFixture(t)
	code, ok := f.sim.CurrentCode(testMFASerial)
	if !ok {
		t.Fatal("no MFA device in the simulator")
	}
	vars := exportedVars(t, f.run(t, "export", "mfa", "--format", "json", "--mfa-code", code))
	f.wantIssuedFor(t, *vars["AWS_ACCESS_KEY_ID"], "mfa")
	calls := f.sim.Calls("")
	again := exportedVars(t, f.run(t, "export", "mfa", "--format", "json"))
	if diff := cmp.Diff(*vars["AWS_ACCESS_KEY_ID"], *again["AWS_ACCESS_KEY_ID"]); diff != "" {
		t.Errorf("second export, no code: access key (-want +got):\n%s", diff)
	}
	if got := f.sim.Calls(""); got != calls {
		t.Errorf("second export made %d STS requests, want none (cached)", got-calls)
	}
}

// TestDebugShowsNoSecret: --debug explains on stderr, without keys,
// secrets or tokens.
func TestDebugShowsNoSecret(t *testing.T) {
	f := newSTSFixture(t)
	code, _ := f.sim.CurrentCode(testMFASerial)
	r := f.run(t, "export", "mfa", "--format", "json", "--debug", "--mfa-code", code)
	vars := exportedVars(t, r)
	if !strings.Contains(r.stderr, "debug: ") {
		t.Fatalf("stderr = %q, want debug lines", r.stderr)
	}
	if regexp.MustCompile(`(^|[^0-9])` + code + `([^0-9]|$)`).MatchString(r.stderr) {
		t.Errorf("--debug output shows the mfa code")
	}
	for name, secret := range map[string]string{
		"source key id": testKeyID, "source secret": testSecret,
		"session key id": *vars["AWS_ACCESS_KEY_ID"], "session secret": *vars["AWS_SECRET_ACCESS_KEY"], "session token": *vars["AWS_SESSION_TOKEN"],
	} {
		if strings.Contains(r.stderr, secret) {
			t.Errorf("--debug output shows the %s", name)
		}
	}
}

// TestExportProfileUnset: `export PROFILE --unset`, as the command-line
// contract writes it, removes what `export --unset` removes, and says so
// when the shell holds another profile's credentials (issue 12).
func TestExportProfileUnset(t *testing.T) {
	f := newSTSFixture(t)
	plain := f.run(t, "export", "--unset", "--format", "sh")
	plain.wantCode(t, exitOK)
	tests := []struct {
		name, current, wantStderr string
	}{
		{name: "this profile's", current: "prod"},
		{name: "no profile's", current: ""},
		{name: "another profile's", current: "dev", wantStderr: "switcher: this shell holds dev's credentials, not prod's; removing them\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runSwitcher(t, f.with("SWITCHER_PROFILE", tt.current), "export", "prod", "--unset", "--format", "sh")
			r.wantCode(t, exitOK)
			if r.stdout != plain.stdout {
				t.Errorf("stdout %q, want what export --unset prints: %q", r.stdout, plain.stdout)
			}
			if r.stderr != tt.wantStderr {
				t.Errorf("stderr %q, want %q", r.stderr, tt.wantStderr)
			}
			if n := f.sim.Calls(""); n != 0 {
				t.Errorf("%d STS calls, want none", n)
			}
		})
	}
}

// TestCappedHopWarns: export, credential-process, exec and write say on
// stderr, with the setting's position, when a chained hop asked for more
// than AWS's hour (the plan and the dashboard already did); a cached
// session is not warned about again (issue 12).
func TestCappedHopWarns(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"export", []string{"export", "long", "--format", "sh"}, "config:29: warning: long asks for 7200s (2h)"},
		{"credential-process", []string{"credential-process", "long"}, "config:29: warning: long asks for 7200s (2h)"},
		{"exec", []string{"exec", "long", "--", "true"}, "config:29: warning: long asks for 7200s (2h)"},
		{"write", []string{"write", "long"}, "config:29: warning: long asks for 7200s (2h)"},
		{"--duration", []string{"export", "chained", "--duration", "2h", "--format", "sh"}, "--duration: warning: chained asks for 7200s (2h)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			path := filepath.Join(f.home, ".aws", "config")
			cfg, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			long := "\n[profile long]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = prod\nduration_seconds = 7200\n"
			if err := os.WriteFile(path, append(cfg, long...), 0o600); err != nil {
				t.Fatal(err)
			}
			r := f.run(t, tt.args...)
			r.wantCode(t, exitOK)
			if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "caps role chaining at 1h") || strings.Count(r.stderr, "warning:") != 1 {
				t.Errorf("stderr %q, want one warning %q", r.stderr, tt.want)
			}
			if tt.name == "write" {
				return
			}
			again := f.run(t, tt.args...)
			if strings.Contains(again.stderr, "warning:") {
				t.Errorf("the cached session warned again: %q", again.stderr)
			}
		})
	}
}

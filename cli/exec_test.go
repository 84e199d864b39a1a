package cli

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds"
)

func TestExec(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	// The child gets the process environment (not the injected one): make
	// stale values visible there.
	t.Setenv("AWS_PROFILE", "stale")
	t.Setenv("AWS_SESSION_TOKEN", "stale-token")
	t.Setenv("SWITCHER_EXEC_TEST", "kept")
	f := newSTSFixture(t)
	script := `printf '%s|%s|%s|%s|%s\n' "$AWS_ACCESS_KEY_ID" "${AWS_PROFILE-unset}" "$SWITCHER_PROFILE" "$SWITCHER_EXEC_TEST" "$AWS_REGION"; ` +
		`read line; echo "stdin: $line"; echo "to stderr" >&2; exit 7`
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"exec", "prod", "--", "sh", "-c", script}, strings.NewReader("hello\n"), &stdout, &stderr,
		func(k string) string { return f.env[k] })
	if code != 7 {
		t.Fatalf("exit code %d, want the child's 7\nstderr: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout = %q, want two lines", stdout.String())
	}
	fields := strings.Split(lines[0], "|")
	f.wantIssuedFor(t, fields[0], "prod")
	if diff := cmp.Diff([]string{"unset", "prod", "kept", "eu-west-1"}, fields[1:]); diff != "" {
		t.Errorf("child environment (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("stdin: hello", lines[1]); diff != "" {
		t.Errorf("child stdin (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("to stderr\n", stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

func TestExecFailures(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
		wantCalls  int // STS calls made
	}{
		{name: "no dash", args: []string{"exec", "prod", "true"}, wantCode: exitUsage, wantStderr: "PROFILE -- CMD"},
		{name: "no command", args: []string{"exec", "prod", "--"}, wantCode: exitUsage, wantStderr: "PROFILE -- CMD"},
		{name: "dash before profile", args: []string{"exec", "--", "prod", "true"}, wantCode: exitUsage, wantStderr: "PROFILE -- CMD"},
		{name: "command not found", args: []string{"exec", "prod", "--", "switcher-no-such-command"}, wantCode: exitNotFound, wantStderr: "switcher-no-such-command"},
		{name: "denied runs nothing", args: []string{"exec", "denied", "--", "sh", "-c", "echo ran"}, wantCode: exitFailure, wantStderr: "trust policy", wantCalls: 1},
		{name: "child killed by a signal", args: []string{"exec", "prod", "--", "sh", "-c", "kill -TERM $$"}, wantCode: 128 + 15, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			r := f.run(t, tt.args...)
			r.wantCode(t, tt.wantCode)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			// A missing command is found out before any STS call or prompt.
			if got := f.sim.Calls(""); got != tt.wantCalls {
				t.Errorf("%d STS calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestChildEnv(t *testing.T) {
	s := &creds.Session{Profile: "prod", Credentials: creds.Credentials{AccessKeyID: "AKIAEXAMPLEKEY000001", SecretAccessKey: "fake"}}
	got := childEnv([]string{"PATH=/bin", "AWS_PROFILE=old", "AWS_SESSION_TOKEN=old", "AWS_REGION=old", "X=1=2"}, creds.ExportVars(s), "linux")
	// Long-term keys: no token and no expiry survive; no region is known,
	// so the old one stays.
	want := []string{"PATH=/bin", "AWS_REGION=old", "X=1=2",
		"AWS_ACCESS_KEY_ID=AKIAEXAMPLEKEY000001", "AWS_SECRET_ACCESS_KEY=fake", "SWITCHER_PROFILE=prod"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
}

func TestForwardSignal(t *testing.T) {
	tests := []struct {
		name         string
		sig          os.Signal
		fromTerminal bool
		want         bool
	}{
		{name: "TERM", sig: syscall.SIGTERM, fromTerminal: true, want: true},
		{name: "HUP", sig: syscall.SIGHUP, fromTerminal: true, want: true},
		{name: "INT from kill", sig: os.Interrupt, want: true},
		{name: "INT from the terminal", sig: os.Interrupt, fromTerminal: true},
		{name: "QUIT from the terminal", sig: syscall.SIGQUIT, fromTerminal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := forwardSignal(tt.sig, func() bool { return tt.fromTerminal }); got != tt.want {
				t.Errorf("forwardSignal(%v, terminal %t) = %t, want %t", tt.sig, tt.fromTerminal, got, tt.want)
			}
		})
	}
}

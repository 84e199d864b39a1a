//go:build unix

package integration

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestExportEvaluatedInShells: the exports, evaluated by a real shell over
// a stale AWS_PROFILE, are what the AWS CLI then signs with.
func TestExportEvaluatedInShells(t *testing.T) {
	s := need(t)
	tests := []struct {
		shell  string
		argv   func(script string) []string
		script string
	}{
		{
			shell:  "bash",
			argv:   func(script string) []string { return []string{"-c", script} },
			script: `export AWS_PROFILE=missing; eval "$(switcher --endpoint-url "$EP" export deploy)" || exit 9; ` + awsCLI + ` --endpoint-url "$EP" sts get-caller-identity --query Arn --output text`,
		},
		{
			shell:  "fish",
			argv:   func(script string) []string { return []string{"--no-config", "-c", script} },
			script: `set -gx AWS_PROFILE missing; set -l out (switcher --endpoint-url $EP export deploy); or exit 9; string join \n -- $out | source; ` + awsCLI + ` --endpoint-url $EP sts get-caller-identity --query Arn --output text`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			path, err := exec.LookPath(tt.shell)
			if err != nil {
				t.Skipf("%s is not installed", tt.shell)
			}
			h := newHome(t, s).with("EP="+s.moto.Endpoint, "SHELL="+path) // the format comes from $SHELL
			r := h.run(path, tt.argv(tt.script)...).mustSucceed(t, tt.shell)
			if diff := cmp.Diff(assumedARN("deploy", sessionName), strings.TrimSpace(r.stdout)); diff != "" {
				t.Errorf("identity after the export (-want +got):\n%s\nstderr:\n%s", diff, r.stderr)
			}
		})
	}
}

// TestCredentialProcessUsedByAWSCLI: a credential_process profile running
// switcher, used by the AWS CLI for STS and for S3 (the role's policy).
func TestCredentialProcessUsedByAWSCLI(t *testing.T) {
	s := need(t)
	h := newHome(t, s)
	r := h.switcher("credential-process", "deploy").mustSucceed(t, "credential-process")
	if r.stderr != "" {
		t.Errorf("credential-process stderr = %q, want nothing", r.stderr)
	}
	var out struct {
		Version     int
		AccessKeyID string `json:"AccessKeyId"`
		Expiration  time.Time
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Version != 1 || out.Expiration.IsZero() {
		t.Fatalf("credential-process printed %d bytes that are not Version 1 JSON with an Expiration: %v", len(r.stdout), err)
	}

	r = h.aws("--profile", "via-process", "sts", "get-caller-identity", "--query", "Arn", "--output", "text").mustSucceed(t, "aws sts")
	if diff := cmp.Diff(assumedARN("deploy", sessionName), strings.TrimSpace(r.stdout)); diff != "" {
		t.Errorf("aws --profile via-process identity (-want +got):\n%s", diff)
	}
	r = h.aws("--profile", "via-process", "s3", "ls").mustSucceed(t, "aws s3 ls")
	if !strings.Contains(r.stdout, "switcher-integration") {
		t.Errorf("aws s3 ls = %q, want the bucket the role may list", r.stdout)
	}
}

// TestWriteReadByAWSCLI: write, then the AWS CLI reads the section.
func TestWriteReadByAWSCLI(t *testing.T) {
	s := need(t)
	h := newHome(t, s)
	r := h.switcher("write", "deploy", "--as", "deploy-session").mustSucceed(t, "write")
	if r.stdout != "" {
		t.Errorf("write stdout = %q, want nothing", r.stdout)
	}
	fi, err := os.Stat(h.credentials)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %#o, want 0600", fi.Mode().Perm())
	}
	r = h.aws("--profile", "deploy-session", "sts", "get-caller-identity", "--query", "Arn", "--output", "text").mustSucceed(t, "aws --profile deploy-session")
	if diff := cmp.Diff(assumedARN("deploy", sessionName), strings.TrimSpace(r.stdout)); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	// The long-term keys are still there for the next assume.
	h.switcher("whoami", "dev").mustSucceed(t, "whoami dev after write")
}

// TestExecRunsAWSCLI: exec hands the session to the AWS CLI, over a stale
// AWS_PROFILE that would otherwise make it fail.
func TestExecRunsAWSCLI(t *testing.T) {
	s := need(t)
	h := newHome(t, s).with("AWS_PROFILE=missing")
	r := h.switcher("exec", "deploy", "--", awsCLI, "--endpoint-url", s.moto.Endpoint,
		"sts", "get-caller-identity", "--query", "Arn", "--output", "text").mustSucceed(t, "exec aws")
	if diff := cmp.Diff(assumedARN("deploy", sessionName), strings.TrimSpace(r.stdout)); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	r = h.switcher("exec", "deploy", "--", "sh", "-c", "exit 3")
	if r.code != 3 {
		t.Errorf("exec exit code %d, want the child's 3", r.code)
	}
}

// TestExecForwardsSignals: SIGTERM or SIGINT sent to switcher (with no
// terminal, so not also sent to the child by one) reaches the child, whose
// exit code switcher returns.
func TestExecForwardsSignals(t *testing.T) {
	s := need(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			h := newHome(t, s)
			cmd := exec.Command(s.bin, "--endpoint-url", s.moto.Endpoint, "exec", "deploy", "--",
				"sh", "-c", `trap 'echo got TERM; exit 42' TERM; trap 'echo got INT; exit 43' INT; echo ready; while :; do sleep 0.05; done`)
			cmd.Env = h.env
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() || lines.Text() != "ready" {
				t.Fatalf("child did not start: %q", lines.Text())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			want, code := "got TERM", 42
			if sig == syscall.SIGINT {
				want, code = "got INT", 43
			}
			lines.Scan()
			if diff := cmp.Diff(want, lines.Text()); diff != "" {
				t.Errorf("child output (-want +got):\n%s", diff)
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != code {
				t.Errorf("switcher exit: %v, want the child's code %d", err, code)
			}
		})
	}
}

// TestUntrustedRoleExplained: moto's AccessDenied (trust policy) becomes our
// explanation, exit 1 and nothing on stdout.
func TestUntrustedRoleExplained(t *testing.T) {
	s := need(t)
	h := newHome(t, s)
	for _, args := range [][]string{{"export", "untrusted"}, {"credential-process", "untrusted"}} {
		t.Run(args[0], func(t *testing.T) {
			r := h.switcher(args...)
			if r.code != 1 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q: want 1 and nothing", r.code, r.stdout)
			}
			for _, want := range []string{
				"profile untrusted", roleARN("untrusted"), "access denied", userARN("dev"),
				"trust policy must name the caller", filepath.Join(h.dir, ".aws", "config") + ":",
			} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr = %q\nwant it to contain %q", r.stderr, want)
				}
			}
		})
	}
}

// TestChainedRole: dev → deploy → admin, admin trusting deploy's session.
func TestChainedRole(t *testing.T) {
	s := need(t)
	h := newHome(t, s)
	r := h.switcher("whoami", "admin", "--json").mustSucceed(t, "whoami admin")
	var id struct{ ARN string }
	if err := json.Unmarshal([]byte(r.stdout), &id); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(assumedARN("admin", sessionName), id.ARN); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
}

// TestInitFunctionInShells: the sw function of switcher init, in bash, zsh
// and fish: switch, check with whoami and status, unset.
func TestInitFunctionInShells(t *testing.T) {
	s := need(t)
	posix := `eval "$(switcher init %s)"
sw deploy || exit 9
switcher whoami | sed -n 's/^arn *//p'
echo "$SWITCHER_PROFILE $(switcher status --short | cut -d' ' -f1)"
sw -u
echo "after unset: ${AWS_ACCESS_KEY_ID:-none} $(switcher status --short)"
`
	fish := `switcher init fish | source
sw deploy; or exit 9
switcher whoami | sed -n 's/^arn *//p'
echo "$SWITCHER_PROFILE "(switcher status --short | cut -d' ' -f1)
sw -u
echo "after unset: "(set -q AWS_ACCESS_KEY_ID; and echo set; or echo none)" "(switcher status --short | string collect --allow-empty)
`
	tests := []struct {
		shell string
		argv  []string
	}{
		{shell: "bash", argv: []string{"-c", strings.ReplaceAll(posix, "%s", "bash")}},
		{shell: "zsh", argv: []string{"-f", "-c", strings.ReplaceAll(posix, "%s", "zsh")}},
		{shell: "fish", argv: []string{"--no-config", "-c", fish}},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			path, err := exec.LookPath(tt.shell)
			if err != nil {
				t.Skipf("%s is not installed", tt.shell)
			}
			h := newHome(t, s).with("AWS_ENDPOINT_URL_STS=" + s.moto.Endpoint)
			r := h.run(path, tt.argv...).mustSucceed(t, tt.shell)
			want := assumedARN("deploy", sessionName) + "\ndeploy deploy\nafter unset: none \n"
			if diff := cmp.Diff(want, r.stdout); diff != "" {
				t.Errorf("output (-want +got):\n%s\nstderr:\n%s", diff, r.stderr)
			}
		})
	}
}

package creds

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// shellCase is a real shell that evaluates an export the way a user does.
type shellCase struct {
	shell  string // binary looked up in PATH
	format Format
	script string // reads ./exports, then writes `env -0` to ./env.out
}

func realShells() []shellCase {
	shScript := `eval "$(cat ./exports)" && env -0 > ./env.out`
	return []shellCase{
		{shell: "bash", format: FormatSh, script: shScript},
		{shell: "dash", format: FormatSh, script: shScript},
		{shell: "zsh", format: FormatSh, script: shScript},
		{shell: "fish", format: FormatFish, script: `source ./exports; and env -0 > ./env.out`},
	}
}

// lookShell finds a shell or skips (fails under SWITCHER_REQUIRE_INTEGRATION=1).
func lookShell(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SWITCHER_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("%s is required (SWITCHER_REQUIRE_INTEGRATION=1) but not installed: %v", name, err)
		}
		t.Skipf("%s not installed (apt-get install -y zsh fish); skipping its evaluation test", name)
	}
	return path
}

// evalInShell writes out to ./exports in a fresh directory, runs the shell
// on it with env, and returns the environment the shell ended with. It
// fails the test when the shell wrote to stderr, failed, or when any file
// other than its own appeared (a command ran).
func evalInShell(t *testing.T, sc shellCase, out []byte, env map[string]string) map[string]string {
	t.Helper()
	path := lookShell(t, sc.shell)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "exports"), out, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), path, "-c", sc.script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr: %s", sc.shell, err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("%s wrote to stderr: %s", sc.shell, stderr.String())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case "exports", "env.out", ".config", ".local", ".cache":
		default:
			t.Errorf("%s: unexpected file %q: a quoted value ran as a command", sc.shell, e.Name())
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "env.out"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range strings.Split(string(raw), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			got[k] = v
		}
	}
	return got
}

// awsVars keeps only the variables switcher manages.
func awsVars(env map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		if strings.HasPrefix(k, "AWS_") || k == EnvSwitcherProfile {
			out[k] = v
		}
	}
	return out
}

// staleEnv is what a shell holds before switching: an old profile and keys.
func staleEnv() map[string]string {
	return map[string]string{
		EnvProfile:              "old",
		EnvDefaultProfile:       "old",
		EnvSecurityToken:        "old-token",
		EnvSessionToken:         "old-token",
		EnvCredentialExpiration: "2000-01-01T00:00:00Z",
		EnvRegion:               "us-old-1",
		EnvDefaultRegion:        "us-old-1",
		EnvAccessKeyID:          "AKIAOLD",
		EnvSecretAccessKey:      "old-secret",
		EnvSwitcherProfile:      "old",
	}
}

func TestExportEvaluatedInRealShells(t *testing.T) {
	exp := time.Date(2026, 11, 22, 13, 4, 5, 0, time.UTC)
	sessions := []struct {
		name string
		s    *Session
		want map[string]string
	}{
		{
			name: "hostile",
			s: &Session{
				Profile:     "p" + hostile,
				Region:      "r" + hostile,
				Credentials: Credentials{AccessKeyID: "k" + hostile, SecretAccessKey: "s" + hostile, SessionToken: "t" + hostile, Expiration: exp},
			},
			want: map[string]string{
				EnvAccessKeyID:          "k" + hostile,
				EnvSecretAccessKey:      "s" + hostile,
				EnvSessionToken:         "t" + hostile,
				EnvCredentialExpiration: "2026-11-22T13:04:05Z",
				EnvRegion:               "r" + hostile,
				EnvDefaultRegion:        "r" + hostile,
				EnvSwitcherProfile:      "p" + hostile,
			},
		},
		{
			name: "quotes only",
			s: &Session{
				Profile:     `'`,
				Region:      `''\'`,
				Credentials: Credentials{AccessKeyID: `\`, SecretAccessKey: `'\''`, SessionToken: "\n"},
			},
			want: map[string]string{
				EnvAccessKeyID:     `\`,
				EnvSecretAccessKey: `'\''`,
				EnvSessionToken:    "\n",
				EnvRegion:          `''\'`,
				EnvDefaultRegion:   `''\'`,
				EnvSwitcherProfile: `'`,
			},
		},
		{
			name: "invalid utf-8",
			s: &Session{
				Profile:     "a\xff\xfeb",
				Region:      "\xc3(",
				Credentials: Credentials{AccessKeyID: "\x80", SecretAccessKey: "'\xff'"},
			},
			want: map[string]string{
				EnvAccessKeyID:     "\x80",
				EnvSecretAccessKey: "'\xff'",
				EnvRegion:          "\xc3(",
				EnvDefaultRegion:   "\xc3(",
				EnvSwitcherProfile: "a\xff\xfeb",
			},
		},
		{
			name: "static keys keep the shell's region",
			s:    &Session{Profile: "ci", Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret}},
			want: map[string]string{
				EnvAccessKeyID:     fakeKeyID,
				EnvSecretAccessKey: fakeSecret,
				EnvRegion:          "us-old-1",
				EnvDefaultRegion:   "us-old-1",
				EnvSwitcherProfile: "ci",
			},
		},
	}
	for _, sc := range realShells() {
		for _, tt := range sessions {
			t.Run(sc.shell+"/"+tt.name, func(t *testing.T) {
				var b bytes.Buffer
				if err := WriteExports(&b, sc.format, tt.s); err != nil {
					t.Fatal(err)
				}
				got := awsVars(evalInShell(t, sc, b.Bytes(), staleEnv()))
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("environment after eval (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestUnsetEvaluatedInRealShells(t *testing.T) {
	// The scripts run `source; and env` / `eval && env`: a statement that
	// fails (fish's set -e of an unset variable returns 4) leaves no env.out.
	for _, sc := range realShells() {
		for _, stale := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/stale=%t", sc.shell, stale), func(t *testing.T) {
				var b bytes.Buffer
				if err := WriteUnset(&b, sc.format); err != nil {
					t.Fatal(err)
				}
				env := map[string]string{}
				if stale {
					env = staleEnv()
				}
				env["AWS_CONFIG_FILE"] = "/kept" // not ours: must survive
				got := awsVars(evalInShell(t, sc, b.Bytes(), env))
				if diff := cmp.Diff(map[string]string{"AWS_CONFIG_FILE": "/kept"}, got); diff != "" {
					t.Errorf("environment after unset (-want +got):\n%s", diff)
				}
			})
		}
	}
}

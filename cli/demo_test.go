package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmux drives a real terminal: one tmux server on a private socket.
type tmux struct {
	t      *testing.T
	socket string
}

func (x tmux) run(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", x.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (x tmux) screen() string { return x.run("capture-pane", "-p", "-t", "demo") }

// waitScreen polls the screen until it matches, and returns it.
func (x tmux) waitScreen(what string, ok func(string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := x.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("waiting for %s; the screen is:\n%s", what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (x tmux) waitFor(text string) string {
	x.t.Helper()
	return x.waitScreen(fmt.Sprintf("%q", text), func(s string) bool { return strings.Contains(s, text) })
}

// keys types literal text; named keys (Enter) go through send.
func (x tmux) keys(text string) { x.t.Helper(); x.run("send-keys", "-t", "demo", "-l", text) }
func (x tmux) send(key string)  { x.t.Helper(); x.run("send-keys", "-t", "demo", key) }

// TestDemoInTmux runs the built binary's `switcher demo` in a real
// terminal: filter, pick the MFA role, type the code shown on screen, watch
// the countdown move, press e, and check what reached stdout.
func TestDemoInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("SWITCHER_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("tmux is required (SWITCHER_REQUIRE_INTEGRATION=1) but not installed")
		}
		t.Skip("tmux not installed; set SWITCHER_REQUIRE_INTEGRATION=1 to make this a failure")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "switcher")
	build := exec.Command("go", "build", "-o", bin, "..") // the main package, at the module root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	stdout, stderr, rc := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr"), filepath.Join(dir, "rc")
	x := tmux{t: t, socket: fmt.Sprintf("switcher-test-%d", os.Getpid())}
	script := fmt.Sprintf("env -i PATH=/usr/bin:/bin HOME=%q TERM=xterm-256color SHELL=/bin/bash USER=alice %q demo >%q 2>%q; echo $? >%q; sleep 60",
		dir, bin, stdout, stderr, rc)
	x.run("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", x.socket, "kill-server").Run() })

	x.waitFor("pick a profile")
	x.keys("prod")
	x.waitFor("1/8")
	x.send("Enter")
	screen := x.waitFor("MFA code for prod-admin")
	code := regexp.MustCompile(`MFA code for prod-admin: (\d{6})`).FindStringSubmatch(screen)
	if code == nil {
		t.Fatalf("no MFA code on the demo's top line:\n%s", screen)
	}
	x.keys(code[1])
	x.waitFor("••••••")
	x.send("Enter")
	first := x.waitFor("Identity")
	for _, want := range []string{"arn:aws:sts::555555555555:assumed-role/admin/", "GetSessionToken", "AssumeRole", "MFA       session"} {
		if !strings.Contains(first, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, first)
		}
	}
	left := regexp.MustCompile(`Expires .* UTC  (\S+)`)
	before := left.FindStringSubmatch(first)
	if before == nil {
		t.Fatalf("no countdown on the dashboard:\n%s", first)
	}
	x.waitScreen("the countdown to move", func(s string) bool {
		m := left.FindStringSubmatch(s)
		return m != nil && m[1] != before[1]
	})
	x.send("e")
	deadline := time.Now().Add(10 * time.Second)
	var rcData []byte
	for {
		var err error
		if rcData, err = os.ReadFile(rc); err == nil && len(rcData) > 0 {
			break
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("switcher demo did not exit after e; screen:\n%s", x.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := strings.TrimSpace(string(rcData)); got != "0" {
		errOut, _ := os.ReadFile(stderr)
		t.Fatalf("exit %s; stderr:\n%s", got, errOut)
	}
	out, err := os.ReadFile(stdout)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export AWS_ACCESS_KEY_ID='ASIA", "export AWS_SESSION_TOKEN='", "export SWITCHER_PROFILE='prod-admin'", "export AWS_REGION='eu-central-1'"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(string(out), '\x1b') || strings.Contains(string(out), "pick a profile") {
		t.Errorf("the TUI leaked onto stdout:\n%q", out)
	}
}

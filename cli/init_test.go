package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInitGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "bash", args: []string{"init", "bash"}},
		{name: "zsh", args: []string{"init", "zsh"}},
		{name: "fish", args: []string{"init", "fish"}},
		{name: "powershell", args: []string{"init", "powershell"}},
		{name: "bash-named", args: []string{"init", "bash", "--name", "aws-use"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runSwitcher(t, nil, tt.args...)
			r.wantCode(t, exitOK)
			if r.stderr != "" {
				t.Errorf("stderr = %q, want nothing", r.stderr)
			}
			checkGolden(t, filepath.Join("testdata", "init", tt.name+".golden"), r.stdout)
		})
	}
}

func TestInitUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{name: "no shell", args: []string{"init"}, wantStderr: "init needs one of bash, zsh, fish, powershell"},
		{name: "unknown shell", args: []string{"init", "tcsh"}, wantStderr: `unknown shell "tcsh"`},
		{name: "name with a space", args: []string{"init", "bash", "--name", "s w"}, wantStderr: `--name "s w"`},
		{name: "name with a quote", args: []string{"init", "bash", "--name", "sw'"}, wantStderr: `--name "sw'"`},
		{name: "name starting with a dash", args: []string{"init", "bash", "--name=-x"}, wantStderr: `--name "-x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runSwitcher(t, nil, tt.args...)
			r.wantCode(t, exitUsage)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
}

// fakeSwitcher is a `switcher` for PATH that records its arguments and
// $SHELL in the statements it prints (fish syntax when asked for fish,
// ending with a removal that fails in fish as the real exports' can),
// and fails when an argument is "fail" after printing statements that must
// not be evaluated.
const fakeSwitcher = `#!/bin/sh
case " $* " in *" fail "*) echo "SW_ARGS=partial; set SW_ARGS partial"; exit 3 ;; esac
case " $* $SHELL " in
  *" fish "*) echo "set -gx SW_ARGS '$*'; set -gx SW_SHELL '$SHELL'; set -e SW_NOT_SET" ;;
  *) echo "export SW_ARGS='$*' SW_SHELL='$SHELL'; unset SW_NOT_SET" ;;
esac
`

// TestInitInRealShells loads the function into bash, zsh and fish and
// checks what each use runs and that a failing switcher changes nothing.
func TestInitInRealShells(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "switcher"), []byte(fakeSwitcher), 0o755); err != nil {
		t.Fatal(err)
	}
	type use struct{ call, want string }
	uses := []use{
		{call: "sw prod", want: "export --format sh prod|/bin/false|0"},
		{call: "sw prod --duration 2h", want: "export --format sh prod --duration 2h|/bin/false|0"},
		{call: "sw -u", want: "export --unset --format sh|/bin/false|0"},
		{call: "sw", want: "|sh|0"},
		{call: "sw fail", want: "unchanged||3"},
	}
	fishUses := []use{
		{call: "sw prod", want: "export --format fish prod|/bin/false|0"},
		{call: "sw prod --duration 2h", want: "export --format fish prod --duration 2h|/bin/false|0"},
		{call: "sw -u", want: "export --unset --format fish|/bin/false|0"},
		{call: "sw", want: "|fish|0"},
		{call: "sw fail", want: "unchanged||3"},
	}
	tests := []struct {
		shell string
		load  string // how the init output is loaded
		set   string // initial state
		st    string // saves the status of the call in $st
		print string
		uses  []use
	}{
		{shell: "bash", load: `eval "$(cat "$1")"`, set: "SW_ARGS=unchanged; SW_SHELL=", st: "st=$?", print: `echo "$SW_ARGS|$SW_SHELL|$st"`, uses: uses},
		{shell: "zsh", load: `eval "$(cat "$1")"`, set: "SW_ARGS=unchanged; SW_SHELL=", st: "st=$?", print: `echo "$SW_ARGS|$SW_SHELL|$st"`, uses: uses},
		{shell: "fish", load: `source $argv[1]`, set: "set -g SW_ARGS unchanged; set -g SW_SHELL ''", st: "set st $status", print: `echo "$SW_ARGS|$SW_SHELL|$st"`, uses: fishUses},
	}
	for _, tt := range tests {
		shellPath, err := exec.LookPath(tt.shell)
		if err != nil {
			t.Run(tt.shell, func(t *testing.T) { t.Skipf("%s is not installed", tt.shell) })
			continue
		}
		initShell := tt.shell
		script := filepath.Join(t.TempDir(), "init")
		r := runSwitcher(t, nil, "init", initShell)
		r.wantCode(t, exitOK)
		if err := os.WriteFile(script, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, u := range tt.uses {
			t.Run(tt.shell+"/"+u.call, func(t *testing.T) {
				code := tt.load + "\n" + tt.set + "\n" + u.call + "; " + tt.st + "\n" + tt.print
				cmd := exec.Command(shellPath, "-c", code, "sh", script)
				if tt.shell == "fish" {
					cmd = exec.Command(shellPath, "--no-config", "-c", code, script)
				}
				cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + "/usr/bin:/bin", "HOME=" + t.TempDir(), "SHELL=/bin/false"}
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s: %v\n%s", tt.shell, err, out)
				}
				if diff := cmp.Diff(u.want, strings.TrimSpace(string(out))); diff != "" {
					t.Errorf("after %q (-want +got):\n%s", u.call, diff)
				}
			})
		}
	}
}

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCompletionInRealShells loads `switcher completion bash|fish` into the
// real shells and asks them to complete a profile name: the names come
// from the user's config through cobra's dynamic completion.
func TestCompletionInRealShells(t *testing.T) {
	s := need(t)
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	config := "[profile prod]\nrole_arn = arn:aws:iam::111111111111:role/p\nsource_profile = dev\n" +
		"[profile prod-readonly]\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = dev\n" +
		"[profile dev]\nregion = eu-west-1\n"
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"HOME=" + home,
		"PATH=" + filepath.Dir(s.bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
	}
	tests := []struct {
		name   string
		shell  string
		script string
	}{
		// cobra's bash script builds on the bash-completion package, as
		// every interactive bash setup that completes commands does.
		{"switcher", "bash", `source /usr/share/bash-completion/bash_completion
source <(switcher completion bash)
COMP_WORDS=(switcher plan pro); COMP_CWORD=2; COMP_LINE="switcher plan pro"; COMP_POINT=${#COMP_LINE}
__start_switcher switcher pro plan
printf '%s\n' "${COMPREPLY[@]}"`},
		{"switcher", "fish", `switcher completion fish | source
complete -C 'switcher plan pro'`},
		// The sw function of switcher init completes profile names too.
		{"sw", "bash", `eval "$(switcher init bash)"
COMP_WORDS=(sw pro); COMP_CWORD=1
_sw_complete
printf '%s\n' "${COMPREPLY[@]}"`},
		{"sw", "fish", `switcher init fish | source
complete -C 'sw pro'`},
		// zsh: the completer is registered with compinit's compdef (its
		// compadd runs only inside a completion widget), and what it asks
		// switcher gives the names.
		{"sw", "zsh", `autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump"
eval "$(switcher init zsh)"
[ "$_comps[sw]" = _sw_complete ] || { echo "sw has no completer: $_comps[sw]" >&2; exit 1; }
command switcher __complete export pro 2>/dev/null | sed -e '/^:/d' -e 's/	.*//'`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" in "+tt.shell, func(t *testing.T) {
			sh := lookShellOrSkip(t, tt.shell)
			cmd := exec.Command(sh, "-c", tt.script)
			cmd.Env = env
			cmd.Dir = home
			// stdout holds the candidates; bash's compopt complains on
			// stderr when called outside a real completion, which is fine.
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s%s", tt.shell, err, out, stderr.String())
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				l, _, _ = strings.Cut(l, "\t") // fish: name<TAB>description
				if l = strings.TrimSpace(l); l != "" {
					got = append(got, l)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff([]string{"prod", "prod-readonly"}, got); diff != "" {
				t.Errorf("%s completes %s's profile pro to (-want +got):\n%s", tt.shell, tt.name, diff)
			}
		})
	}
}

// lookShellOrSkip finds a shell, skipping (failing under CI) when absent.
func lookShellOrSkip(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s is not installed and %s=1", name, requireEnv)
		}
		t.Skipf("%s is not installed (apt-get install -y %s)", name, name)
	}
	return p
}

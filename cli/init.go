package cli

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// initShells are the shells `switcher init` writes a function for.
const initShells = "bash, zsh, fish, powershell"

// functionName is what --name accepts: a word every supported shell can
// use as a function name without quoting.
var functionName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`) })

// InitOptions are init's arguments and flags.
type InitOptions struct {
	IO    IOStreams
	Shell string
	Name  string
}

// NewCmdInit is `switcher init SHELL [--name sw]`.
func NewCmdInit(f *Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "init bash|zsh|fish|powershell",
		Short: "Print a shell function that switches the current shell in one word",
		Long: `Print a shell function (named sw unless --name says otherwise) to load from
your shell's start-up file:

  sw PROFILE   put PROFILE's credentials in this shell (evaluates switcher export)
  sw           open the picker and switch to the profile chosen there
  sw -u        remove the credentials from this shell

Other arguments go to switcher export, e.g. sw prod --duration 2h.`,
		Example: `  # ~/.bashrc or ~/.zshrc
  eval "$(switcher init bash)"   # or zsh
  # ~/.config/fish/config.fish
  switcher init fish | source
  # PowerShell $PROFILE
  switcher init powershell | Out-String | Invoke-Expression`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: strings.Split(initShells, ", "),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Shell = args[0]
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "sw", "name of the shell function")
	return cmd
}

func initRun(opts *InitOptions) error {
	if !functionName().MatchString(opts.Name) {
		return usagef("--name %q: want a word of letters, digits, _ and - that does not start with a digit or -", opts.Name)
	}
	return writeInit(opts.IO.Out, opts.Shell, opts.Name)
}

// writeInit writes the function for shell.
func writeInit(w io.Writer, shell, name string) error {
	var script string
	switch shell {
	case "bash", "zsh":
		script = initSh
	case "fish":
		script = initFish
	case "powershell", "pwsh":
		script = initPowerShell
	default:
		return usagef("unknown shell %q: want one of %s", shell, initShells)
	}
	_, err := io.WriteString(w, strings.ReplaceAll(script, "__NAME__", name))
	if err != nil {
		return fmt.Errorf("write the %s function: %w", shell, err)
	}
	return nil
}

// The scripts run `switcher` from PATH (so an upgrade needs no new init),
// evaluate its stdout only when it exits 0, and pass every other argument
// to `switcher export`. The picker is drawn on /dev/tty, so its stdout (the
// exports) can be captured.

const initSh = `# switcher shell integration (bash, zsh): eval "$(switcher init bash)"
#   __NAME__ PROFILE   switch this shell to PROFILE (switcher export PROFILE)
#   __NAME__           pick a profile, then switch to it
#   __NAME__ -u        remove the AWS credentials from this shell
__NAME__() {
  local __switcher_out
  case "${1-}" in
    -u|--unset) __switcher_out="$(command switcher export --unset --format sh)" ;;
    '') __switcher_out="$(SHELL=sh command switcher)" ;;
    *) __switcher_out="$(command switcher export --format sh "$@")" ;;
  esac || return
  eval "$__switcher_out"
}
# __NAME__ completes profile names as switcher export does (zsh: after compinit).
if [ -n "${BASH_VERSION-}" ]; then
  ___NAME___complete() {
    local IFS=$'\n'
    COMPREPLY=($(command switcher __complete export "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null | command sed -e '/^:/d' -e 's/	.*//'))
  }
  complete -o default -F ___NAME___complete __NAME__
elif [ -n "${ZSH_VERSION-}" ]; then
  ___NAME___complete() {
    local -a __switcher_c
    __switcher_c=("${(@f)$(command switcher __complete export "${(@)words[2,CURRENT]}" 2>/dev/null | command sed -e '/^:/d' -e 's/	.*//')}")
    compadd -a __switcher_c
  }
  (( $+functions[compdef] )) && compdef ___NAME___complete __NAME__
fi
`

const initFish = `# switcher shell integration (fish): switcher init fish | source
#   __NAME__ PROFILE   switch this shell to PROFILE (switcher export PROFILE)
#   __NAME__           pick a profile, then switch to it
#   __NAME__ -u        remove the AWS credentials from this shell
function __NAME__ --description 'switch this shell to an AWS profile with switcher'
    set -l __switcher_out
    switch "$argv[1]"
        case -u --unset
            set __switcher_out (command switcher export --unset --format fish)
        case ''
            set __switcher_out (SHELL=fish command switcher)
        case '*'
            set __switcher_out (command switcher export --format fish $argv)
    end
    or return
    string join \n -- $__switcher_out | source
    return 0 # set -e of an unset variable leaves a status of 4
end
# __NAME__ completes profile names as switcher export does.
function ___NAME___complete
    set -l words (commandline -opc)
    set -e words[1]
    command switcher __complete export $words (commandline -ct) 2>/dev/null | string match -rv '^:' | string replace -r '\t.*' ''
end
complete -c __NAME__ -f -a '(___NAME___complete)'
`

const initPowerShell = `# switcher shell integration (PowerShell): switcher init powershell | Out-String | Invoke-Expression
#   __NAME__ PROFILE   switch this shell to PROFILE (switcher export PROFILE)
#   __NAME__           pick a profile, then switch to it
#   __NAME__ -u        remove the AWS credentials from this shell
function __NAME__ {
    $switcher = Get-Command -Name switcher -CommandType Application -ErrorAction Stop | Select-Object -First 1
    if ($args.Count -eq 0) {
        $previous = $env:SHELL
        $env:SHELL = 'pwsh'
        try { $out = & $switcher } finally { $env:SHELL = $previous }
    } elseif ($args[0] -eq '-u' -or $args[0] -eq '--unset') {
        $out = & $switcher export --unset --format powershell
    } else {
        $out = & $switcher export --format powershell @args
    }
    if ($LASTEXITCODE -ne 0) { return }
    Invoke-Expression ($out -join [Environment]::NewLine)
}
`

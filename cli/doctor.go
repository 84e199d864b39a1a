package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/profiles"
)

// DoctorOptions are doctor's flags and effects.
type DoctorOptions struct {
	IO     IOStreams
	JSON   bool
	Config func() (*profiles.Config, error)
}

// NewCmdDoctor is `switcher doctor`.
func NewCmdDoctor(f *Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{IO: f.IO, Config: f.LoadConfig}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Lint the config and credentials files: every problem with file:line and a fix",
		Long: `Check both files the way the AWS CLI and STS will: source_profile cycles and
missing sources, source_profile together with credential_source, unknown
credential_source values, role_arn with no source, durations, session names,
external ids, ARNs and tags outside STS's rules, chained roles asking for more
than 1 hour, role profiles shadowed by keys in the credentials file, differing
mfa_serial along a chain, config sections the AWS CLI ignores, duplicate
sections and keys. Exits 1 when it finds an error, 0 for warnings only.`,
		Example: "  switcher doctor\n  switcher doctor --json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return doctorRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the findings as JSON")
	return cmd
}

func doctorRun(opts *DoctorOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	fs := cfg.Doctor()
	if opts.JSON {
		err = writeDataJSON(opts.IO.Out, newDoctorOutput(fs))
	} else {
		err = writeDoctorText(opts.IO.Out, cfg, fs)
	}
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Severity == profiles.SeverityError {
			return &exitError{exitFailure}
		}
	}
	return nil
}

type doctorOutput struct {
	Errors   int             `json:"errors"`
	Warnings int             `json:"warnings"`
	Findings []findingOutput `json:"findings"`
}

func newDoctorOutput(fs []profiles.Finding) doctorOutput {
	o := doctorOutput{Findings: findingsOutput(fs)}
	o.Errors, o.Warnings = countFindings(fs)
	return o
}

func countFindings(fs []profiles.Finding) (errs, warns int) {
	for _, f := range fs {
		if f.Severity == profiles.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

// writeDoctorText groups findings by file:line, in file order, then prints a
// summary line.
func writeDoctorText(w io.Writer, cfg *profiles.Config, fs []profiles.Finding) error {
	var b strings.Builder
	for i := 0; i < len(fs); {
		pos := fs[i].Pos
		fmt.Fprintf(&b, "%s\n", pos)
		for ; i < len(fs) && fs[i].Pos == pos; i++ {
			f := fs[i]
			who := ""
			if f.Profile != "" {
				who = "profile " + f.Profile + ": "
			}
			fmt.Fprintf(&b, "  %s: %s%s\n", f.Severity, who, f.Message)
			if f.Fix != "" {
				fmt.Fprintf(&b, "    fix: %s\n", f.Fix)
			}
		}
	}
	errs, warns := countFindings(fs)
	files := cfg.ConfigFile + " and " + cfg.CredentialsFile
	if len(fs) == 0 {
		fmt.Fprintf(&b, "no problems found in %s (%d profiles)\n", files, len(cfg.Profiles()))
	} else {
		fmt.Fprintf(&b, "\n%s, %s in %s\n", countWord(errs, "error", "errors"), countWord(warns, "warning", "warnings"), files)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func countWord(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// CleanOptions are clean's flags and effects.
type CleanOptions struct {
	IO    IOStreams
	All   bool
	Store func() (*creds.Store, error)
	// Targets are the files whose interrupted writes may have left
	// temporary copies next to them: the credentials and config files.
	Targets func() ([]string, error)
}

// NewCmdClean is `switcher clean [--all]`.
func NewCmdClean(f *Factory, runF func(*CleanOptions) error) *cobra.Command {
	opts := &CleanOptions{IO: f.IO, Store: f.Store, Targets: func() ([]string, error) {
		cfg, cred, err := f.paths()
		return []string{cred, cfg}, err
	}}
	cmd := &cobra.Command{
		Use:   "clean [--all]",
		Short: "Remove expired sessions from the cache (all of them with --all)",
		Long: `Remove the cached sessions and MFA sessions that have expired, files in the
cache directory that switcher did not write, and the temporary copies that
interrupted writes left in the cache directory and next to the credentials
and config files (they can hold long-term keys), from switcher's cache
directory ($XDG_CACHE_HOME or ~/.cache/switcher on Linux,
~/Library/Caches/switcher on macOS, %LocalAppData%\switcher on Windows).
With --all, remove every entry (and the config and list indexes): the next
use of an MFA profile asks for a code again.`,
		Example: `  switcher clean
  switcher clean --all`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return cleanRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "remove every cached session, expired or not")
	return cmd
}

func cleanRun(opts *CleanOptions) error {
	st, err := opts.Store()
	if err != nil {
		return err
	}
	rep, err := st.Clean(opts.All)
	if err != nil {
		return err
	}
	targets, err := opts.Targets()
	if err != nil {
		return err
	}
	for _, t := range targets {
		temps, err := creds.CleanTemps(t)
		if err != nil {
			return fmt.Errorf("clean: temporary files next to %s: %w", t, err)
		}
		rep.Temps = append(rep.Temps, temps...)
	}
	what := "expired "
	if opts.All {
		what = ""
	}
	var indexes string
	if rep.Indexes > 0 {
		indexes = fmt.Sprintf(" and %d index %s", rep.Indexes, plural(rep.Indexes, "file", "files"))
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher: removed %d %scache %s%s from %s\n", rep.Entries, what, plural(rep.Entries, "entry", "entries"), indexes, st.Dir)
	if n := len(rep.Untrusted); n > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "switcher: removed %d %s that switcher did not write (symlinks, other owners or open modes): %s\n",
			n, plural(n, "file", "files"), strings.Join(rep.Untrusted, ", "))
	}
	if n := len(rep.Temps); n > 0 {
		var size int64
		paths := make([]string, n)
		for i, t := range rep.Temps {
			size += t.Size
			paths[i] = t.Path
		}
		fmt.Fprintf(opts.IO.ErrOut, "switcher: removed %d temporary %s (%d bytes) left by interrupted writes: %s\n",
			n, plural(n, "file", "files"), size, strings.Join(paths, ", "))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

func (a *app) cleanCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "clean [--all]",
		Short: "Remove expired sessions from the cache (all of them with --all)",
		Long: `Remove the cached sessions and MFA sessions that have expired (and leftovers
of interrupted writes) from switcher's cache directory ($XDG_CACHE_HOME or
~/.cache/switcher on Linux, ~/Library/Caches/switcher on macOS,
%LocalAppData%\switcher on Windows). With --all, remove every entry (and the
config and list indexes): the next use of an MFA profile asks for a code again.`,
		Example: `  switcher clean
  switcher clean --all`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			dir, err := a.cacheDir()
			if err != nil {
				return err
			}
			cache := &creds.Cache{Dir: dir, Now: a.now}
			now := a.now()
			n, err := cache.Clean(all, func(raw []byte) bool { return entryExpired(raw, now) })
			if err != nil {
				return err
			}
			what := "expired "
			if all {
				what = ""
			}
			var indexes string
			if all { // the config and list indexes too (fastpath_config.go)
				idx, _ := filepath.Glob(filepath.Join(dir, "*.idx"))
				for _, p := range idx {
					if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("cache: clean: %w", err)
					}
				}
				if len(idx) > 0 {
					indexes = fmt.Sprintf(" and %d index %s", len(idx), plural(len(idx), "file", "files"))
				}
			}
			fmt.Fprintf(a.stderr, "switcher: removed %d %scache %s%s from %s\n", n, what, plural(n, "entry", "entries"), indexes, dir)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every cached session, expired or not")
	return cmd
}

// entryExpired reads the expiry of a cache entry: a session (Expiration
// at the top, as creds.Session stores it), an MFA session (under
// Credentials) or a used-code record (Expiration). An entry with neither
// does not expire.
func entryExpired(raw []byte, now time.Time) bool {
	var e struct {
		Expiration  time.Time
		Credentials struct{ Expiration time.Time }
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return false // Cache.Clean drops corrupt entries itself
	}
	exp := e.Expiration
	if exp.IsZero() {
		exp = e.Credentials.Expiration
	}
	return !exp.IsZero() && !exp.After(now)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/profiles"
)

func (a *app) listCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List profiles: account, role, region, MFA and source chain (role profiles first)",
		Long: `List every profile of the config and credentials files: role profiles first,
then the others, each group in file order. Columns: name, account, role,
region, MFA mode (session: one code on the source then every role; direct: the
code goes on AssumeRole), and the chain from the profile to its credentials.`,
		Example: "  switcher list\n  switcher list --json | jq -r '.[].name'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			defer a.listGC()()               // no garbage collection while listing: fastpath_list.go
			rows, err := a.listRowsIndexed() // loadConfig, listRows, addCachedLeft through the rows index: fastpath_list.go
			if err != nil {
				return err
			}
			if asJSON {
				return writeListJSON(a.stdout, rows) // fastpath_list.go
			}
			return writeListTable(a.stdout, rows)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

// listRow is one profile as `list --json` prints it.
type listRow struct {
	Name          string   `json:"name"`
	RoleARN       string   `json:"role_arn"`
	Account       string   `json:"account"`
	Role          string   `json:"role"`
	SourceProfile string   `json:"source_profile"`
	Chain         []string `json:"chain"`
	Region        string   `json:"region"`
	MFASerial     string   `json:"mfa_serial"`
	MFA           string   `json:"mfa"`
	Source        string   `json:"source"`
	Pos           string   `json:"pos"`
	// CachedLeftSeconds is the time left on a cached session; 0 when none.
	CachedLeftSeconds int    `json:"cached_left_seconds"`
	Error             string `json:"error,omitempty"`

	short string // the error without position and fix, for the table
}

// shortError is the problem alone, for a table cell: `switcher doctor` or
// `switcher plan` give the position and the fix.
func shortError(err error) string {
	var (
		ce  *profiles.ConfigError
		cyc *profiles.CycleError
	)
	switch {
	case errors.As(err, &ce):
		return ce.Msg
	case errors.As(err, &cyc):
		return "source_profile cycle: " + strings.Join(cyc.Names, " -> ")
	}
	return err.Error()
}

// listRows resolves every profile: role profiles first, then the others,
// each group in file order. A large config is split between the CPUs
// (a Config is safe for concurrent reads).
func listRows(cfg *profiles.Config) []listRow {
	return listRowsSplit(cfg, min(runtime.GOMAXPROCS(0), 4))
}

// listRowsSplit is listRows with at most maxWorkers goroutines, each given
// at least 2,000 rows.
func listRowsSplit(cfg *profiles.Config, maxWorkers int) []listRow {
	all := cfg.Profiles()
	order := make([]*profiles.Profile, 0, len(all))
	for _, roles := range []bool{true, false} {
		for _, p := range all {
			if p.IsRole() == roles {
				order = append(order, p)
			}
		}
	}
	rows := make([]listRow, len(order))
	fill := func(from, to int) {
		for i := from; i < to; i++ {
			rows[i] = listRowFor(cfg, order[i])
		}
	}
	const perWorker = 2000
	workers := min(maxWorkers, len(rows)/perWorker)
	if workers < 2 {
		fill(0, len(rows))
		return rows
	}
	var wg sync.WaitGroup
	chunk := (len(rows) + workers - 1) / workers
	for from := chunk; from < len(rows); from += chunk {
		wg.Go(func() { fill(from, min(from+chunk, len(rows))) })
	}
	fill(0, chunk)
	wg.Wait()
	return rows
}

func listRowFor(cfg *profiles.Config, p *profiles.Profile) listRow {
	r := listRow{
		Name:          p.Name,
		RoleARN:       p.Value(profiles.KeyRoleARN),
		SourceProfile: p.Value(profiles.KeySourceProfile),
		Region:        p.Value(profiles.KeyRegion),
		MFASerial:     p.Value(profiles.KeyMFASerial),
		Chain:         []string{p.Name},
		MFA:           profiles.MFANone.String(),
		Pos:           p.Pos.String(),
	}
	if r.RoleARN != "" {
		r.Account = profiles.AccountFromARN(r.RoleARN)
		r.Role = profiles.RoleNameFromARN(r.RoleARN)
	} else if id := p.Value(profiles.KeySSOAccountID); id != "" {
		r.Account, r.Role = id, p.Value(profiles.KeySSORoleName)
	}
	if !p.HasCredentialSettings() {
		r.Source = "none"
		return r
	}
	sum, err := cfg.Summarize(p.Name) // what Plan says of the chain and MFA, without the steps
	if err != nil {
		r.Error = err.Error()
		r.short = shortError(err)
		return r
	}
	r.Chain = sum.Names
	r.Source = sum.Source.String()
	if sum.Region != "" {
		r.Region = sum.Region
	}
	r.MFA = sum.MFA.String()
	if r.MFASerial == "" {
		r.MFASerial = sum.MFASerial
	}
	return r
}

func writeListTable(w io.Writer, rows []listRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tACCOUNT\tROLE\tREGION\tMFA\tLEFT\tCHAIN")
	for _, r := range rows {
		chain := strings.Join(r.Chain, " <- ")
		switch {
		case r.Error != "":
			chain = "error: " + r.short + " (switcher doctor)"
		case r.Source == "none":
			chain += " (no credentials)"
		default:
			chain += " (" + r.Source + ")"
		}
		mfa := r.MFA
		if mfa == profiles.MFANone.String() {
			mfa = ""
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, orDash(r.Account), orDash(r.Role), orDash(r.Region), orDash(mfa),
			listLeft(r.CachedLeftSeconds), chain)
	}
	return tw.Flush()
}

// addCachedLeft fills the time left on cached sessions (no STS call, no
// lock). Without a usable cache (--no-cache, no cache dir) it leaves zeros.
func (a *app) addCachedLeft(rows []listRow, cfg *profiles.Config) {
	if a.noCache {
		return
	}
	e, err := a.engine(cfg)
	if err != nil {
		a.debugf("list: no cached times: %v", err)
		return
	}
	for i := range rows {
		if rows[i].Error != "" || rows[i].Source == "none" {
			continue
		}
		if left, ok := e.CachedTimeLeft(rows[i].Name); ok {
			rows[i].CachedLeftSeconds = int(left.Seconds())
		}
	}
}

// listLeft formats seconds left as 1h02m, 42m or 30s; "-" for none.
func listLeft(secs int) string {
	switch {
	case secs <= 0:
		return "-"
	case secs >= 3600:
		return fmt.Sprintf("%dh%02dm", secs/3600, secs%3600/60)
	case secs >= 60:
		return fmt.Sprintf("%dm", secs/60)
	}
	return fmt.Sprintf("%ds", secs)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeDataJSON prints v as indented JSON with a final newline.
func writeDataJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

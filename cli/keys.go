package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// NewCmdKeys is `switcher keys`: long-term keys in the OS keyring.
func NewCmdKeys(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys add|list|remove|import|rotate",
		Short: "Keep long-term access keys in the OS keyring instead of ~/.aws/credentials",
		Long: `Keep IAM users' long-term access keys in the OS keyring (the Secret Service on
Linux, the macOS keychain, the Windows Credential Manager) or in a
passphrase-encrypted file, instead of in plain text in ~/.aws/credentials.
A profile whose keys are in the keyring works like one with static keys:
roles assume from it, and a profile with no role hands out a GetSessionToken
session, never the keys (--no-session is the opt-out).

The store for new keys is --keyring-backend, else $SWITCHER_KEYRING_BACKEND,
else the system's own (the file keyring where there is none, e.g. Linux over
ssh). The file keyring's passphrase comes from $SWITCHER_KEYRING_PASSPHRASE,
else the terminal.`,
		Args: cobra.NoArgs, // an argument is a mistyped subcommand (argsError)
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("keys needs a subcommand: add, list, remove, import or rotate")
		},
	}
	cmd.AddCommand(NewCmdKeysAdd(f, nil), NewCmdKeysList(f, nil), NewCmdKeysRemove(f, nil), NewCmdKeysImport(f, nil), NewCmdKeysRotate(f, nil))
	return cmd
}

// keyringFlag is the --keyring-backend flag of the commands that store keys.
func keyringFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "keyring-backend", "", "where new keys go: "+strings.Join(creds.KeyringBackends(), ", ")+" (default $SWITCHER_KEYRING_BACKEND, else the system's own)")
	_ = cmd.RegisterFlagCompletionFunc("keyring-backend", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return creds.KeyringBackends(), cobra.ShellCompDirectiveNoFileComp
	})
}

// chooseBackend is the store for new keys: the flag, the environment, else
// the system's own store when it can work here, else the file keyring
// (note says so: keys never go to plain text).
func chooseBackend(flag string, getenv func(string) string, goos string) (backend, note string) {
	switch {
	case flag != "":
		return flag, ""
	case getenv("SWITCHER_KEYRING_BACKEND") != "":
		return getenv("SWITCHER_KEYRING_BACKEND"), ""
	}
	native := creds.OSBackend(goos)
	switch {
	case native == "":
		return creds.BackendFile, "this system has no keyring switcher can use: keys go to the passphrase-encrypted file keyring"
	case native == creds.BackendSecretService && getenv("DBUS_SESSION_BUS_ADDRESS") == "":
		return creds.BackendFile, "no Secret Service here (DBUS_SESSION_BUS_ADDRESS is not set): keys go to the passphrase-encrypted file keyring; set SWITCHER_KEYRING_BACKEND to choose"
	}
	return native, ""
}

// isKeyID reports whether id looks like an AWS access key id: 16 to 128
// capital letters and digits. (A regexp with that counted repetition
// compiles into 1,100 allocations at every process start.)
func isKeyID(id string) bool {
	if len(id) < 16 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// checkLongTermKeys refuses what is not an IAM user's access key pair.
// Errors name no secret.
func checkLongTermKeys(c creds.Credentials) error {
	switch {
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return errors.New("both the access key id and the secret access key are needed")
	case c.SessionToken != "" || strings.HasPrefix(c.AccessKeyID, "ASIA"):
		return errors.New("these are temporary credentials (a session): only an IAM user's long-term keys (AKIA…) belong in the keyring")
	case !isKeyID(c.AccessKeyID):
		return fmt.Errorf("the access key id …%s is not an AWS access key id (16 to 128 capital letters and digits)", creds.KeyIDSuffix(c.AccessKeyID))
	case strings.ContainsAny(c.SecretAccessKey, " \t\r\n"):
		return errors.New("the secret access key contains white space")
	}
	return nil
}

// storeKeys puts c in the backend's keyring, reads it back, and records it
// in the key index: nothing is recorded unless the keyring holds an equal
// copy. rotated marks a rotation (the added time stays).
func (f *Factory) storeKeys(ctx context.Context, backend, profile string, c creds.Credentials, rotated bool) error {
	kr, err := f.OpenKeyring(backend)
	if err != nil {
		return err
	}
	if err := kr.Set(ctx, profile, c); err != nil {
		return err
	}
	back, err := kr.Get(ctx, profile)
	if err != nil {
		return fmt.Errorf("reading the keys back from the keyring: %w", err)
	}
	if back.AccessKeyID != c.AccessKeyID || back.SecretAccessKey != c.SecretAccessKey {
		return &creds.KeyringError{Backend: backend, Op: "set", Profile: profile, Err: errors.New("the keys read back differ from those stored")}
	}
	x, err := f.KeyIndex()
	if err != nil {
		return err
	}
	now := f.Now().UTC()
	err = x.Update(ctx, func(recs map[string]creds.KeyRecord) error {
		r := recs[profile]
		if r.Added.IsZero() || r.Backend != backend || !rotated {
			r.Added = now
		}
		if rotated {
			r.Rotated = now
		}
		r.Profile, r.Backend, r.KeyIDSuffix = profile, backend, creds.KeyIDSuffix(c.AccessKeyID)
		recs[profile] = r
		return nil
	})
	f.keys = nil // read again
	return err
}

// KeysListOptions are keys list's flags and effects.
type KeysListOptions struct {
	IO      IOStreams
	JSON    bool
	Records func() (map[string]creds.KeyRecord, error)
}

// NewCmdKeysList is `switcher keys list [--json]`.
func NewCmdKeysList(f *Factory, runF func(*KeysListOptions) error) *cobra.Command {
	opts := &KeysListOptions{IO: f.IO, Records: f.keyRecords}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the profiles whose keys are in a keyring (never a secret)",
		Example: "  switcher keys list\n  switcher keys list --json | jq -r '.[].profile'",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return keysListRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

type keyListRow struct {
	Profile string     `json:"profile"`
	Backend string     `json:"backend"`
	KeyID   string     `json:"access_key_id"` // the last 4 characters only
	Added   time.Time  `json:"added"`
	Rotated *time.Time `json:"rotated"`
}

func keysListRun(opts *KeysListOptions) error {
	recs, err := opts.Records()
	if err != nil {
		return err
	}
	rows := make([]keyListRow, 0, len(recs))
	for _, r := range recs {
		row := keyListRow{Profile: r.Profile, Backend: r.Backend, KeyID: "…" + r.KeyIDSuffix, Added: r.Added}
		if !r.Rotated.IsZero() {
			rot := r.Rotated
			row.Rotated = &rot
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Profile < rows[j].Profile })
	if opts.JSON {
		return writeDataJSON(opts.IO.Out, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "switcher: no keys in a keyring yet (switcher keys add PROFILE, or keys import)")
		return nil
	}
	return writeKeysTable(opts.IO.Out, rows)
}

func writeKeysTable(w io.Writer, rows []keyListRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tBACKEND\tKEY\tADDED\tROTATED")
	for _, r := range rows {
		rot := "-"
		if r.Rotated != nil {
			rot = r.Rotated.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Profile, r.Backend, r.KeyID, r.Added.Format(time.RFC3339), rot)
	}
	return tw.Flush()
}

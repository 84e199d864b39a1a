package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// KeysRemoveOptions are keys remove's arguments, flags and effects.
type KeysRemoveOptions struct {
	IO      IOStreams
	Profile string
	Yes     bool
	Ask     func(ctx context.Context, prompt string, echo bool) (string, error)
	Records func() (map[string]creds.KeyRecord, error)
	Open    func(backend string) (creds.Keyring, error)
	Index   func() (creds.KeyIndex, error)
}

// NewCmdKeysRemove is `switcher keys remove PROFILE [--yes]`.
func NewCmdKeysRemove(f *Factory, runF func(context.Context, *KeysRemoveOptions) error) *cobra.Command {
	opts := &KeysRemoveOptions{IO: f.IO, Ask: creds.TTYPrompter{}.Line, Records: f.keyRecords, Open: f.OpenKeyring, Index: f.KeyIndex}
	cmd := &cobra.Command{
		Use:     "remove PROFILE",
		Short:   "Delete a profile's keys from the keyring (asks first on a terminal; --yes)",
		Example: "  switcher keys remove alice\n  switcher keys remove alice --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return keysRemoveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func keysRemoveRun(ctx context.Context, opts *KeysRemoveOptions) error {
	recs, err := opts.Records()
	if err != nil {
		return err
	}
	r, ok := recs[opts.Profile]
	if !ok {
		return fmt.Errorf("keys remove: %s has no keys in a keyring (switcher keys list shows those that do)", opts.Profile)
	}
	what := fmt.Sprintf("the keys of %s (…%s) from the keyring (%s)", opts.Profile, r.KeyIDSuffix, r.Backend)
	if !opts.Yes {
		answer, err := opts.Ask(ctx, "Remove "+what+"? It cannot be undone: the secret exists nowhere else unless you kept it. [y/N] ", true)
		if errors.Is(err, creds.ErrNoTerminal) {
			return usagef("keys remove: no terminal to confirm on: add --yes")
		}
		if err != nil {
			return err
		}
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return errCancelled
		}
	}
	kr, err := opts.Open(r.Backend)
	if err != nil {
		return err
	}
	if err := kr.Remove(ctx, opts.Profile); err != nil && !errors.Is(err, creds.ErrNotInKeyring) {
		return err
	}
	x, err := opts.Index()
	if err != nil {
		return err
	}
	if err := x.Update(ctx, func(recs map[string]creds.KeyRecord) error {
		delete(recs, opts.Profile)
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher: removed %s\n", what)
	return nil
}

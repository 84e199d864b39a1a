package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// completeProfiles completes the first argument with profile names (role
// profiles included, as `list` shows them).
func (f *Factory) completeProfiles(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError | cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, p := range cfg.Profiles() {
		if strings.HasPrefix(p.Name, toComplete) {
			out = append(out, p.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/profiles"
)

// loadConfig reads the config and credentials files (--config/--credentials,
// the AWS_* variables, or ~/.aws) and parses them. A missing file counts as
// empty; an unreadable one is an error naming it.
func (a *app) loadConfig() (*profiles.Config, error) {
	cfgPath, err := a.configPath()
	if err != nil {
		return nil, err
	}
	credPath, err := a.credentialsPath()
	if err != nil {
		return nil, err
	}
	if cfg, ok, err := a.loadConfigIndexed(cfgPath, credPath); ok { // warm config index: fastpath_config.go
		return cfg, err
	}
	cfgData, err := readOptional(cfgPath)
	if err != nil {
		return nil, err
	}
	credData, err := readOptional(credPath)
	if err != nil {
		return nil, err
	}
	a.debugf("config file %s (%d bytes), credentials file %s (%d bytes)", cfgPath, len(cfgData), credPath, len(credData))
	return profiles.Load(cfgPath, cfgData, credPath, credData)
}

// readOptional reads a file; a file that does not exist reads as empty.
func readOptional(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	return data, nil
}

// unwrapPathError drops the *fs.PathError prefix (the path is already named).
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// completeProfiles completes the first argument with profile names (role
// profiles included, as `list` shows them).
func (a *app) completeProfiles(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cfg, err := a.loadConfig()
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

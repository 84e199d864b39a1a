package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// SyncOptions are sync's flags and effects.
type SyncOptions struct {
	IO      IOStreams
	Session string // --sso-session
	Org     bool
	Source  string // --source (with --org)
	Role    string // --role: the role of every account (--org), or the one role kept (SSO)
	Name    string // --name template
	Region  string
	DryRun  bool
	Timeout time.Duration

	Paths func() (cfgPath, credPath string, err error)
	// ListSSO lists what the sso-session's login reaches (logging in
	// first when it must and may).
	ListSSO func(ctx context.Context, cfg *profiles.Config, session string) ([]creds.SSOAccountRole, error)
	// ListOrg lists the organization's accounts, signed by source's chain.
	ListOrg func(ctx context.Context, source string) ([]creds.OrgAccount, error)
}

// NewCmdSync is `switcher sync --sso-session NAME | --org --source PROFILE --role NAME`.
func NewCmdSync(f *Factory, runF func(context.Context, *SyncOptions) error) *cobra.Command {
	opts := &SyncOptions{IO: f.IO, Paths: f.paths, ListSSO: f.listSSO, ListOrg: f.listOrg}
	cmd := &cobra.Command{
		Use:   "sync (--sso-session NAME | --org --source PROFILE --role NAME)",
		Short: "Write a profile for every account and role you can reach (IAM Identity Center or an AWS Organization)",
		Long: `Generate profiles instead of writing them by hand.

--sso-session NAME lists every account and role the login to that
[sso-session] reaches (sso ListAccounts and ListAccountRoles; switcher
login first if there is no valid token) and writes one SSO profile per
account and role. --role NAME keeps only that role.

--org --source PROFILE --role NAME lists every active account of the AWS
Organization (organizations ListAccounts, signed by PROFILE's credentials,
usually the management account) and writes one role profile per account:
role_arn = arn:aws:iam::ID:role/NAME, source_profile = PROFILE, with
PROFILE's mfa_serial and region, so one MFA session serves them all.

Names come from --name (default '{account_name}-{role}'; also
{account_id}), with every character other than letters, digits, '.', '_'
and '-' made '-', so each name is safe in every shell; two accounts that
would get the same name are an error that says which.

The profiles go into one marked block of the config file, between
'# >>> switcher sync KEY' and '# <<< switcher sync KEY' lines (KEY is the
flags). A re-run replaces only that block; every other byte of the file
stays, and a profile of the same name outside the block (written by hand)
wins over the generated one (sync says so). The write is atomic and
locked like switcher write, and refused when the file changed while sync
was listing. --dry-run prints the change as a diff and writes nothing.`,
		Example: `  switcher sync --sso-session corp --dry-run
  switcher sync --sso-session corp --name '{account_name}-{role}'
  switcher sync --org --source management --role OrganizationAccountAccessRole --name 'org-{account_name}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return syncRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Session, "sso-session", "", "the [sso-session NAME] whose accounts and roles to write")
	fl.BoolVar(&opts.Org, "org", false, "write a role profile for every account of the AWS Organization")
	fl.StringVar(&opts.Source, "source", "", "with --org: the profile that lists the accounts and is every new profile's source_profile")
	fl.StringVar(&opts.Role, "role", "", "with --org: the role to assume in every account; with --sso-session: keep only this role")
	fl.StringVar(&opts.Name, "name", profiles.DefaultSyncName, "the profile name template: {account_name}, {account_id}, {role}")
	fl.StringVar(&opts.Region, "region", "", "the region of the new profiles (default: the sso-session's sso_region, or --source's region)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the change to the config file as a diff; write nothing")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long the listing may take")
	_ = cmd.RegisterFlagCompletionFunc("sso-session", f.completeSSOSessions)
	_ = cmd.RegisterFlagCompletionFunc("source", f.completeProfiles)
	return cmd
}

// checkFlags says what is missing or contradictory, in switcher's words.
func (o *SyncOptions) checkFlags() error {
	switch {
	case o.Org && o.Session != "":
		return usagef("sync takes --sso-session NAME or --org, not both")
	case !o.Org && o.Session == "":
		return usagef("sync needs --sso-session NAME (accounts of an IAM Identity Center login) or --org --source PROFILE --role NAME (accounts of an AWS Organization)")
	case o.Org && (o.Source == "" || o.Role == ""):
		return usagef("sync --org needs --source PROFILE (which lists the accounts) and --role NAME (the role to assume in each)")
	case !o.Org && o.Source != "":
		return usagef("--source goes with --org; an sso-session's profiles need none")
	}
	for flag, v := range map[string]string{"--sso-session": o.Session, "--source": o.Source, "--region": o.Region} {
		if strings.ContainsAny(v, "\r\n\x00[]#;") {
			return usagef("%s %q: not a name", flag, v)
		}
	}
	if o.Role != "" {
		if err := profiles.ValidateRoleName(o.Role); err != nil {
			return usagef("--role: %v", err)
		}
	}
	if err := profiles.ValidateSyncTemplate(o.Name); err != nil {
		return &usageError{err: err}
	}
	return nil
}

// key names the block: the flags that choose what it holds.
func (o *SyncOptions) key() string {
	if o.Org {
		return fmt.Sprintf("--org --source %s --role %s", o.Source, o.Role)
	}
	if o.Role != "" {
		return fmt.Sprintf("--sso-session %s --role %s", o.Session, o.Role)
	}
	return "--sso-session " + o.Session
}

func syncRun(ctx context.Context, opts *SyncOptions) error {
	if err := opts.checkFlags(); err != nil {
		return err
	}
	cfgPath, credPath, err := opts.Paths()
	if err != nil {
		return err
	}
	old, err := readOptional(cfgPath)
	if err != nil {
		return err
	}
	credData, err := readOptional(credPath)
	if err != nil {
		return err
	}
	cfg, err := profiles.Load(cfgPath, old, credPath, credData)
	if err != nil {
		return err
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	gen, accounts, err := opts.generate(ctx, cfg)
	if err != nil {
		return err
	}
	if len(gen) == 0 {
		return fmt.Errorf("sync %s: no accounts to write a profile for; %s is untouched", opts.key(), cfgPath)
	}
	comment := "Written by `switcher sync " + opts.key() + "`: a re-run replaces everything\n" +
		"between these two lines. A profile of the same name outside them wins."
	plan, err := profiles.PlanSync(cfgPath, old, credPath, credData, opts.key(), gen, comment)
	if err != nil {
		return err
	}
	for _, c := range plan.Clashes {
		fmt.Fprintf(opts.IO.ErrOut, "switcher sync: kept the profile %s written at %s; not generated for account %s role %s (rename either to have both)\n",
			c.Profile.Name, c.Kept, c.Profile.Target.AccountID, c.Profile.Target.Role)
	}
	if err := checkWritten(cfgPath, plan, credPath, credData); err != nil {
		return err
	}
	if opts.DryRun {
		d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(string(plan.Old)), B: difflib.SplitLines(string(plan.New)),
			FromFile: cfgPath, ToFile: cfgPath + " (after sync)", Context: 3,
		})
		if err != nil {
			return err
		}
		fmt.Fprint(opts.IO.Out, d)
		fmt.Fprintf(opts.IO.ErrOut, "switcher sync: dry run: %s; nothing written\n", opts.summary(plan, accounts))
		return nil
	}
	if string(plan.New) == string(plan.Old) {
		fmt.Fprintf(opts.IO.ErrOut, "switcher sync: %s is up to date (%d profiles for %d accounts)\n", cfgPath, len(plan.Written), accounts)
		return nil
	}
	if err := (creds.ConfigFile{Path: cfgPath}).Replace(plan.Old, plan.New); err != nil {
		if errors.Is(err, creds.ErrConfigChanged) {
			return fmt.Errorf("%s changed while sync was listing accounts; nothing was written: run sync again", cfgPath)
		}
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher sync: %s in %s\n", opts.summary(plan, accounts), cfgPath)
	return nil
}

// checkWritten reads the new file back as every command will, so that a
// generated profile that would not load is never written.
func checkWritten(cfgPath string, plan *profiles.SyncPlan, credPath string, credData []byte) error {
	after, err := profiles.Load(cfgPath, plan.New, credPath, credData)
	if err != nil {
		return fmt.Errorf("sync: the new config would not load (nothing written): %w", err)
	}
	for _, p := range plan.Written {
		if _, err := after.Resolve(p.Name); err != nil {
			return fmt.Errorf("sync: generated profile %s would not resolve (nothing written): %w", p.Name, err)
		}
	}
	return nil
}

func (o *SyncOptions) summary(plan *profiles.SyncPlan, accounts int) string {
	s := fmt.Sprintf("%d profiles for %d accounts (%d new, %d removed", len(plan.Written), accounts, len(plan.Added), len(plan.Removed))
	if len(plan.Clashes) > 0 {
		s += fmt.Sprintf(", %d kept as written by hand", len(plan.Clashes))
	}
	return s + ") between the `# >>> switcher sync " + o.key() + "` lines"
}

// generate lists the targets and makes their profiles; accounts is how
// many accounts they cover.
func (o *SyncOptions) generate(ctx context.Context, cfg *profiles.Config) (gen []profiles.SyncProfile, accounts int, err error) {
	var targets []profiles.SyncTarget
	var keys func(t profiles.SyncTarget) [][2]string
	if o.Org {
		targets, keys, err = o.orgTargets(ctx, cfg)
	} else {
		targets, keys, err = o.ssoTargets(ctx, cfg)
	}
	if err != nil {
		return nil, 0, err
	}
	names, err := profiles.SyncNames(o.Name, targets)
	if err != nil {
		return nil, 0, fmt.Errorf("sync: nothing written:\n%w", err)
	}
	seen := map[string]bool{}
	for i, t := range targets {
		seen[t.AccountID] = true
		p := profiles.SyncProfile{Name: names[i], Target: t, Keys: keys(t)}
		if err := profiles.ValidateSyncProfile(p); err != nil {
			return nil, 0, fmt.Errorf("sync: nothing written: %w", err)
		}
		gen = append(gen, p)
	}
	return gen, len(seen), nil
}

func (o *SyncOptions) ssoTargets(ctx context.Context, cfg *profiles.Config) ([]profiles.SyncTarget, func(profiles.SyncTarget) [][2]string, error) {
	sec, ok := cfg.SSOSession(o.Session)
	if !ok {
		return nil, nil, usagef("--sso-session %s: no [sso-session %s] in %s (sessions: %s)", o.Session, o.Session, cfg.ConfigFile, strings.Join(cfg.SSOSessionNames(), ", "))
	}
	region := o.Region
	if region == "" {
		region = sec.Keys[profiles.KeySSORegion].Value
	}
	roles, err := o.ListSSO(ctx, cfg, o.Session)
	if err != nil {
		return nil, nil, err
	}
	var targets []profiles.SyncTarget
	for _, r := range roles {
		if o.Role == "" || r.Role == o.Role {
			targets = append(targets, profiles.SyncTarget{AccountID: r.AccountID, AccountName: r.AccountName, Role: r.Role})
		}
	}
	keys := func(t profiles.SyncTarget) [][2]string {
		kv := [][2]string{{profiles.KeySSOSession, o.Session}, {profiles.KeySSOAccountID, t.AccountID}, {profiles.KeySSORoleName, t.Role}}
		if region != "" {
			kv = append(kv, [2]string{profiles.KeyRegion, region})
		}
		return kv
	}
	return targets, keys, nil
}

func (o *SyncOptions) orgTargets(ctx context.Context, cfg *profiles.Config) ([]profiles.SyncTarget, func(profiles.SyncTarget) [][2]string, error) {
	if _, err := cfg.Resolve(o.Source); err != nil {
		return nil, nil, err
	}
	src, _ := cfg.Profile(o.Source)
	accounts, err := o.ListOrg(ctx, o.Source)
	if err != nil {
		return nil, nil, err
	}
	var targets []profiles.SyncTarget
	skipped := 0
	for _, a := range accounts {
		if a.State != "ACTIVE" {
			skipped++
			continue
		}
		targets = append(targets, profiles.SyncTarget{AccountID: a.ID, AccountName: a.Name, Role: o.Role})
	}
	if skipped > 0 {
		fmt.Fprintf(o.IO.ErrOut, "switcher sync: skipped %d accounts that are not ACTIVE (suspended or closing)\n", skipped)
	}
	region := o.Region
	if region == "" {
		region = src.Value(profiles.KeyRegion)
	}
	mfa := src.Value(profiles.KeyMFASerial)
	partition := arnPartition(src.Value(profiles.KeyRoleARN), mfa)
	keys := func(t profiles.SyncTarget) [][2]string {
		kv := [][2]string{
			{profiles.KeyRoleARN, "arn:" + partition + ":iam::" + t.AccountID + ":role/" + o.Role},
			{profiles.KeySourceProfile, o.Source},
		}
		if mfa != "" {
			kv = append(kv, [2]string{profiles.KeyMFASerial, mfa})
		}
		if region != "" {
			kv = append(kv, [2]string{profiles.KeyRegion, region})
		}
		return kv
	}
	return targets, keys, nil
}

// arnPartition is the partition of the first ARN given ("aws" when none):
// an organization in aws-us-gov or aws-cn has its roles there too.
func arnPartition(arns ...string) string {
	for _, a := range arns {
		if parts := strings.SplitN(a, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
			return parts[1]
		}
	}
	return "aws"
}

// listSSO gets a valid token for the session (cached, refreshed, or a
// login offered on the terminal) and lists what it reaches.
func (f *Factory) listSSO(ctx context.Context, cfg *profiles.Config, session string) ([]creds.SSOAccountRole, error) {
	l, err := f.ssoLogin(ctx, &LoginOptions{Session: session, Timeout: 5 * time.Minute})
	if err != nil {
		return nil, err
	}
	tok, ok := l.Cached()
	if !ok {
		tok, ok, _ = l.Refresh(ctx)
	}
	if !ok {
		lerr := &creds.SSOLoginError{Session: session, StartURL: l.StartURL}
		if sec, found := cfg.SSOSession(session); found {
			lerr.Pos = sec.Pos
		}
		if !f.offerLogin(ctx, lerr) {
			return nil, fmt.Errorf("sync --sso-session %s: no valid SSO login for %s: run `%s` and try again", session, l.StartURL, lerr.LoginCommand())
		}
		if tok, ok = l.Cached(); !ok {
			return nil, fmt.Errorf("sync --sso-session %s: the login left no valid token in %s", session, l.Path())
		}
	}
	endpoint := ""
	for _, k := range []string{"AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"} {
		if v := f.Getenv(k); v != "" {
			endpoint = v
			break
		}
	}
	return creds.SSOAccountRoles(ctx, l.Region, endpoint, tok.AccessToken, creds.NewHTTPClient())
}

// listOrg lists the organization's accounts with source's credentials.
func (f *Factory) listOrg(ctx context.Context, source string) ([]creds.OrgAccount, error) {
	s, err := f.Assume(ctx, source, 0)
	if err != nil {
		return nil, err
	}
	accounts, err := creds.OrgAccounts(ctx, s.Credentials, f.organizationsEndpoint(), creds.NewHTTPClient(), f.Now)
	if err != nil {
		return nil, fmt.Errorf("sync --org: listing the accounts of the organization as %s: %w", source, explainOrg(err))
	}
	return accounts, nil
}

// explainOrg says what Organizations' refusals mean for sync.
func explainOrg(err error) error {
	var ae *creds.APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case ae.Code == "AWSOrganizationsNotInUseException":
		return fmt.Errorf("the account is not in an AWS Organization (%s)", ae.Message)
	case ae.Code == "AccessDeniedException" || ae.Status == http.StatusForbidden:
		return fmt.Errorf("not allowed to call organizations:ListAccounts: use the management account or a delegated administrator, with that permission (%s: %s)", ae.Code, ae.Message)
	}
	return err
}

// organizationsEndpoint is the endpoint the environment names for
// Organizations (AWS_ENDPOINT_URL_ORGANIZATIONS, else AWS_ENDPOINT_URL),
// or "" for the real one. Only sync reads it: it is no part of how
// credentials are resolved.
func (f *Factory) organizationsEndpoint() string {
	for _, k := range []string{"AWS_ENDPOINT_URL_ORGANIZATIONS", "AWS_ENDPOINT_URL"} {
		if v := f.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

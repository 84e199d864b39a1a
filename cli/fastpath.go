package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/switcher-cli/switcher/creds"
)

// The credential-process fast path.
//
// The AWS CLI and the SDKs run `switcher credential-process P` before every
// call they sign, so a cache hit must cost little more than starting a
// process: no command tree, no config parse, no plan. After a successful
// credential-process, assumeRecorded stores the session in the cache
// (creds.Store.PutFastSession) under a key of everything that can change
// the answer; serveFast, which Main runs before anything else, parses the
// command line with the same flag definitions as the real command,
// recomputes that key from the flags, the environment and one stat of each
// file, and prints the session when it still has more than
// credentialProcessMinRemaining left. Anything it does not take (another
// command, --debug, --no-cache, --mfa-code, --help, a missing entry, a
// changed file) leaves the work to the full command.

// fastEnvNames are the environment variables that can change which session
// a profile gets: STS endpoint and region, source credentials taken from
// the environment, container and instance metadata settings, the file and
// cache locations. TestFastEnvNamesCoverSources keeps it complete.
func fastEnvNames() []string {
	return []string{
		"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
		"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_ORGANIZATIONS",
		"AWS_STS_REGIONAL_ENDPOINTS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_LOGIN_CACHE_DIRECTORY",
		"SWITCHER_PROFILE",
		"HOME", "USERPROFILE", "XDG_CACHE_HOME", "LocalAppData", "USER", "USERNAME",
	}
}

// fastParts are the values besides the files that a credential-process
// answer depends on: the profile, the flags that change it, and the
// environment.
func (f *Factory) fastParts(opts *CredentialProcessOptions) []string {
	g := f.Flags
	parts := []string{
		"profile=" + opts.Profile,
		"flag-config=" + g.ConfigFile, "flag-credentials=" + g.CredentialsFile,
		"flag-duration=" + g.Duration, "flag-region=" + g.Region, "flag-endpoint-url=" + g.EndpointURL,
		"flag-no-session=" + strconv.FormatBool(g.NoSession),
		"flag-session-policy=" + g.SessionPolicy, "flag-session-policy-arns=" + g.SessionPolicyARNs,
	}
	for _, k := range fastEnvNames() {
		parts = append(parts, "env:"+k+"="+f.Getenv(k))
	}
	return parts
}

// fastDeps is the key of the fast entry for opts.
func (f *Factory) fastDeps(opts *CredentialProcessOptions) (*creds.Store, creds.Deps, error) {
	cfgPath, credPath, err := f.paths()
	if err != nil {
		return nil, creds.Deps{}, err
	}
	st, err := f.Store()
	if err != nil {
		return nil, creds.Deps{}, err
	}
	d, err := st.Deps(creds.DepsCredentialProcess, f.fastParts(opts), cfgPath, credPath, f.keyIndexPath())
	return st, d, err
}

// parseFast reads args with the flags of the real command (the global
// flags and credential-process's own); it accepts only `credential-process
// PROFILE` with no flag that the fast path cannot honour.
func parseFast(args []string) (GlobalFlags, *CredentialProcessOptions, bool) {
	var g GlobalFlags
	opts := &CredentialProcessOptions{}
	fs := pflag.NewFlagSet("switcher", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	g.register(fs)
	opts.register(fs)
	if err := fs.Parse(args); err != nil || fs.ArgsLenAtDash() >= 0 {
		return g, nil, false // --help, an unknown flag, --: cobra decides
	}
	words := fs.Args()
	if len(words) != 2 || words[0] != "credential-process" || words[1] == "" {
		return g, nil, false
	}
	if g.Debug || g.NoCache || g.MFACode != "" {
		return g, nil, false // the full command shows, skips or sends these
	}
	opts.Profile = words[1]
	return g, opts, true
}

// serveFast answers `switcher credential-process PROFILE` from the entry
// the last successful run stored, when nothing that changes the answer
// changed and the session has more than credentialProcessMinRemaining
// left. It reports false, having written nothing, when the full command
// must run.
func serveFast(args []string, d Deps) (code int, handled bool) {
	g, opts, ok := parseFast(args)
	if !ok {
		return 0, false
	}
	f := newFactory(d)
	f.Flags = g
	st, deps, err := f.fastDeps(opts)
	if err != nil {
		return 0, false
	}
	c, ok := st.FastSession(deps, opts.Profile, credentialProcessMinRemaining)
	if !ok {
		return 0, false
	}
	var out bytes.Buffer
	if err := creds.WriteCredentialProcess(&out, c); err != nil {
		return 0, false
	}
	if _, err := f.IO.Out.Write(out.Bytes()); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "switcher: %v\n", err)
		return exitFailure, true
	}
	return exitOK, true
}

// assumeRecorded is Assume for credential-process: it also records the
// session for serveFast, when both files stayed the same during the run
// and had settled before it, and caching is on.
func (f *Factory) assumeRecorded(ctx context.Context, opts *CredentialProcessOptions, min time.Duration) (*creds.Session, error) {
	st, before, keyErr := f.fastDeps(opts)
	s, err := f.Assume(ctx, opts.Profile, min)
	if err != nil || keyErr != nil || f.Flags.NoCache || s.PolicyFromFile {
		return s, err
	}
	if err := st.PutFastSession(before, opts.Profile, s.Credentials); err != nil {
		f.Debugf("credential-process fast path: %v", err)
	}
	return s, nil
}

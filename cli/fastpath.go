package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/switcher-cli/switcher/creds"
)

// The credential-process fast path.
//
// The AWS CLI and the SDKs run `switcher credential-process P` before every
// call they sign, so a cache hit must cost little more than starting a
// process: no command tree, no config parse, no plan. After a successful
// credential-process, assumeRecorded stores the session (0600, atomic, in
// the cache directory) under a key made of everything that can change the
// answer; serveFast, which main runs before anything else (serveFastMain),
// recomputes that key from the
// arguments, the environment and one stat of each file, and prints the
// session when it still has more than credentialProcessMinRemaining left.
// Anything it does not understand (other flags, --debug, --no-cache,
// --mfa-code, a missing entry, a changed file) leaves the work to the full
// command.

// fastPathFormat names the entry format and what its key covers; change it
// when either changes.
const fastPathFormat = "switcher-credential-process-fast-1"

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
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC",
		"AWS_STS_REGIONAL_ENDPOINTS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
		"SWITCHER_PROFILE",
		"HOME", "USERPROFILE", "XDG_CACHE_HOME", "LocalAppData", "USER", "USERNAME",
	}
}

// fastRequest is a credential-process command line the fast path accepts:
// the profile and the global flags that change the answer.
type fastRequest struct {
	profile         string
	configFile      string
	credentialsFile string
	duration        string
	region          string
	endpointURL     string
}

// parseFastArgs accepts only `credential-process PROFILE` with --config,
// --credentials, --duration, --region and --endpoint-url (as --flag VALUE
// or --flag=VALUE, each at most once, anywhere). Anything else is for cobra.
func parseFastArgs(args []string) (fastRequest, bool) {
	var (
		req   fastRequest
		words []string
		seen  = map[string]bool{}
	)
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			words = append(words, arg)
			continue
		}
		name, value, hasValue := strings.Cut(arg, "=")
		var dst *string
		switch name {
		case "--config":
			dst = &req.configFile
		case "--credentials":
			dst = &req.credentialsFile
		case "--duration":
			dst = &req.duration
		case "--region":
			dst = &req.region
		case "--endpoint-url":
			dst = &req.endpointURL
		default:
			return fastRequest{}, false // --debug, --no-cache, --mfa-code, --help, --, ...
		}
		if seen[name] {
			return fastRequest{}, false
		}
		seen[name] = true
		if !hasValue {
			if i+1 >= len(args) {
				return fastRequest{}, false
			}
			i++
			value = args[i]
		}
		*dst = value
	}
	if len(words) != 2 || words[0] != "credential-process" || words[1] == "" || strings.HasPrefix(words[1], "-") {
		return fastRequest{}, false
	}
	req.profile = words[1]
	return req, true
}

// fastEntry is what the fast path stores: the credentials alone (top-level
// Expiration, so `switcher clean` ages it like any session).
type fastEntry struct {
	Format  string
	Profile string
	creds.Credentials
}

// fastState is the key of one request and the file identities it covers.
type fastState struct {
	key   string
	files [2]fileIdentity
}

// fastKey stats both files and derives the entry key for req.
func (a *app) fastKey(req fastRequest) (fastState, error) {
	var st fastState
	cfgPath, err := a.configPath()
	if err != nil {
		return st, err
	}
	credPath, err := a.credentialsPath()
	if err != nil {
		return st, err
	}
	for i, p := range []string{cfgPath, credPath} {
		if st.files[i], err = statIdentity(p); err != nil {
			return st, err
		}
	}
	parts := append([]string{fastPathFormat}, buildParts()...)
	parts = append(parts,
		"profile="+req.profile,
		"flag-config="+req.configFile, "flag-credentials="+req.credentialsFile,
		"flag-duration="+req.duration, "flag-region="+req.region, "flag-endpoint-url="+req.endpointURL,
	)
	for _, f := range st.files {
		parts = append(parts, f.parts()...)
	}
	for _, k := range fastEnvNames() {
		parts = append(parts, "env:"+k+"="+a.getenv(k))
	}
	st.key = creds.Key(parts...)
	return st, nil
}

// fastCache is the cache the entries live in (the sessions' cache).
func (a *app) fastCache() (*creds.Cache, error) {
	dir, err := a.cacheDir()
	if err != nil {
		return nil, err
	}
	return &creds.Cache{Dir: dir, Now: a.now}, nil
}

// serveFastMain is what main calls first, before signal handling or any
// other set-up (which costs a start-up as much as a third of a hello-world
// program's): serveFast with the real dependencies.
func serveFastMain(args []string, stdout, stderr io.Writer, getenv func(string) string) (code int, handled bool) {
	a := &app{stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now}
	return a.serveFast(args)
}

// serveFast answers `switcher credential-process PROFILE` from the entry the
// last successful run stored, when nothing that changes the answer changed
// and the session has more than credentialProcessMinRemaining left. It
// reports false, having written nothing, when the full command must run.
func (a *app) serveFast(args []string) (code int, handled bool) {
	req, ok := parseFastArgs(args)
	if !ok {
		return 0, false
	}
	a.configFile, a.credentialsFile = req.configFile, req.credentialsFile
	st, err := a.fastKey(req)
	if err != nil {
		return 0, false
	}
	cache, err := a.fastCache()
	if err != nil {
		return 0, false
	}
	var e fastEntry
	if ok, err := cache.Get(st.key, &e); err != nil || !ok {
		return 0, false
	}
	if e.Format != fastPathFormat || e.Profile != req.profile || !e.Expires() ||
		e.TimeLeft(a.clock()) <= credentialProcessMinRemaining {
		return 0, false
	}
	var out bytes.Buffer
	if err := creds.WriteCredentialProcess(&out, e.Credentials); err != nil {
		return 0, false
	}
	if _, err := a.stdout.Write(out.Bytes()); err != nil {
		fmt.Fprintf(a.stderr, "switcher: %v\n", err)
		return exitFailure, true
	}
	return exitOK, true
}

// assumeRecorded is assume for credential-process: it also stores the
// session for serveFast, when both files stayed the same during the run and
// had settled before it, the session is temporary, and caching is on.
func (a *app) assumeRecorded(ctx context.Context, profile string, min time.Duration) (*creds.Session, error) {
	req := fastRequest{
		profile: profile, configFile: a.configFile, credentialsFile: a.credentialsFile,
		duration: a.duration, region: a.region, endpointURL: a.endpointURL,
	}
	before, keyErr := a.fastKey(req)
	s, err := a.assume(ctx, profile, min)
	if err != nil || keyErr != nil || a.noCache || !s.Expires() || !s.Temporary() {
		return s, err
	}
	after, statErr := a.fastKey(req)
	now := a.clock()
	switch {
	case statErr != nil || after != before:
		a.debugf("credential-process fast path: the files changed during the run; not recorded")
		return s, nil //nolint:nilerr // the session is good; only the record is skipped
	case !before.files[0].settled(now) || !before.files[1].settled(now):
		a.debugf("credential-process fast path: a file changed less than %s ago; not recorded yet", racyWindow)
		return s, nil
	}
	cache, err := a.fastCache()
	if err == nil {
		err = cache.Put(before.key, fastEntry{Format: fastPathFormat, Profile: profile, Credentials: s.Credentials})
	}
	if err != nil {
		a.debugf("credential-process fast path: not recorded: %v", err)
	}
	return s, nil
}

// forgetFastSessions removes the fast-path entries of profile from the
// cache directory, so that the next credential-process asks the engine: a
// forced refresh (the dashboard's refresh key) replaces a session that may
// have been revoked, and the fast path must not keep handing out the old
// one. A missing directory is not an error.
func forgetFastSessions(cacheDir, profile string) error {
	entries, err := os.ReadDir(cacheDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	var first error
	for _, de := range entries {
		if !de.Type().IsRegular() || !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		path := filepath.Join(cacheDir, de.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var e struct{ Format, Profile string }
		if json.Unmarshal(data, &e) != nil || e.Format != fastPathFormat || e.Profile != profile {
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = fmt.Errorf("cache: %w", err)
		}
	}
	return first
}

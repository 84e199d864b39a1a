package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// IOStreams are a command's standard streams: Out carries only what a
// program reads (exports, JSON); everything for a person goes to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Factory is what every command shares: the streams, the environment, the
// clock, the global flags, and the constructors of the heavier
// dependencies (config, store, engine), which a command calls only when it
// needs them.
type Factory struct {
	IO      IOStreams
	Getenv  func(string) string
	Environ func() []string
	Now     func() time.Time
	Build   Build
	OpenTTY func() (in, out *os.File, err error)
	// OpenURL opens a URL in the browser (console, login).
	OpenURL func(ctx context.Context, url string) error
	GOOS    string
	Flags   GlobalFlags

	workFactor int // the file keyring's scrypt cost (Deps.KeyringWorkFactor)
	// newCredentials lets --credentials name a file that does not exist
	// yet: the command creates it (write).
	newCredentials bool

	store *creds.Store               // the cache, once Store has made it
	keys  map[string]creds.KeyRecord // the key index, once read
	bg    sync.WaitGroup             // index writes under way (Run waits for them)
	errMu sync.Mutex                 // debug lines come from background writes too
}

// background runs a write of derived data (an index) beside the command:
// its fsync overlaps with the output instead of delaying it. Run waits for
// it before the process exits.
func (f *Factory) background(fn func()) { f.bg.Go(fn) }

// Debugf prints a line for --debug. Callers pass no secrets.
func (f *Factory) Debugf(format string, args ...any) {
	if f.Flags.Debug {
		line := fmt.Sprintf("debug: "+format+"\n", args...)
		f.errMu.Lock()
		defer f.errMu.Unlock()
		_, _ = io.WriteString(f.IO.ErrOut, line)
	}
}

// debugFunc is Debugf when --debug is set, else nil (no formatting cost).
func (f *Factory) debugFunc() func(string, ...any) {
	if f.Flags.Debug {
		return f.Debugf
	}
	return nil
}

// HomeDir is the user's home from the injected environment.
func (f *Factory) HomeDir() (string, error) { return homeFromEnv(f.GOOS, f.Getenv) }

// homeFromEnv is HOME, or on Windows USERPROFILE first, as the AWS CLI and
// SDKs read it (under Git Bash HOME can be a /c/Users/... path).
func homeFromEnv(goos string, getenv func(string) string) (string, error) {
	keys := []string{"HOME", "USERPROFILE"}
	if goos == "windows" {
		keys = []string{"USERPROFILE", "HOME"}
	}
	for _, k := range keys {
		if h := getenv(k); h != "" {
			return h, nil
		}
	}
	return "", fmt.Errorf("cannot find the home directory: set %s", keys[0])
}

// ConfigPath is --config, $AWS_CONFIG_FILE or ~/.aws/config.
func (f *Factory) ConfigPath() (string, error) {
	return f.awsPath(f.Flags.ConfigFile, "AWS_CONFIG_FILE", "config")
}

// CredentialsPath is --credentials, $AWS_SHARED_CREDENTIALS_FILE or
// ~/.aws/credentials.
func (f *Factory) CredentialsPath() (string, error) {
	return f.awsPath(f.Flags.CredentialsFile, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

func (f *Factory) awsPath(flag, env, name string) (string, error) {
	p := flag
	if p == "" {
		p = f.Getenv(env)
	}
	if p == "" {
		h, err := f.HomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, ".aws", name), nil
	}
	return expandHome(p, f.HomeDir), nil
}

func expandHome(p string, home func() (string, error)) string {
	if p == "~" || len(p) > 1 && p[0] == '~' && (p[1] == '/' || p[1] == filepath.Separator) {
		if h, err := home(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}

// CacheDir is <user cache dir>/switcher, the way os.UserCacheDir finds the
// user cache dir but from the injected environment: $XDG_CACHE_HOME or
// ~/.cache on Unix, ~/Library/Caches on macOS, %LocalAppData% on Windows.
func (f *Factory) CacheDir() (string, error) {
	base, err := userCacheDir(f.GOOS, f.Getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "switcher"), nil
}

func userCacheDir(goos string, getenv func(string) string) (string, error) {
	home := func() (string, error) {
		h, err := homeFromEnv(goos, getenv)
		if err != nil {
			return "", errors.New("cannot find the cache directory: neither $XDG_CACHE_HOME nor $HOME is set")
		}
		return h, nil
	}
	switch goos {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return "", errors.New("cannot find the cache directory: %LocalAppData% is not set")
	case "darwin", "ios":
		h, err := home()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, "Library", "Caches"), nil
	case "plan9":
		h, err := home()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, "lib", "cache"), nil
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		if !filepath.IsAbs(d) {
			return "", fmt.Errorf("cannot use $XDG_CACHE_HOME=%q: it is not an absolute path", d)
		}
		return d, nil
	}
	h, err := home()
	if err != nil {
		return "", err
	}
	return filepath.Join(h, ".cache"), nil
}

// userStateDir is $XDG_STATE_HOME or ~/.local/state (%LocalAppData% on
// Windows), from the injected environment.
func userStateDir(goos string, getenv func(string) string) (string, error) {
	if goos == "windows" {
		if d := getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return "", errors.New("cannot find the state directory: %LocalAppData% is not set")
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	h, err := homeFromEnv(goos, getenv)
	if err != nil {
		return "", errors.New("cannot find the state directory: neither $XDG_STATE_HOME nor $HOME is set")
	}
	return filepath.Join(h, ".local", "state"), nil
}

// userDataDir is $XDG_DATA_HOME or ~/.local/share (~/Library/Application
// Support on macOS, %LocalAppData% on Windows), from the injected
// environment: where the keys index and the file keyring live (not the
// cache, which `clean --all` empties).
func userDataDir(goos string, getenv func(string) string) (string, error) {
	switch goos {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return "", errors.New("cannot find the data directory: %LocalAppData% is not set")
	case "darwin", "ios":
		h, err := homeFromEnv(goos, getenv)
		if err != nil {
			return "", errors.New("cannot find the data directory: $HOME is not set")
		}
		return filepath.Join(h, "Library", "Application Support"), nil
	}
	if d := getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	h, err := homeFromEnv(goos, getenv)
	if err != nil {
		return "", errors.New("cannot find the data directory: neither $XDG_DATA_HOME nor $HOME is set")
	}
	return filepath.Join(h, ".local", "share"), nil
}

// DataDir is <user data dir>/switcher.
func (f *Factory) DataDir() (string, error) {
	base, err := userDataDir(f.GOOS, f.Getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "switcher"), nil
}

// KeyIndex is the record of which profiles have keys in a keyring.
func (f *Factory) KeyIndex() (creds.KeyIndex, error) {
	dir, err := f.DataDir()
	if err != nil {
		return creds.KeyIndex{}, err
	}
	return creds.KeyIndex{Path: filepath.Join(dir, "keys.json"), Now: f.Now}, nil
}

// keyRecords is the key index, read once.
func (f *Factory) keyRecords() (map[string]creds.KeyRecord, error) {
	if f.keys != nil {
		return f.keys, nil
	}
	x, err := f.KeyIndex()
	if err != nil {
		return nil, err
	}
	recs, err := x.Load()
	if err != nil {
		return nil, err
	}
	f.keys = recs
	return recs, nil
}

// KeyringOptions configure the keyring backends: the file keyring in the
// data directory, its passphrase from SWITCHER_KEYRING_PASSPHRASE or the
// terminal.
func (f *Factory) KeyringOptions() (creds.KeyringOptions, error) {
	dir, err := f.DataDir()
	if err != nil {
		return creds.KeyringOptions{}, err
	}
	return creds.KeyringOptions{
		GOOS: f.GOOS, Getenv: f.Getenv, FileDir: filepath.Join(dir, "keyring"),
		Passphrase: f.keyringPassphrase, WorkFactor: f.workFactor,
	}, nil
}

// keyringPassphrase is SWITCHER_KEYRING_PASSPHRASE, else asked on the
// terminal (twice for a new keyring).
func (f *Factory) keyringPassphrase(ctx context.Context, confirm bool) (string, error) {
	if p := f.Getenv("SWITCHER_KEYRING_PASSPHRASE"); p != "" {
		return p, nil
	}
	tty := creds.TTYPrompter{}
	p, err := tty.Line(ctx, "Passphrase of switcher's file keyring: ", false)
	if err != nil {
		return "", err
	}
	if confirm {
		again, err := tty.Line(ctx, "The same passphrase again (a new keyring): ", false)
		if err != nil {
			return "", err
		}
		if again != p {
			return "", errors.New("the two passphrases differ")
		}
	}
	return p, nil
}

// OpenKeyring opens a backend by name.
func (f *Factory) OpenKeyring(backend string) (creds.Keyring, error) {
	o, err := f.KeyringOptions()
	if err != nil {
		return nil, err
	}
	return creds.OpenKeyring(backend, o)
}

// applyKeyring tells cfg which profiles have keys in a keyring.
func (f *Factory) applyKeyring(cfg *profiles.Config) error {
	recs, err := f.keyRecords()
	if err != nil {
		return err
	}
	if len(recs) > 0 {
		cfg.AddKeyring(creds.RecordBackends(recs))
	}
	return nil
}

// keyIndexPath is the key index's path, "" when there is none: part of
// what list rows and credential-process answers depend on.
func (f *Factory) keyIndexPath() string {
	x, err := f.KeyIndex()
	if err != nil {
		return ""
	}
	return x.Path
}

// Store is the cache: every file switcher keeps under the cache directory.
// It is made once; --no-cache does not change it (callers decide whether
// to use it).
func (f *Factory) Store() (*creds.Store, error) {
	if f.store != nil {
		return f.store, nil
	}
	dir, err := f.CacheDir()
	if err != nil {
		return nil, err
	}
	f.store = &creds.Store{Dir: dir, Now: f.Now, Debugf: f.debugFunc(), Build: buildParts(f.Build)}
	return f.store, nil
}

// buildParts identifies the running program for the keys of derived data:
// what it remembers (sessions handed out, parsed configs, list rows) was
// computed by its code, so another build, even an unversioned one rebuilt
// in place, must not trust it.
func buildParts(b Build) []string {
	parts := []string{"version=" + b.Version, "commit=" + b.Commit}
	if exe, err := os.Executable(); err == nil {
		if id, err := creds.StatIdentity(exe); err == nil {
			parts = append(parts, id.Parts()...)
		}
	}
	return parts
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

// indexStore is the store for derived data: nil with --no-cache or without
// a usable cache directory (the caller then parses and computes as usual).
func (f *Factory) indexStore() *creds.Store {
	if f.Flags.NoCache {
		return nil
	}
	st, err := f.Store()
	if err != nil {
		f.Debugf("no cache: %v", err)
		return nil
	}
	return st
}

// LoadConfig reads the config and credentials files (--config/--credentials,
// the AWS_* variables, or ~/.aws) and parses them, the config file through
// its index in the cache while the file is unchanged. A missing file counts
// as empty; an unreadable one is an error naming it.
func (f *Factory) LoadConfig() (*profiles.Config, error) {
	cfg, err := f.loadFiles()
	if err != nil {
		return nil, err
	}
	if err := f.applyKeyring(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// loadFiles is LoadConfig without the keyring's profiles.
func (f *Factory) loadFiles() (*profiles.Config, error) {
	cfgPath, credPath, err := f.paths()
	if err != nil {
		return nil, err
	}
	st := f.indexStore()
	var deps creds.Deps
	if st != nil {
		if deps, err = st.Deps(creds.DepsConfigIndex, nil, cfgPath); err != nil {
			st = nil
		}
	}
	if st != nil {
		if cfg, ok, err := f.configFromIndex(st, deps, cfgPath, credPath); ok || err != nil {
			return cfg, err
		}
	}
	cfgData, err := readOptional(cfgPath)
	if err != nil {
		return nil, err
	}
	credData, err := readOptional(credPath)
	if err != nil {
		return nil, err
	}
	f.Debugf("config file %s (%d bytes), credentials file %s (%d bytes)", cfgPath, len(cfgData), credPath, len(credData))
	if st == nil {
		return profiles.Load(cfgPath, cfgData, credPath, credData)
	}
	cfg, snap, err := profiles.LoadAndSnapshot(cfgPath, cfgData, credPath, credData)
	if err != nil {
		return nil, err
	}
	if snap != nil {
		f.background(func() {
			if err := st.PutIndex(deps, snap); err != nil {
				f.Debugf("config index not written: %v", err)
			}
		})
	}
	return cfg, nil
}

// configFromIndex is the config from its index, with the credentials file
// parsed; ok is false when there is no usable index.
func (f *Factory) configFromIndex(st *creds.Store, deps creds.Deps, cfgPath, credPath string) (*profiles.Config, bool, error) {
	snap, ok := st.Index(deps)
	if !ok {
		return nil, false, nil
	}
	credData, err := readOptional(credPath)
	if err != nil {
		return nil, false, err
	}
	cfg, err := profiles.LoadFromSnapshot(snap, credPath, credData)
	switch {
	case err == nil:
		f.Debugf("config file %s from its index, credentials file %s (%d bytes)", cfgPath, credPath, len(credData))
		return cfg, true, nil
	case errors.Is(err, profiles.ErrBadSnapshot):
		f.Debugf("config index: %v; parsing", err)
		return nil, false, nil
	}
	return nil, false, err
}

// loadConfigFor is LoadConfig for a caller that needs only the named
// profiles and their chains: from the index only those are decoded
// (profiles.LoadFromSnapshotFor); without a valid index it is LoadConfig.
func (f *Factory) loadConfigFor(names []string) (*profiles.Config, error) {
	cfgPath, credPath, err := f.paths()
	if err != nil {
		return nil, err
	}
	st := f.indexStore()
	if st == nil {
		return f.LoadConfig()
	}
	deps, err := st.Deps(creds.DepsConfigIndex, nil, cfgPath)
	if err != nil {
		return f.LoadConfig()
	}
	snap, ok := st.Index(deps)
	if !ok {
		return f.LoadConfig()
	}
	credData, err := readOptional(credPath)
	if err != nil {
		return nil, err
	}
	cfg, err := profiles.LoadFromSnapshotFor(snap, names, credPath, credData)
	if errors.Is(err, profiles.ErrBadSnapshot) {
		return f.LoadConfig()
	}
	if err != nil {
		return nil, err
	}
	return cfg, f.applyKeyring(cfg)
}

// paths are the two files. A file named with --config or --credentials
// must exist (the defaults and the AWS_* variables may name missing
// files, as for the AWS CLI): `--config /nope` is a mistake, not an empty
// config. A command that creates the credentials file (write) allows a
// new one.
func (f *Factory) paths() (cfgPath, credPath string, err error) {
	if cfgPath, err = f.ConfigPath(); err != nil {
		return "", "", err
	}
	if credPath, err = f.CredentialsPath(); err != nil {
		return "", "", err
	}
	if err := namedFileExists("--config", f.Flags.ConfigFile, cfgPath, "$AWS_CONFIG_FILE or ~/.aws/config"); err != nil {
		return "", "", err
	}
	if !f.newCredentials {
		if err := namedFileExists("--credentials", f.Flags.CredentialsFile, credPath, "$AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials"); err != nil {
			return "", "", err
		}
	}
	return cfgPath, credPath, nil
}

// namedFileExists refuses a flag naming a file that is not there.
func namedFileExists(flag, given, path, otherwise string) error {
	if given == "" {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return globalUsagef("%s %s: no such file (a file named with %s must exist; without the flag switcher reads %s)", flag, given, flag, otherwise)
	}
	return nil
}

// Engine builds the credentials engine from the global flags: the cache
// (none with --no-cache), --endpoint-url, --region, --debug, the injected
// clock and environment, and MFA codes asked on /dev/tty (the engine runs
// a profile's mfa_process first, and says how to get a session when
// neither can give a code).
func (f *Factory) Engine(cfg *profiles.Config) (*creds.Engine, error) {
	e := f.STSEngine(cfg)
	if !f.Flags.NoCache {
		st, err := f.Store()
		if err != nil {
			return nil, err
		}
		e.Store = st
	}
	return e, nil
}

// STSEngine is the engine without a cache (whoami needs no more).
func (f *Factory) STSEngine(cfg *profiles.Config) *creds.Engine {
	var keys creds.KeySource
	if recs, err := f.keyRecords(); err == nil && len(recs) > 0 {
		keys = &creds.Keys{Records: recs, Open: f.OpenKeyring}
	}
	return &creds.Engine{
		Keys:        keys,
		Config:      cfg,
		Now:         f.Now,
		Getenv:      f.Getenv,
		Environ:     f.Environ,
		Prompt:      creds.TTYPrompter{},
		EndpointURL: f.Flags.EndpointURL,
		Region:      f.Flags.Region,
		Debugf:      f.debugFunc(),
	}
}

// AssumeOptions turns --mfa-code and --duration into engine options. A
// --duration that is not a duration, or outside STS's 15 minutes to 12
// hours, is a usage error. The MFA code is checked by the engine, before
// any call.
func (f *Factory) AssumeOptions() (creds.Options, error) {
	opt := creds.Options{MFACode: f.Flags.MFACode, NoSession: f.Flags.NoSession,
		SessionPolicy: f.Flags.SessionPolicy, SessionPolicyARNs: f.Flags.SessionPolicyARNs}
	if err := checkPolicyFlags(f.Flags); err != nil {
		return opt, err
	}
	if f.Flags.Duration != "" {
		secs, err := profiles.ParseDuration(f.Flags.Duration)
		if err != nil {
			return opt, globalUsagef("--duration: %w", err)
		}
		if err := profiles.ValidateDuration(secs); err != nil {
			return opt, globalUsagef("--duration %s: %w", f.Flags.Duration, err)
		}
		opt.DurationSeconds = secs
	}
	return opt, nil
}

// checkPolicyFlags checks --session-policy (inline JSON; a file:// one is
// read and checked when used) and --session-policy-arns before anything
// runs.
func checkPolicyFlags(g GlobalFlags) error {
	if p := g.SessionPolicy; p != "" && !strings.HasPrefix(p, profiles.PolicyFile) {
		if _, err := profiles.CompactPolicy("--session-policy", p); err != nil {
			return globalUsagef("%w", err)
		}
	}
	if g.SessionPolicyARNs != "" {
		if _, err := profiles.ParsePolicyARNs("--session-policy-arns", g.SessionPolicyARNs); err != nil {
			return globalUsagef("%w", err)
		}
	}
	return nil
}

// Assume loads the config and returns the session of profile, with the
// options of the global flags and min as the least time it must have left.
func (f *Factory) Assume(ctx context.Context, profile string, min time.Duration) (*creds.Session, error) {
	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, err
	}
	return f.AssumeWith(ctx, cfg, profile, min)
}

// warnCapped says on stderr, as plan does, that a hop asked for more than
// the hour AWS allows a chained role, with where the duration was set: the
// session lasts less than the config says. Only when the session was
// fetched (a cached one was warned about when it was).
func (f *Factory) warnCapped(cfg *profiles.Config, profile string, opt creds.Options) {
	pl, err := cfg.Plan(profile, opt.PlanOptions())
	if err != nil {
		return
	}
	for _, st := range pl.Steps {
		if !st.Capped {
			continue
		}
		for _, fd := range pl.Findings {
			if fd.Severity == profiles.SeverityWarning && fd.Key == profiles.KeyDurationSeconds && fd.Profile == st.Profile && fd.Pos == st.DurationPos {
				fmt.Fprintf(f.IO.ErrOut, "switcher: %s: warning: %s\n", fd.Pos, fd.Message)
				break
			}
		}
	}
}

// AssumeWith is Assume with a config already loaded.
func (f *Factory) AssumeWith(ctx context.Context, cfg *profiles.Config, profile string, min time.Duration) (*creds.Session, error) {
	return f.assume(ctx, cfg, profile, min, false)
}

// assumeKeys is Assume that takes a profile's long-term keys as they are
// (--no-session): what whoami asks GetCallerIdentity with, since it hands
// nothing out.
func (f *Factory) assumeKeys(ctx context.Context, profile string, min time.Duration) (*creds.Session, error) {
	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, err
	}
	return f.assume(ctx, cfg, profile, min, true)
}

func (f *Factory) assume(ctx context.Context, cfg *profiles.Config, profile string, min time.Duration, noSession bool) (*creds.Session, error) {
	opt, err := f.AssumeOptions()
	if err != nil {
		return nil, err
	}
	opt.MinRemaining = min
	opt.NoSession = opt.NoSession || noSession
	eng, err := f.Engine(cfg)
	if err != nil {
		return nil, err
	}
	s, err := eng.Assume(ctx, profile, opt)
	if err != nil {
		return nil, err
	}
	f.Debugf("session for %s: %v, from cache %t", profile, s.Credentials, s.FromCache)
	if !s.FromCache {
		f.warnCapped(cfg, profile, opt)
	}
	return s, nil
}

// assumeFunc is what commands that need a session hold.
type assumeFunc func(ctx context.Context, profile string, min time.Duration) (*creds.Session, error)

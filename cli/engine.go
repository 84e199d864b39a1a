package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// engine builds the credentials engine from the global flags: the cache
// under the user cache dir (none with --no-cache), --endpoint-url,
// --region, --debug, the injected clock and environment, and MFA codes
// asked on /dev/tty (the engine runs a profile's mfa_process first, and
// says how to get a session when neither can give a code).
func (a *app) engine(cfg *profiles.Config) (*creds.Engine, error) {
	e := a.stsEngine(cfg)
	if !a.noCache {
		dir, err := a.cacheDir()
		if err != nil {
			return nil, err
		}
		e.Cache = &creds.Cache{Dir: dir, Now: a.now}
	}
	return e, nil
}

// stsEngine is the engine without a cache (whoami needs no more).
func (a *app) stsEngine(cfg *profiles.Config) *creds.Engine {
	e := &creds.Engine{
		Config:      cfg,
		Now:         a.now,
		Getenv:      a.getenv,
		Prompt:      creds.TTYPrompter{},
		EndpointURL: a.endpointURL,
		Region:      a.region,
	}
	if a.debug {
		e.Debugf = a.debugf
	}
	return e
}

// assumeOptions turns --mfa-code and --duration into engine options. A
// --duration that is not a duration, or outside STS's 15 minutes to 12
// hours, is a usage error. The MFA code is checked by the engine, before
// any call.
func (a *app) assumeOptions() (creds.Options, error) {
	opt := creds.Options{MFACode: a.mfaCode}
	if a.duration != "" {
		secs, err := profiles.ParseDuration(a.duration)
		if err != nil {
			return opt, usagef("--duration: %w", err)
		}
		if err := profiles.ValidateDuration(secs); err != nil {
			return opt, usagef("--duration %s: %w", a.duration, err)
		}
		opt.DurationSeconds = secs
	}
	return opt, nil
}

// assume loads the config and returns the session of profile, with the
// options of the global flags and min as the least time it must have left.
func (a *app) assume(ctx context.Context, profile string, min time.Duration) (*creds.Session, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	return a.assumeWith(ctx, cfg, profile, min)
}

// assumeWith is assume with a config already loaded.
func (a *app) assumeWith(ctx context.Context, cfg *profiles.Config, profile string, min time.Duration) (*creds.Session, error) {
	opt, err := a.assumeOptions()
	if err != nil {
		return nil, err
	}
	opt.MinRemaining = min
	eng, err := a.engine(cfg)
	if err != nil {
		return nil, err
	}
	s, err := eng.Assume(ctx, profile, opt)
	if err != nil {
		return nil, err
	}
	a.debugf("session for %s: %v, from cache %t", profile, s.Credentials, s.FromCache)
	return s, nil
}

// cacheDir is <user cache dir>/switcher, the way os.UserCacheDir finds the
// user cache dir but from the injected environment: $XDG_CACHE_HOME or
// ~/.cache on Unix, ~/Library/Caches on macOS, %LocalAppData% on Windows.
func (a *app) cacheDir() (string, error) {
	base, err := userCacheDir(runtime.GOOS, a.getenv)
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

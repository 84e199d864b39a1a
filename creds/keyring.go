package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// Keyring holds long-term access keys, one item per profile, in an OS store
// or the passphrase-encrypted file store. Every call is bounded by a
// timeout (a locked keyring waiting for a prompt nobody answers fails
// instead of hanging) and fails with a *KeyringError that names the backend
// and the fix; no error holds a secret.
type Keyring interface {
	// Backend names the store: secret-service, keychain, wincred or file.
	Backend() string
	// Get reads profile's keys; ErrNotInKeyring when there are none.
	Get(ctx context.Context, profile string) (Credentials, error)
	// Set stores (or replaces) profile's keys.
	Set(ctx context.Context, profile string, c Credentials) error
	// Remove deletes profile's keys; ErrNotInKeyring when there are none.
	Remove(ctx context.Context, profile string) error
}

// The keyring backends.
const (
	BackendSecretService = "secret-service" // Linux and BSD: GNOME Keyring, KeePassXC, KWallet's Secret Service
	BackendKeychain      = "keychain"       // macOS, through /usr/bin/security
	BackendWinCred       = "wincred"        // Windows Credential Manager
	BackendFile          = "file"           // an age file per profile, scrypt from a passphrase
)

// KeyringBackends lists the backend names, for help and errors.
func KeyringBackends() []string {
	return []string{BackendSecretService, BackendKeychain, BackendWinCred, BackendFile}
}

// OSBackend is the OS store of goos, or "" where there is none.
func OSBackend(goos string) string {
	switch goos {
	case "darwin":
		return BackendKeychain
	case "windows":
		return BackendWinCred
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return BackendSecretService
	}
	return ""
}

// ErrNotInKeyring: the keyring holds no keys for the profile.
var ErrNotInKeyring = errors.New("no keys in the keyring")

// ErrNoKeyring is matched by a backend that cannot be used here.
var ErrNoKeyring = errors.New("keyring backend not available")

// KeyringError is a keyring call that failed, with what to do about it.
type KeyringError struct {
	Backend string
	Op      string // get, set, remove
	Profile string
	Err     error
	Fix     string
}

func (e *KeyringError) Error() string {
	s := "keyring " + e.Backend + ": "
	if e.Profile != "" {
		s += e.Op + " " + e.Profile + ": "
	}
	s += e.Err.Error()
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

func (e *KeyringError) Unwrap() error { return e.Err }

// DefaultKeyringTimeout bounds one OS keyring call, a prompt included.
const DefaultKeyringTimeout = time.Minute

// KeyringOptions choose and configure a backend.
type KeyringOptions struct {
	GOOS   string
	Getenv func(string) string
	// FileDir is the file backend's directory (<user data dir>/switcher/keyring).
	FileDir string
	// Passphrase gives the file backend's passphrase; confirm asks for it
	// twice (a new keyring). nil: the file backend cannot be opened.
	Passphrase func(ctx context.Context, confirm bool) (string, error)
	// WorkFactor is the scrypt cost of new file items (log2 N); 0: 18,
	// about a second, as age chooses.
	WorkFactor int
	// Timeout bounds one OS keyring call; 0: DefaultKeyringTimeout.
	Timeout time.Duration
	// Store is the OS store's calls; nil: github.com/zalando/go-keyring.
	// A seam for fakes (a store that never answers, one that refuses).
	Store OSStore
}

// OSStore is what an OS keyring offers: go-keyring's package functions.
type OSStore interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// goKeyring is the real OS store.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, secret string) error   { return keyring.Set(service, user, secret) }
func (goKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// OpenKeyring opens backend: one of KeyringBackends(), the OS store of o.GOOS or
// the file store. A backend that cannot work here (another system's, or a
// Secret Service with no session bus) is an error wrapping ErrNoKeyring
// that says what to use instead.
func OpenKeyring(backend string, o KeyringOptions) (Keyring, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	if backend == BackendFile {
		if o.FileDir == "" || o.Passphrase == nil {
			return nil, &KeyringError{Backend: backend, Err: ErrNoKeyring, Fix: "no directory or passphrase for the file keyring"}
		}
		return &fileKeyring{dir: o.FileDir, passphrase: o.Passphrase, workFactor: o.WorkFactor}, nil
	}
	native := OSBackend(o.GOOS)
	switch {
	case !knownBackend(backend):
		return nil, &KeyringError{Backend: backend, Err: fmt.Errorf("%w: unknown backend %q", ErrNoKeyring, backend),
			Fix: "use one of " + strings.Join(KeyringBackends(), ", ")}
	case backend != native:
		fix := "use --keyring-backend file"
		if native != "" {
			fix = "use --keyring-backend " + native + " or file"
		}
		return nil, &KeyringError{Backend: backend, Err: fmt.Errorf("%w on %s", ErrNoKeyring, o.GOOS), Fix: fix}
	case backend == BackendSecretService && o.Getenv != nil && o.Getenv("DBUS_SESSION_BUS_ADDRESS") == "":
		return nil, &KeyringError{Backend: backend,
			Err: fmt.Errorf("%w: DBUS_SESSION_BUS_ADDRESS is not set (no desktop session, e.g. over ssh or in CI)", ErrNoKeyring),
			Fix: "use --keyring-backend file (passphrase-encrypted), or run inside a D-Bus session with a Secret Service (gnome-keyring, KeePassXC)"}
	}
	store := o.Store
	if store == nil {
		store = goKeyring{}
	}
	return &osKeyring{backend: backend, timeout: timeout, store: store}, nil
}

func knownBackend(b string) bool {
	for _, k := range KeyringBackends() {
		if b == k {
			return true
		}
	}
	return false
}

// keyringService is the service name of switcher's items in an OS store;
// the account (user) is the profile name.
const keyringService = "switcher"

// keyringItem is what an item holds: the long-term keys, as JSON.
type keyringItem struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

func encodeItem(c Credentials) (string, error) {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken != "" {
		return "", errors.New("only long-term keys (an access key id and a secret, no session token) go in the keyring")
	}
	b, err := json.Marshal(keyringItem{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey})
	return string(b), err
}

func decodeItem(s string) (Credentials, error) {
	var it keyringItem
	if err := json.Unmarshal([]byte(s), &it); err != nil || it.AccessKeyID == "" || it.SecretAccessKey == "" {
		return Credentials{}, errors.New("the item is not a switcher key pair (damaged, or written by another program)")
	}
	return Credentials{AccessKeyID: it.AccessKeyID, SecretAccessKey: it.SecretAccessKey}, nil
}

// osKeyring is the system's own store, through github.com/zalando/go-keyring:
// the Secret Service over D-Bus, the macOS keychain through
// /usr/bin/security (no cgo), the Windows Credential Manager.
type osKeyring struct {
	backend string
	timeout time.Duration
	store   OSStore
}

func (k *osKeyring) Backend() string { return k.backend }

func (k *osKeyring) Get(ctx context.Context, profile string) (Credentials, error) {
	var secret string
	err := k.call(ctx, "get", profile, func() (err error) {
		secret, err = k.store.Get(keyringService, profile)
		return err
	})
	if err != nil {
		return Credentials{}, err
	}
	c, err := decodeItem(secret)
	if err != nil {
		return Credentials{}, &KeyringError{Backend: k.backend, Op: "get", Profile: profile, Err: err,
			Fix: "store the keys again: switcher keys add " + profile}
	}
	return c, nil
}

func (k *osKeyring) Set(ctx context.Context, profile string, c Credentials) error {
	item, err := encodeItem(c)
	if err != nil {
		return &KeyringError{Backend: k.backend, Op: "set", Profile: profile, Err: err}
	}
	return k.call(ctx, "set", profile, func() error { return k.store.Set(keyringService, profile, item) })
}

func (k *osKeyring) Remove(ctx context.Context, profile string) error {
	return k.call(ctx, "remove", profile, func() error { return k.store.Delete(keyringService, profile) })
}

// call runs fn within the timeout and explains its error.
func (k *osKeyring) call(ctx context.Context, op, profile string, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		return k.explain(op, profile, err)
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		return &KeyringError{Backend: k.backend, Op: op, Profile: profile,
			Err: fmt.Errorf("no answer within %s", k.timeout),
			Fix: "the keyring may be locked and waiting on a password prompt nobody can see: unlock it and try again, or use --keyring-backend file"}
	}
}

// explain turns a store's error into one that says what to do.
func (k *osKeyring) explain(op, profile string, err error) error {
	e := &KeyringError{Backend: k.backend, Op: op, Profile: profile, Err: err}
	msg := strings.ToLower(err.Error())
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		e.Err = ErrNotInKeyring
		e.Fix = "store them with: switcher keys add " + profile
	case errors.Is(err, keyring.ErrSetDataTooBig):
		e.Fix = "the keys are larger than this store takes"
	case strings.Contains(msg, "serviceunknown") || strings.Contains(msg, "was not provided by any"):
		e.Err = fmt.Errorf("%w: no Secret Service on the session bus", ErrNoKeyring)
		e.Fix = "start gnome-keyring or KeePassXC's Secret Service, or use --keyring-backend file"
	case strings.Contains(msg, "unlock") || strings.Contains(msg, "locked") || strings.Contains(msg, "dismissed") ||
		strings.Contains(msg, "user interaction is not allowed") || strings.Contains(msg, "user canceled"):
		e.Err = errors.New("the keyring is locked")
		e.Fix = "unlock it (log in to the desktop session, or `gnome-keyring-daemon --unlock`, or unlock the keychain) and try again"
	case strings.Contains(msg, "no such file") && k.backend == BackendKeychain:
		e.Fix = "/usr/bin/security is missing: use --keyring-backend file"
	}
	return e
}

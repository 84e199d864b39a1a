package creds

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Store owns every file switcher keeps in its cache directory: role
// sessions, MFA sessions, used-code marks, credential-process fast entries,
// the config and list indexes, and the locks that serialise the processes
// computing them. Nothing else opens those files, and this file and
// store_*.go are the one place that knows each format.
//
// The directory is created 0700 and must be the user's own: a symlink, or a
// directory owned by someone else, is an error naming it (switcher never
// chmods a directory it does not own). Every file is written 0600 with
// WriteFileAtomic, and read only when it is a regular file, owned by the
// user and closed to others: anything else was not written by switcher, so
// it is a miss (said under Debugf) and is replaced.
//
//	st := &creds.Store{Dir: filepath.Join(userCacheDir, "switcher"), Now: time.Now}
type Store struct {
	Dir string
	// Now is the clock: expiry of entries, the age of leftover temporary
	// files, and whether a file has settled (RacyWindow). Required.
	Now    func() time.Time
	Debugf func(format string, args ...any)
	// Build identifies the running program. It is part of the key of
	// everything derived by its code (indexes, fast entries), so that
	// another build, even an unversioned one rebuilt in place, does not
	// trust what this one wrote.
	Build []string

	once   sync.Once
	dirErr error
}

// ErrInvalidCacheKey is returned (wrapped) for a key that is not a plain
// file name (see Key).
var ErrInvalidCacheKey = errors.New("invalid cache key")

// ErrCacheDirUnsafe is matched by a cache directory switcher refuses: a
// symlink, not a directory, owned by another user, or open to others and
// impossible to tighten.
var ErrCacheDirUnsafe = errors.New("unsafe cache directory")

// UnsafeDirError names a directory switcher will not keep files in, and why.
type UnsafeDirError struct {
	Dir string
	Why string
	Fix string
	Err error
}

func (e *UnsafeDirError) Error() string {
	s := fmt.Sprintf("cache directory %s %s", e.Dir, e.Why)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

func (e *UnsafeDirError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCacheDirUnsafe) true.
func (e *UnsafeDirError) Is(target error) bool { return target == ErrCacheDirUnsafe }

// staleTemp is how old a leftover temporary file in the cache directory
// must be before Clean removes it (a younger one may belong to a write in
// progress: cache entries are written without a lock).
const staleTemp = 10 * time.Minute

// Key derives a cache key from the values that decide an entry: the hex
// SHA-256 of the parts, each prefixed by its length so that ("ab", "c")
// and ("a", "bc") differ. It is 64 characters of [0-9a-f].
func Key(parts ...string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// validKey accepts keys that are safe file names on every system:
// [A-Za-z0-9_-], then optionally more of those and dots, up to 128 bytes.
func validKey(key string) error {
	if key == "" || len(key) > 128 {
		return fmt.Errorf("%w %q: want 1 to 128 characters", ErrInvalidCacheKey, key)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.' && i > 0:
		default:
			return fmt.Errorf("%w %q: only letters, digits, '-', '_' and '.' (not first)", ErrInvalidCacheKey, key)
		}
	}
	return nil
}

func (s *Store) debugf(format string, args ...any) {
	if s.Debugf != nil {
		s.Debugf(format, args...)
	}
}

func (s *Store) now() time.Time { return s.Now() }

// dir returns the cache directory once it is known to be safe, creating it
// (0700) when missing. The check runs once per Store.
func (s *Store) dir() (string, error) {
	if s.Dir == "" {
		return "", errors.New("cache: no directory set")
	}
	s.once.Do(func() { s.dirErr = checkPrivateDir(s.Dir) })
	return s.Dir, s.dirErr
}

// checkPrivateDir makes dir (and missing parents) 0700 if it does not
// exist, then refuses it unless it is a directory of the user's own: never
// a symlink (its target could be anywhere), never another user's. A
// directory of the user's that others can enter is tightened to 0700.
func checkPrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return &UnsafeDirError{Dir: dir, Why: "cannot be created", Err: err}
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return &UnsafeDirError{Dir: dir, Why: "cannot be read", Err: err}
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		return &UnsafeDirError{Dir: dir, Why: fmt.Sprintf("is a symbolic link (to %s), which switcher does not follow for files holding credentials", target),
			Fix: "remove the link; switcher creates the directory itself"}
	case !fi.IsDir():
		return &UnsafeDirError{Dir: dir, Why: "is not a directory", Fix: "remove or rename it"}
	}
	if uid, ok := fileOwner(fi); ok && uid != currentUID() {
		return &UnsafeDirError{Dir: dir, Why: fmt.Sprintf("is owned by uid %d, not by you (uid %d)", uid, currentUID()),
			Fix: "remove it, or point $XDG_CACHE_HOME at a directory of your own"}
	}
	if posixModes && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil { //nolint:gosec // a directory needs x; 0700 is owner-only
			return &UnsafeDirError{Dir: dir, Why: fmt.Sprintf("has mode %04o and cannot be tightened", fi.Mode().Perm()), Err: err,
				Fix: "run: chmod 700 " + dir}
		}
	}
	return nil
}

func (s *Store) path(key, ext string) (string, error) {
	if err := validKey(key); err != nil {
		return "", err
	}
	dir, err := s.dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, key+ext), nil
}

// Lock takes the lock for key (<Dir>/<key>.lock), waiting for another
// goroutine or process that holds it, until ctx ends (then the error wraps
// ctx's error). Call unlock when the entry is written; it may be called
// more than once.
func (s *Store) Lock(ctx context.Context, key string) (unlock func(), err error) {
	path, err := s.path(key, ".lock")
	if err != nil {
		return nil, err
	}
	unlock, err = lockFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return unlock, nil
}

// entryHeader is what every entry file starts with: its kind, the profile
// it is for (when it is for one) and when it expires.
type entryHeader struct {
	Kind       string    `json:"Kind"`
	Profile    string    `json:"Profile,omitempty"`
	Expiration time.Time `json:"Expiration,omitzero"`
}

// The kinds of entry, each with its own format (store_entries.go).
const (
	kindRoleSession = "role-session"
	kindMFASession  = "mfa-session"
	kindUsedCode    = "used-mfa-code"
	kindFast        = "credential-process"
)

func knownKind(k string) bool {
	switch k {
	case kindRoleSession, kindMFASession, kindUsedCode, kindFast:
		return true
	}
	return false
}

// getEntry reads the entry for key into v when it is a trusted file of
// kind. A missing entry is a miss; so is an untrusted, corrupt or foreign
// one (said under Debugf), and a corrupt one is removed.
func (s *Store) getEntry(key, kind string, v any) bool {
	path, err := s.path(key, ".json")
	if err != nil {
		s.debugf("cache: %v", err)
		return false
	}
	data, fi, err := readTrusted(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.debugf("cache: %v; a miss, replaced by the next write", err)
		}
		return false
	}
	var h entryHeader
	if json.Unmarshal(data, &h) != nil || h.Kind != kind || json.Unmarshal(data, v) != nil {
		if h.Kind == "" || !knownKind(h.Kind) {
			s.debugf("cache: %s is not an entry of this version of switcher; removing it", path)
			// Remove only the file that was read: a writer may have
			// renamed a good entry over it meanwhile.
			if now, err := os.Lstat(path); err == nil && os.SameFile(fi, now) {
				_ = os.Remove(path)
			}
		}
		return false
	}
	return true
}

// putEntry stores v (which carries its Kind) as the entry for key.
func (s *Store) putEntry(key string, v any) error {
	path, err := s.path(key, ".json")
	if err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cache: encode %s: %w", key, err)
	}
	if err := WriteFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// deleteEntry removes the entry for key; a missing entry is not an error.
func (s *Store) deleteEntry(key string) error {
	path, err := s.path(key, ".json")
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// headers reads the header of every trusted entry in the directory.
func (s *Store) headers(fn func(name string, h entryHeader)) {
	dir, err := s.dir()
	if err != nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range entries {
		name := de.Name()
		key, ok := strings.CutSuffix(name, ".json")
		if !ok || !de.Type().IsRegular() || validKey(key) != nil {
			continue
		}
		data, _, err := readTrusted(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		var h entryHeader
		if json.Unmarshal(data, &h) == nil && knownKind(h.Kind) {
			fn(name, h)
		}
	}
}

// LiveProfiles lists the profiles that have an unexpired session in the
// cache (a role session, or a credential-process fast entry), so that a
// caller listing thousands of profiles asks the engine about these alone.
func (s *Store) LiveProfiles() map[string]bool {
	now := s.now()
	live := map[string]bool{}
	s.headers(func(_ string, h entryHeader) {
		if (h.Kind == kindRoleSession || h.Kind == kindFast) && h.Profile != "" && h.Expiration.After(now) {
			live[h.Profile] = true
		}
	})
	return live
}

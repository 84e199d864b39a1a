package creds

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"
)

// ErrInvalidCacheKey is returned (wrapped) for a key that is not a plain
// file name (see Key).
var ErrInvalidCacheKey = errors.New("invalid cache key")

// ErrCacheDirUnsafe is returned (wrapped) when the cache directory is
// readable or writable by others and cannot be tightened to 0700.
var ErrCacheDirUnsafe = errors.New("cache directory is accessible by other users")

// staleTemp is how old a leftover temporary file must be before Clean
// removes it (a younger one may belong to a Put in progress).
const staleTemp = 10 * time.Minute

// Cache stores JSON values (sessions, MFA sessions) as files
// <Dir>/<key>.json, mode 0600, in a directory kept at 0700, each written
// atomically; Lock serialises the processes that would compute the same
// entry. Dir is <user cache dir>/switcher in production. Now is used only
// by Clean (to age leftover temporary files); nil disables that.
//
//	c := &creds.Cache{Dir: filepath.Join(userCacheDir, "switcher"), Now: time.Now}
type Cache struct {
	Dir string
	Now func() time.Time
}

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

// dir creates the cache directory (0700) if needed and makes sure nobody
// else can read it: a looser existing directory is tightened, or refused
// with ErrCacheDirUnsafe when it cannot be.
func (c *Cache) dir() (string, error) {
	if c.Dir == "" {
		return "", errors.New("cache: no directory set")
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return "", fmt.Errorf("cache: %w", err)
	}
	if runtime.GOOS == "windows" { // no POSIX modes; the profile dir is private
		return c.Dir, nil
	}
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return "", fmt.Errorf("cache: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("cache: %s is not a directory", c.Dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(c.Dir, 0o700); err != nil { //nolint:gosec // a directory needs x; 0700 is owner-only
			return "", fmt.Errorf("cache: %s has mode %04o: %w (run: chmod 700 %s): %w",
				c.Dir, fi.Mode().Perm(), ErrCacheDirUnsafe, c.Dir, err)
		}
	}
	return c.Dir, nil
}

func (c *Cache) path(key, ext string) (string, error) {
	if err := validKey(key); err != nil {
		return "", err
	}
	dir, err := c.dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, key+ext), nil
}

// Lock takes the lock for key (<Dir>/<key>.lock), waiting for another
// goroutine or process that holds it, until ctx ends (then the error wraps
// ctx's error). Call unlock when the entry is written; it may be called
// more than once.
func (c *Cache) Lock(ctx context.Context, key string) (unlock func(), err error) {
	path, err := c.path(key, ".lock")
	if err != nil {
		return nil, err
	}
	unlock, err = lockFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return unlock, nil
}

// Get reads the entry for key into v. It reports false, with no error,
// when there is no entry, and also when the entry is corrupt or does not
// fit v: that entry is removed, so the caller recomputes it.
func (c *Cache) Get(key string, v any) (bool, error) {
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		// Checked first: Unmarshal's error would look like a corrupt entry.
		return false, fmt.Errorf("cache: Get needs a non-nil pointer, not %T", v)
	}
	path, err := c.path(key, ".json")
	if err != nil {
		return false, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cache: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("cache: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return false, fmt.Errorf("cache: %w", err)
	}
	if !json.Valid(data) || json.Unmarshal(data, v) != nil {
		// Remove only the file that was read: a writer may have renamed a
		// good entry over it meanwhile.
		if now, err := os.Stat(path); err == nil && os.SameFile(fi, now) {
			_ = os.Remove(path)
		}
		return false, nil
	}
	return true, nil
}

// Put stores v as JSON under key: written to a temporary file (0600) in
// the cache directory and renamed over the entry.
func (c *Cache) Put(key string, v any) error {
	path, err := c.path(key, ".json")
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

// Delete removes the entry for key; a missing entry is not an error.
func (c *Cache) Delete(key string) error {
	path, err := c.path(key, ".json")
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// Clean removes entries: every entry when all is set, else the corrupt
// ones and those for which expired (given the entry's raw JSON) is true;
// expired may be nil. It also removes lock files that nobody holds and
// whose entry is gone (every unheld one when all is set), and temporary
// files left by a crashed writer (older than 10 minutes, judged by Now).
// Files that are not the cache's own are left alone. removed counts
// entries only. Errors do not stop the sweep; the first is returned.
func (c *Cache) Clean(all bool, expired func(raw []byte) bool) (removed int, err error) {
	dir, err := c.dir()
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("cache: %w", err)
	}
	var first error
	keep := func(e error) {
		if e != nil && first == nil && !errors.Is(e, fs.ErrNotExist) {
			first = fmt.Errorf("cache: clean: %w", e)
		}
	}
	live := map[string]bool{}
	var locks, temps []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case !e.Type().IsRegular():
		case strings.HasPrefix(name, tempPrefix):
			temps = append(temps, name)
		case strings.HasSuffix(name, ".lock") && validKey(strings.TrimSuffix(name, ".lock")) == nil:
			locks = append(locks, name)
		case strings.HasSuffix(name, ".json") && validKey(strings.TrimSuffix(name, ".json")) == nil:
			key := strings.TrimSuffix(name, ".json")
			path := filepath.Join(dir, name)
			drop := all
			if !drop {
				raw, err := os.ReadFile(path)
				if err != nil {
					keep(err)
					live[key] = true
					continue
				}
				drop = !json.Valid(raw) || (expired != nil && expired(raw))
			}
			if !drop {
				live[key] = true
				continue
			}
			if err := os.Remove(path); err != nil {
				keep(err)
				continue
			}
			removed++
		}
	}
	for _, name := range locks {
		if !all && live[strings.TrimSuffix(name, ".lock")] {
			continue
		}
		path := filepath.Join(dir, name)
		unlock, ok, err := tryLockFile(path)
		if err != nil {
			keep(err)
			continue
		}
		if !ok {
			continue // held: someone is computing this entry now
		}
		// Removing while holding is safe: lockFile re-checks the path.
		keep(os.Remove(path))
		unlock()
	}
	if c.Now != nil {
		cutoff := c.Now().Add(-staleTemp)
		for _, name := range temps {
			path := filepath.Join(dir, name)
			if fi, err := os.Stat(path); err == nil && fi.ModTime().Before(cutoff) {
				keep(os.Remove(path))
			}
		}
	}
	return removed, first
}

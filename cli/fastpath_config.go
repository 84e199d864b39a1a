package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// The warm config index: loadConfig keeps a snapshot of the config file's
// parse (profiles.LoadAndSnapshot) in the cache directory, one file per
// config path, and uses it instead of parsing while the file's identity
// (device, inode, size, mode, mtime and ctime in ns) is the one recorded.
// The credentials file is parsed every time; see profiles/snapshot.go for
// why a snapshot never holds a secret. --no-cache skips the index.
//
// File layout: indexMagic, the SHA-256 of what the snapshot is valid for
// (format, build, the config file's identity), the CRC-32C of the
// snapshot, then the snapshot.

const indexMagic = "swidx\x00\x00\x01"

// indexPath is the index file of one config path.
func indexPath(cacheDir, configPath string) string {
	return filepath.Join(cacheDir, "config-"+creds.Key("config-index", configPath)[:32]+".idx")
}

// indexIdentity is what an index entry is valid for.
func indexIdentity(id fileIdentity) [sha256.Size]byte {
	parts := append(append([]string{indexMagic}, buildParts()...), id.parts()...)
	return sha256.Sum256([]byte(creds.Key(parts...)))
}

// loadConfigIndexed is loadConfig through the index. handled is false with
// --no-cache or without a cache directory: loadConfig parses as before.
// Errors are loadConfig's: the files' read and parse errors.
func (a *app) loadConfigIndexed(cfgPath, credPath string) (cfg *profiles.Config, handled bool, err error) {
	// Without a cache directory, or a file that cannot be stat'ed, the
	// plain loadConfig decides (and reports what is wrong).
	dir, dirErr := a.cacheDir()
	before, statErr := statIdentity(cfgPath)
	if a.noCache || dirErr != nil || statErr != nil {
		return nil, false, nil //nolint:nilerr // not handled: loadConfig reports it
	}
	want := indexIdentity(before)
	path := indexPath(dir, cfgPath)
	if snap, ok := readIndex(path, indexMagic, want); ok {
		credData, err := readOptional(credPath)
		if err != nil {
			return nil, true, err
		}
		cfg, err := profiles.LoadFromSnapshot(snap, credPath, credData)
		if err == nil {
			a.debugf("config file %s from its index, credentials file %s (%d bytes)", cfgPath, credPath, len(credData))
			return cfg, true, nil
		}
		if !errors.Is(err, profiles.ErrBadSnapshot) {
			return nil, true, err
		}
		a.debugf("config index %s: %v; parsing", path, err)
	}

	cfgData, err := readOptional(cfgPath)
	if err != nil {
		return nil, true, err
	}
	credData, err := readOptional(credPath)
	if err != nil {
		return nil, true, err
	}
	a.debugf("config file %s (%d bytes), credentials file %s (%d bytes)", cfgPath, len(cfgData), credPath, len(credData))
	cfg, snap, err := profiles.LoadAndSnapshot(cfgPath, cfgData, credPath, credData)
	if err != nil {
		return nil, true, err
	}
	// Record only what was read from a settled file that stayed the same.
	after, err := statIdentity(cfgPath)
	if snap != nil && err == nil && after == before && before.settled(a.clock()) {
		if err := writeIndex(dir, path, indexMagic, want, snap); err != nil {
			a.debugf("config index not written: %v", err)
		}
	}
	return cfg, true, nil
}

// readIndex returns the payload of an index file (magic, the SHA-256 of
// what it is valid for, the CRC-32C of the payload, the payload) when it is
// valid for want and intact.
func readIndex(path, magic string, want [sha256.Size]byte) ([]byte, bool) {
	data, err := os.ReadFile(path)
	header := len(magic) + sha256.Size + 4
	if err != nil || len(data) < header || string(data[:len(magic)]) != magic {
		return nil, false
	}
	if !bytes.Equal(data[len(magic):len(magic)+sha256.Size], want[:]) {
		return nil, false
	}
	payload := data[header:]
	if crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)) != binary.BigEndian.Uint32(data[header-4:header]) {
		return nil, false
	}
	return payload, true
}

// writeIndex replaces an index file atomically (0600, in the 0700 cache
// directory). An index is derived data checked on every read (identity
// hash, CRC-32C), so unlike a cache entry it is not synced to disk: a file
// a crash leaves short or zeroed fails the check and is rebuilt.
func writeIndex(dir, path, magic string, id [sha256.Size]byte, payload []byte) (err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var header []byte
	header = append(header, magic...)
	header = append(header, id[:]...)
	header = binary.BigEndian.AppendUint32(header, crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)))
	// The prefix of creds.WriteFileAtomic's temporary files, which
	// `switcher clean` removes when a write was interrupted.
	tmp, err := os.CreateTemp(dir, ".switcher-tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(header); err != nil {
		return err
	}
	if _, err = tmp.Write(payload); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// loadConfigFor is loadConfig for a caller that needs only the named
// profiles and their chains: from the index, only those are decoded
// (profiles.LoadFromSnapshotFor); without a valid index it is loadConfig.
func (a *app) loadConfigFor(names []string) (*profiles.Config, error) {
	cfgPath, err := a.configPath()
	if err != nil {
		return nil, err
	}
	credPath, err := a.credentialsPath()
	if err != nil {
		return nil, err
	}
	dir, err := a.cacheDir()
	if a.noCache || err != nil {
		return a.loadConfig()
	}
	id, err := statIdentity(cfgPath)
	if err != nil {
		return a.loadConfig()
	}
	snap, ok := readIndex(indexPath(dir, cfgPath), indexMagic, indexIdentity(id))
	if !ok {
		return a.loadConfig()
	}
	credData, err := readOptional(credPath)
	if err != nil {
		return nil, err
	}
	cfg, err := profiles.LoadFromSnapshotFor(snap, names, credPath, credData)
	if errors.Is(err, profiles.ErrBadSnapshot) {
		return a.loadConfig()
	}
	return cfg, err
}

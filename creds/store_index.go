package creds

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path/filepath"
)

// Deps kinds: what a piece of derived data is.
const (
	// DepsCredentialProcess: a credential-process answer (a fast entry).
	DepsCredentialProcess = "credential-process" //nolint:gosec // a kind of cache entry, not a credential
	// DepsConfigIndex: the parse of a config file (profiles.LoadAndSnapshot).
	DepsConfigIndex = "config"
	// DepsListRows: the rows `switcher list` prints of a config and
	// credentials file pair.
	DepsListRows = "list"
)

// Deps is what a piece of derived data was computed from: its kind, the
// build (Store.Build), other values that change it (flags, environment)
// and the identities of the files it read. It is valid while a fresh Deps
// of the same kind, values and files is equal.
type Deps struct {
	kind  string
	parts []string
	paths []string
	files []FileIdentity
	key   string
}

// Deps stats the files at paths and derives the key of data of kind
// computed from them and from parts.
func (s *Store) Deps(kind string, parts []string, paths ...string) (Deps, error) {
	d := Deps{kind: kind, parts: parts, paths: paths, files: make([]FileIdentity, 0, len(paths))}
	all := make([]string, 0, 2+len(s.Build)+len(parts)+8*len(paths))
	all = append(all, "switcher-derived-2", kind)
	all = append(all, s.Build...)
	all = append(all, parts...)
	for _, p := range paths {
		id, err := StatIdentity(p)
		if err != nil {
			return Deps{}, err
		}
		d.files = append(d.files, id)
		all = append(all, id.Parts()...)
	}
	d.key = Key(all...)
	return d, nil
}

// unchanged says why data computed from before must not be recorded: a
// file changed since (or cannot be stat'ed), or changed too recently.
func (s *Store) unchanged(before Deps) error {
	after, err := s.Deps(before.kind, before.parts, before.paths...)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	if after.key != before.key {
		return fmt.Errorf("%w: a file changed while it was read", ErrNotRecorded)
	}
	now := s.now()
	for _, f := range before.files {
		if !f.Settled(now) {
			return fmt.Errorf("%w: %s changed less than %s ago", ErrNotRecorded, f.Path, RacyWindow)
		}
	}
	return nil
}

// The index file format: indexMagic, the SHA-256 of the Deps key it is
// valid for, the CRC-32C of the payload, then the payload (whose own format
// belongs to the caller: a profiles snapshot, or list rows).
const indexMagic = "swidx\x00\x00\x02"

// indexPath is the file of the index of kind for the files at paths: one
// per file set, replaced when the files change.
func (s *Store) indexPath(d Deps) (string, error) {
	dir, err := s.dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, d.kind+"-"+Key(append([]string{"index", d.kind}, d.paths...)...)[:32]+".idx"), nil
}

// Index returns the payload recorded for d, when the index exists, is
// trusted, is valid for d and intact.
func (s *Store) Index(d Deps) ([]byte, bool) {
	path, err := s.indexPath(d)
	if err != nil {
		return nil, false
	}
	data, _, err := readTrusted(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.debugf("index: %v", err)
		}
		return nil, false
	}
	want := sha256.Sum256([]byte(d.key))
	header := len(indexMagic) + sha256.Size + 4
	if len(data) < header || string(data[:len(indexMagic)]) != indexMagic || !bytes.Equal(data[len(indexMagic):len(indexMagic)+sha256.Size], want[:]) {
		return nil, false
	}
	payload := data[header:]
	if crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)) != binary.BigEndian.Uint32(data[header-4:header]) {
		s.debugf("index: %s is damaged; rebuilding it", path)
		return nil, false
	}
	return payload, true
}

// PutIndex records payload, computed from before, when the files are
// still the same and have settled.
func (s *Store) PutIndex(before Deps, payload []byte) error {
	if err := s.unchanged(before); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	path, err := s.indexPath(before)
	if err != nil {
		return err
	}
	id := sha256.Sum256([]byte(before.key))
	data := make([]byte, 0, len(indexMagic)+sha256.Size+4+len(payload))
	data = append(data, indexMagic...)
	data = append(data, id[:]...)
	data = binary.BigEndian.AppendUint32(data, crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)))
	data = append(data, payload...)
	if err := WriteFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

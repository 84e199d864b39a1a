package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// KeyIndex records which profiles have long-term keys in a keyring: the
// backend, the last four characters of the key id, and when they were
// added and last rotated. It holds no secret. Resolution (plan, list,
// doctor) and the cache keys read it instead of the keyring, so a cached
// session never touches the keyring. It is one JSON file in the user's data
// directory (<user data dir>/switcher/keys.json), kept like every file
// switcher keeps, and changed under a lock.
type KeyIndex struct {
	Path string
	Now  func() time.Time
}

// KeyRecord is what the index knows of one profile's keys.
type KeyRecord struct {
	Profile     string    `json:"profile"`
	Backend     string    `json:"backend"`
	KeyIDSuffix string    `json:"key_id_suffix"` // the last 4 characters
	Added       time.Time `json:"added"`
	Rotated     time.Time `json:"rotated,omitzero"`
}

type keyIndexFile struct {
	Version int         `json:"version"`
	Keys    []KeyRecord `json:"keys"`
}

// Load reads the index; a missing file is an empty index.
func (x KeyIndex) Load() (map[string]KeyRecord, error) {
	out := map[string]KeyRecord{}
	if x.Path == "" {
		return out, nil
	}
	data, _, err := readTrusted(x.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return out, nil
	case err != nil:
		return nil, fmt.Errorf("keys index: %w", err)
	}
	var f keyIndexFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("keys index %s is damaged: %w (the keys themselves are in the keyring: `switcher keys add PROFILE` records one again)", x.Path, err)
	}
	for _, r := range f.Keys {
		out[r.Profile] = r
	}
	return out, nil
}

// RecordBackends is Load reduced to profile → backend, for
// profiles.Config.AddKeyring.
func RecordBackends(records map[string]KeyRecord) map[string]string {
	out := make(map[string]string, len(records))
	for p, r := range records {
		out[p] = r.Backend
	}
	return out
}

// Update changes the index under its lock: change gets the records and may
// edit them; they are written back atomically when it returns nil.
func (x KeyIndex) Update(ctx context.Context, change func(map[string]KeyRecord) error) error {
	if err := checkPrivateDir(filepath.Dir(x.Path)); err != nil {
		return fmt.Errorf("keys index: %w", err)
	}
	unlock, err := lockFile(ctx, x.Path+".lock")
	if err != nil {
		return fmt.Errorf("keys index: %w", err)
	}
	defer unlock()
	recs, err := x.Load()
	if err != nil {
		return err
	}
	if err := change(recs); err != nil {
		return err
	}
	f := keyIndexFile{Version: 1, Keys: make([]KeyRecord, 0, len(recs))}
	for _, r := range recs {
		f.Keys = append(f.Keys, r)
	}
	sort.Slice(f.Keys, func(i, j int) bool { return f.Keys[i].Profile < f.Keys[j].Profile })
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(x.Path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("keys index: %w", err)
	}
	return nil
}

// KeyIDSuffix is the last four characters of a key id, as the index and
// `keys list` show it.
func KeyIDSuffix(id string) string {
	if len(id) <= 4 {
		return id
	}
	return id[len(id)-4:]
}

// KeySource gives the engine a profile's long-term keys from the keyring.
type KeySource interface {
	// Version changes whenever the profile's keys do (rotated, replaced),
	// without reading the keyring: part of the cache keys.
	Version(profile string) string
	// Keys reads the keyring.
	Keys(ctx context.Context, profile string) (Credentials, error)
}

// Keys is the production KeySource: the index's records, and the backend
// each names opened on first use.
type Keys struct {
	Records map[string]KeyRecord
	Open    func(backend string) (Keyring, error)

	mu     sync.Mutex
	opened map[string]Keyring
}

// Version is the backend, key id suffix and times of profile's record.
func (k *Keys) Version(profile string) string {
	r, ok := k.Records[profile]
	if !ok {
		return ""
	}
	return "keyring:" + r.Backend + ":" + r.KeyIDSuffix + ":" + strconv.FormatInt(r.Added.UnixNano(), 10) + ":" + strconv.FormatInt(r.Rotated.UnixNano(), 10)
}

// Keys reads profile's keys from the backend its record names.
func (k *Keys) Keys(ctx context.Context, profile string) (Credentials, error) {
	r, ok := k.Records[profile]
	if !ok {
		return Credentials{}, fmt.Errorf("profile %s: %w (switcher keys add %s)", profile, ErrNotInKeyring, profile)
	}
	kr, err := k.open(r.Backend)
	if err != nil {
		return Credentials{}, err
	}
	return kr.Get(ctx, profile)
}

func (k *Keys) open(backend string) (Keyring, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if kr, ok := k.opened[backend]; ok {
		return kr, nil
	}
	kr, err := k.Open(backend)
	if err != nil {
		return nil, err
	}
	if k.opened == nil {
		k.opened = map[string]Keyring{}
	}
	k.opened[backend] = kr
	return kr, nil
}

// keyringProvider is the SDK provider of a keyring source.
func (e *Engine) keyringProvider(profile string) (aws.CredentialsProvider, error) {
	if e.Keys == nil {
		return nil, fmt.Errorf("the keys of %s are in the keyring, but no keyring is open", profile)
	}
	return aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		c, err := e.Keys.Keys(ctx, profile)
		if err != nil {
			return aws.Credentials{}, err
		}
		return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Source: "switcher keyring"}, nil
	}), nil
}

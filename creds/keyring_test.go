package creds

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zalando/go-keyring"
)

// Obviously fake long-term keys.
var keyringKeys = Credentials{AccessKeyID: "AKIAFAKEKEYRING00001", SecretAccessKey: "fakeKeyringSecret/NOT+REAL"}

// passphrases counts the times the passphrase was asked, and how.
type passphrases struct {
	mu      sync.Mutex
	pass    string
	asked   []bool // confirm, per ask
	failure error
}

func (p *passphrases) get(_ context.Context, confirm bool) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, confirm)
	return p.pass, p.failure
}

func fileTestKeyring(t *testing.T, dir string, p *passphrases) Keyring {
	t.Helper()
	kr, err := OpenKeyring(BackendFile, KeyringOptions{GOOS: runtime.GOOS, FileDir: dir, Passphrase: p.get, WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestFileKeyring(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "keyring")
	p := &passphrases{pass: "correct horse"}
	kr := fileTestKeyring(t, dir, p)
	if _, err := kr.Get(ctx, "alice"); !errors.Is(err, ErrNotInKeyring) {
		t.Fatalf("Get on an empty keyring = %v, want ErrNotInKeyring", err)
	}
	if err := kr.Set(ctx, "alice", keyringKeys); err != nil {
		t.Fatal(err)
	}
	got, err := kr.Get(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(keyringKeys, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true}, p.asked); diff != "" {
		t.Errorf("passphrase asked (confirm?) (-want +got):\n%s", diff)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, dir, 0o700)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), keyringKeys.SecretAccessKey) || strings.Contains(string(data), keyringKeys.AccessKeyID) {
			t.Errorf("%s holds the keys in clear", path)
		}
		if runtime.GOOS != "windows" {
			assertMode(t, path, 0o600)
		}
	}

	// Another process: asked once, without confirmation, for both items.
	p2 := &passphrases{pass: "correct horse"}
	kr2 := fileTestKeyring(t, dir, p2)
	if err := kr2.Set(ctx, "bob", Credentials{AccessKeyID: "AKIAFAKEKEYRING00002", SecretAccessKey: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := kr2.Get(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{false}, p2.asked); diff != "" {
		t.Errorf("second process: passphrase asked (-want +got):\n%s", diff)
	}

	// A wrong passphrase is said so, for reading and for adding.
	bad := fileTestKeyring(t, dir, &passphrases{pass: "battery staple"})
	_, err = bad.Get(ctx, "alice")
	var ke *KeyringError
	if !errors.As(err, &ke) || ke.Backend != BackendFile || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("Get with a wrong passphrase = %v", err)
	}
	if err := bad.Set(ctx, "carol", keyringKeys); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("Set with a wrong passphrase = %v", err)
	}
	// No passphrase to be had: says how to give one.
	none := fileTestKeyring(t, dir, &passphrases{failure: ErrNoTerminal})
	if _, err := none.Get(ctx, "alice"); err == nil || !strings.Contains(err.Error(), "SWITCHER_KEYRING_PASSPHRASE") {
		t.Errorf("Get without a passphrase = %v", err)
	}

	if err := kr.Remove(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Get(ctx, "alice"); !errors.Is(err, ErrNotInKeyring) {
		t.Errorf("Get after Remove = %v", err)
	}
	if err := kr.Remove(ctx, "alice"); !errors.Is(err, ErrNotInKeyring) {
		t.Errorf("second Remove = %v", err)
	}
}

func TestFileKeyringRefusesPlantedItems(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks: unix")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "keyring")
	kr := fileTestKeyring(t, dir, &passphrases{pass: "pw"})
	if err := kr.Set(ctx, "alice", keyringKeys); err != nil {
		t.Fatal(err)
	}
	item := kr.(*fileKeyring).item("alice")
	elsewhere := filepath.Join(t.TempDir(), "planted.age")
	if err := os.Rename(item, elsewhere); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, item); err != nil {
		t.Fatal(err)
	}
	var ue *UntrustedError
	if _, err := kr.Get(ctx, "alice"); !errors.As(err, &ue) {
		t.Errorf("Get of a symlinked item = %v, want an UntrustedError", err)
	}
}

func TestItemRefusesSessions(t *testing.T) {
	for _, c := range []Credentials{
		{AccessKeyID: "ASIAFAKE", SecretAccessKey: "s", SessionToken: "t"},
		{AccessKeyID: "AKIAFAKE"},
		{SecretAccessKey: "s"},
	} {
		if _, err := encodeItem(c); err == nil {
			t.Errorf("encodeItem(%v) stored what is not a long-term key pair", c)
		}
	}
	if _, err := decodeItem(`{"AccessKeyId":"AKIA"}`); err == nil {
		t.Error("decodeItem took an item without a secret")
	}
}

func TestOpenKeyringRefusals(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		backend string
		opt     KeyringOptions
		want    string
	}{
		{"unknown", "vault", KeyringOptions{GOOS: "linux"}, "use one of secret-service, keychain, wincred, file"},
		{"another system's", BackendKeychain, KeyringOptions{GOOS: "linux"}, "use --keyring-backend secret-service or file"},
		{"windows' on macOS", BackendWinCred, KeyringOptions{GOOS: "darwin"}, "use --keyring-backend keychain or file"},
		{"no session bus", BackendSecretService, KeyringOptions{GOOS: "linux", Getenv: env(nil)}, "DBUS_SESSION_BUS_ADDRESS is not set"},
		{"file without a directory", BackendFile, KeyringOptions{GOOS: "linux"}, "no directory or passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenKeyring(tt.backend, tt.opt)
			if !errors.Is(err, ErrNoKeyring) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenKeyring(%s) = %v, want ErrNoKeyring saying %q", tt.backend, err, tt.want)
			}
		})
	}
}

// fakeStore is an OS store: a map, an error for every call, or no answer.
type fakeStore struct {
	mu    sync.Mutex
	items map[string]string
	err   error
	block chan struct{}
}

func (s *fakeStore) wait() error {
	if s.block != nil {
		<-s.block
	}
	return s.err
}

func (s *fakeStore) Get(service, user string) (string, error) {
	if err := s.wait(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.items[service+"/"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (s *fakeStore) Set(service, user, secret string) error {
	if err := s.wait(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items == nil {
		s.items = map[string]string{}
	}
	s.items[service+"/"+user] = secret
	return nil
}

func (s *fakeStore) Delete(service, user string) error {
	if err := s.wait(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[service+"/"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(s.items, service+"/"+user)
	return nil
}

func TestOSKeyringExplains(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T, s *fakeStore, timeout time.Duration) Keyring {
		t.Helper()
		kr, err := OpenKeyring(BackendSecretService, KeyringOptions{GOOS: "linux",
			Getenv: func(string) string { return "unix:path=/nowhere" }, Store: s, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return kr
	}
	t.Run("round trip and not found", func(t *testing.T) {
		kr := open(t, &fakeStore{}, 0)
		if err := kr.Set(ctx, "alice", keyringKeys); err != nil {
			t.Fatal(err)
		}
		if got, err := kr.Get(ctx, "alice"); err != nil || got != keyringKeys {
			t.Fatalf("Get = %v, %v", got, err)
		}
		if _, err := kr.Get(ctx, "bob"); !errors.Is(err, ErrNotInKeyring) || !strings.Contains(err.Error(), "switcher keys add bob") {
			t.Errorf("Get of a missing item = %v", err)
		}
	})
	t.Run("locked", func(t *testing.T) {
		kr := open(t, &fakeStore{err: errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")}, 0)
		_, err := kr.Get(ctx, "alice")
		if err == nil || !strings.Contains(err.Error(), "keyring secret-service: get alice: the keyring is locked (unlock it") {
			t.Errorf("Get of a locked keyring = %v", err)
		}
	})
	t.Run("no secret service", func(t *testing.T) {
		kr := open(t, &fakeStore{err: errors.New("The name org.freedesktop.secrets was not provided by any .service files")}, 0)
		if _, err := kr.Get(ctx, "alice"); !errors.Is(err, ErrNoKeyring) || !strings.Contains(err.Error(), "--keyring-backend file") {
			t.Errorf("Get with no Secret Service = %v", err)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		block := make(chan struct{})
		defer close(block)
		kr := open(t, &fakeStore{block: block}, 50*time.Millisecond)
		_, err := kr.Get(ctx, "alice")
		if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") || !strings.Contains(err.Error(), "locked") {
			t.Errorf("Get from a keyring that never answers = %v", err)
		}
	})
	t.Run("a damaged item", func(t *testing.T) {
		s := &fakeStore{items: map[string]string{keyringService + "/alice": "not json"}}
		kr := open(t, s, 0)
		if _, err := kr.Get(ctx, "alice"); err == nil || !strings.Contains(err.Error(), "not a switcher key pair") {
			t.Errorf("Get of a damaged item = %v", err)
		}
	})
}

func TestKeyIndex(t *testing.T) {
	ctx := context.Background()
	x := KeyIndex{Path: filepath.Join(t.TempDir(), "data", "switcher", "keys.json"), Now: func() time.Time { return storeNow }}
	recs, err := x.Load()
	if err != nil || len(recs) != 0 {
		t.Fatalf("Load of no file = %v, %v", recs, err)
	}
	rec := KeyRecord{Profile: "alice", Backend: BackendFile, KeyIDSuffix: "0001", Added: storeNow}
	if err := x.Update(ctx, func(m map[string]KeyRecord) error { m["alice"] = rec; return nil }); err != nil {
		t.Fatal(err)
	}
	recs, err = x.Load()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]KeyRecord{"alice": rec}, recs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, x.Path, 0o600)
		assertMode(t, filepath.Dir(x.Path), 0o700)
	}
	data, err := os.ReadFile(x.Path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), keyringKeys.AccessKeyID) {
		t.Error("the index holds a whole key id")
	}
	keys := &Keys{Records: recs}
	v := keys.Version("alice")
	recs["alice"] = KeyRecord{Profile: "alice", Backend: BackendFile, KeyIDSuffix: "0002", Added: storeNow, Rotated: storeNow.Add(time.Hour)}
	if keys.Version("alice") == v {
		t.Error("Version does not change when the keys are rotated")
	}
	if err := os.WriteFile(x.Path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Load(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Load of a damaged index = %v", err)
	}
}

package creds

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"filippo.io/age"
)

// fileKeyring keeps each profile's keys in its own file, <dir>/<hex of the
// profile name>.age, encrypted with age to a passphrase (scrypt), for a
// machine with no OS store (a headless Linux box). The directory is 0700 and
// the files 0600, written with WriteFileAtomic and read only when trusted.
// A check file, encrypted to the same passphrase, tells a wrong passphrase
// from a new keyring before anything is stored under another one.
type fileKeyring struct {
	dir        string
	passphrase func(ctx context.Context, confirm bool) (string, error)
	workFactor int

	mu   sync.Mutex
	pass string // asked once per process
}

const (
	fileKeyringCheck      = ".passphrase-check.age"
	fileKeyringCheckValue = "switcher file keyring 1"
	defaultWorkFactor     = 18
)

func (k *fileKeyring) Backend() string { return BackendFile }

func (k *fileKeyring) item(profile string) string {
	return filepath.Join(k.dir, "profile-"+hex.EncodeToString([]byte(profile))+".age")
}

func (k *fileKeyring) fail(op, profile string, err error, fix string) error {
	return &KeyringError{Backend: BackendFile, Op: op, Profile: profile, Err: err, Fix: fix}
}

// secret is the passphrase: asked (twice for a new keyring) and, when
// check is set (before storing), checked against the check file or used to
// write it, so no item is stored under another passphrase. A read checks
// it by decrypting the item itself: one scrypt, not two.
func (k *fileKeyring) secret(ctx context.Context, op, profile string, check bool) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pass != "" {
		return k.pass, nil
	}
	if err := checkPrivateDir(k.dir); err != nil {
		return "", k.fail(op, profile, err, "")
	}
	checkPath := filepath.Join(k.dir, fileKeyringCheck)
	data, _, err := readTrusted(checkPath)
	isNew := errors.Is(err, fs.ErrNotExist)
	if err != nil && !isNew {
		return "", k.fail(op, profile, err, "remove "+checkPath+" only if the keyring holds nothing you need")
	}
	pass, err := k.passphrase(ctx, isNew)
	if err != nil {
		return "", k.fail(op, profile, err, "set SWITCHER_KEYRING_PASSPHRASE, or run in a terminal")
	}
	if pass == "" {
		return "", k.fail(op, profile, errors.New("the passphrase is empty"), "")
	}
	switch {
	case !check:
		return pass, nil // remembered once it has decrypted an item
	case isNew:
		if err := k.encryptTo(checkPath, []byte(fileKeyringCheckValue), pass); err != nil {
			return "", k.fail(op, profile, err, "")
		}
	default:
		if plain, err := k.decrypt(data, pass); err != nil || string(plain) != fileKeyringCheckValue {
			return "", k.fail(op, profile, errWrongPassphrase(err), wrongPassphraseFix)
		}
	}
	k.pass = pass
	return pass, nil
}

const wrongPassphraseFix = "type the passphrase this keyring was created with (or set SWITCHER_KEYRING_PASSPHRASE)"

// remember keeps a passphrase that decrypted an item.
func (k *fileKeyring) remember(pass string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pass = pass
}

func errWrongPassphrase(err error) error {
	if err == nil || errors.Is(err, age.ErrIncorrectIdentity) {
		return errors.New("wrong passphrase")
	}
	return err
}

func (k *fileKeyring) encryptTo(path string, plain []byte, pass string) error {
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return err
	}
	wf := k.workFactor
	if wf <= 0 {
		wf = defaultWorkFactor
	}
	r.SetWorkFactor(wf)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return err
	}
	if _, err := w.Write(plain); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes(), 0o600)
}

func (k *fileKeyring) decrypt(data []byte, pass string) ([]byte, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func (k *fileKeyring) Get(ctx context.Context, profile string) (Credentials, error) {
	path := k.item(profile)
	data, _, err := readTrusted(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Credentials{}, k.fail("get", profile, ErrNotInKeyring, "store them with: switcher keys add "+profile)
	case err != nil:
		return Credentials{}, k.fail("get", profile, err, "")
	}
	pass, err := k.secret(ctx, "get", profile, false)
	if err != nil {
		return Credentials{}, err
	}
	plain, err := k.decrypt(data, pass)
	if err != nil {
		return Credentials{}, k.fail("get", profile, errWrongPassphrase(err), wrongPassphraseFix)
	}
	k.remember(pass)
	c, err := decodeItem(string(plain))
	if err != nil {
		return Credentials{}, k.fail("get", profile, err, "store the keys again: switcher keys add "+profile)
	}
	return c, nil
}

func (k *fileKeyring) Set(ctx context.Context, profile string, c Credentials) error {
	item, err := encodeItem(c)
	if err != nil {
		return k.fail("set", profile, err, "")
	}
	pass, err := k.secret(ctx, "set", profile, true)
	if err != nil {
		return err
	}
	if err := k.encryptTo(k.item(profile), []byte(item), pass); err != nil {
		return k.fail("set", profile, err, "")
	}
	return nil
}

func (k *fileKeyring) Remove(_ context.Context, profile string) error {
	err := os.Remove(k.item(profile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return k.fail("remove", profile, ErrNotInKeyring, "")
	case err != nil:
		return k.fail("remove", profile, fmt.Errorf("%w", err), "")
	}
	return nil
}

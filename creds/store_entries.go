package creds

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The entry formats. Every entry is one JSON object that begins with the
// fields of entryHeader (Kind, Profile, Expiration), so Clean and
// LiveProfiles can read any entry's expiry the same way.

// roleSessionEntry is a profile's session: the final hop's credentials and
// what the dashboard shows of them. Key: the whole chain (run.cacheKeys).
type roleSessionEntry struct {
	Kind string `json:"Kind"`
	Session
}

// mfaSessionEntry is an MFA session (GetSessionToken) of one source and
// device, shared by every role assumed from it.
type mfaSessionEntry struct {
	Kind        string      `json:"Kind"`
	Profile     string      `json:"Profile"` // the source profile
	Expiration  time.Time   `json:"Expiration"`
	Credentials Credentials `json:"Credentials"`
	Serial      string      `json:"Serial"`
}

// usedCodeEntry remembers the last code sent for one MFA device, as a hash
// salted with the serial, never the code itself.
type usedCodeEntry struct {
	Kind       string    `json:"Kind"`
	Expiration time.Time `json:"Expiration"` // UsedAt + codeReuseWindow
	Serial     string    `json:"Serial"`
	CodeHash   string    `json:"CodeHash"`
	UsedAt     time.Time `json:"UsedAt"`
}

// fastEntry is a session handed out by credential-process, keyed by
// everything that can change that answer (Deps: the command line, the
// environment, both files and the build), for the fast path.
type fastEntry struct {
	Kind    string `json:"Kind"`
	Profile string `json:"Profile"`
	Credentials
}

// roleSession reads a role session entry.
func (s *Store) roleSession(key string) (*Session, bool) {
	var e roleSessionEntry
	if !s.getEntry(key, kindRoleSession, &e) || e.AccessKeyID == "" {
		return nil, false
	}
	return &e.Session, true
}

func (s *Store) putRoleSession(key string, sess *Session) error {
	return s.putEntry(key, roleSessionEntry{Kind: kindRoleSession, Session: *sess})
}

// mfaSession reads an MFA session entry.
func (s *Store) mfaSession(key string) (*mfaSessionEntry, bool) {
	var e mfaSessionEntry
	if !s.getEntry(key, kindMFASession, &e) || e.Credentials.AccessKeyID == "" {
		return nil, false
	}
	return &e, true
}

func (s *Store) putMFASession(key, source, serial string, c Credentials) error {
	return s.putEntry(key, mfaSessionEntry{Kind: kindMFASession, Profile: source, Expiration: c.Expiration, Credentials: c, Serial: serial})
}

func usedCodeKey(serial string) string { return Key("mfa-code", serial) }

// usedCode reads the mark of the last code used for serial.
func (s *Store) usedCode(serial string) (usedCodeEntry, bool) {
	var e usedCodeEntry
	ok := s.getEntry(usedCodeKey(serial), kindUsedCode, &e)
	return e, ok
}

func (s *Store) putUsedCode(serial, hash string, at time.Time) error {
	return s.putEntry(usedCodeKey(serial), usedCodeEntry{
		Kind: kindUsedCode, Serial: serial, CodeHash: hash, UsedAt: at, Expiration: at.Add(codeReuseWindow),
	})
}

// FastSession is the session the last credential-process for profile
// recorded under d, when d is what it was recorded under and the session
// has more than min left. It never runs STS, the engine or a keyring.
func (s *Store) FastSession(d Deps, profile string, min time.Duration) (Credentials, bool) {
	if d.kind != DepsCredentialProcess {
		return Credentials{}, false
	}
	var e fastEntry
	if !s.getEntry(d.key, kindFast, &e) || e.Profile != profile || !e.Expires() || e.TimeLeft(s.now()) <= min {
		return Credentials{}, false
	}
	return e.Credentials, true
}

// ErrNotRecorded is returned (wrapped) by PutFastSession and PutIndex when
// what they would record cannot be trusted to stay valid: a file changed
// while it was computed, or too recently (RacyWindow).
var ErrNotRecorded = errors.New("not recorded")

// PutFastSession records c as profile's credential-process answer under
// before (taken before the session was computed), when the files are still
// the same and have settled. Only temporary credentials are recorded.
func (s *Store) PutFastSession(before Deps, profile string, c Credentials) error {
	if before.kind != DepsCredentialProcess || !c.Expires() || !c.Temporary() {
		return fmt.Errorf("fast path: %w: not a temporary session", ErrNotRecorded)
	}
	if err := s.unchanged(before); err != nil {
		return fmt.Errorf("fast path: %w", err)
	}
	return s.putEntry(before.key, fastEntry{Kind: kindFast, Profile: profile, Credentials: c})
}

// ForgetFastSessions removes profile's fast entries, so that the next
// credential-process asks the engine: a forced refresh replaces a session
// that may have been revoked, and the fast path must not go on handing out
// the old one.
func (s *Store) ForgetFastSessions(profile string) error {
	var first error
	s.headers(func(name string, h entryHeader) {
		if h.Kind != kindFast || h.Profile != profile {
			return
		}
		key, _ := strings.CutSuffix(name, ".json")
		if err := s.deleteEntry(key); err != nil && first == nil {
			first = err
		}
	})
	return first
}

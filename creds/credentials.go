// Package creds turns a planned chain into credentials and hands them out.
// It calls STS once per hop (signed by the previous hop), shares one MFA
// session per source across every mode and process, caches sessions under a
// per-chain file lock, and writes them as shell exports, credential_process
// JSON or a section of the shared credentials file.
//
// Every effect (clock, environment, files, STS client, MFA prompt) is
// injected; main.go chooses the production ones.
package creds

import (
	"fmt"
	"time"
)

// Credentials are AWS keys. Their String and GoString never show the
// secret or the token, so a %v in a log or an error cannot leak them.
type Credentials struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken,omitempty"`
	Expiration      time.Time `json:"Expiration,omitzero"` // zero: does not expire
}

// Temporary reports whether these are session credentials.
func (c Credentials) Temporary() bool { return c.SessionToken != "" }

// Expires reports whether the credentials have an expiry.
func (c Credentials) Expires() bool { return !c.Expiration.IsZero() }

// TimeLeft is the time until expiry at now (negative once expired).
func (c Credentials) TimeLeft(now time.Time) time.Duration { return c.Expiration.Sub(now) }

// RedactKeyID shows only the last four characters of a key id.
func RedactKeyID(id string) string {
	if len(id) <= 4 {
		return "****"
	}
	return "…" + id[len(id)-4:]
}

func (c Credentials) String() string {
	s := "credentials " + RedactKeyID(c.AccessKeyID)
	if c.Expires() {
		s += " expiring " + c.Expiration.UTC().Format(time.RFC3339)
	}
	return s
}

// GoString keeps %#v as safe as %v.
func (c Credentials) GoString() string { return "creds.Credentials{" + c.String() + "}" }

// Format makes every verb (%v, %+v, %s, %q, %#v) go through String.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, c.GoString())
		return
	}
	fmt.Fprint(f, c.String())
}

// Session is what assuming a profile yields: the credentials of the last
// hop and what a person or a shell needs to know about them.
type Session struct {
	Profile string // the profile asked for
	Credentials
	Region         string // resolved region, may be ""
	RoleARN        string // the final hop's role_arn (empty for a profile without a role)
	AssumedRoleARN string // the identity STS returned (AssumedRoleUser.Arn); may be "" for a non-role profile
	AccountID      string
	// MFAExpiration is when the MFA session used for this chain expires
	// (zero when the plan uses none).
	MFAExpiration time.Time
	FromCache     bool `json:"-"`
	// PolicyFromFile: a hop's session policy was read from a file, which
	// the credential-process fast path cannot watch (it must not keep it).
	PolicyFromFile bool `json:"-"`
}

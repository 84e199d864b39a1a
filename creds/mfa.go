package creds

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"
)

var mfaCodeRE = regexp.MustCompile(`^[0-9]{6}$`)

// ValidateMFACode checks a code is six digits. The error never contains
// the code.
func ValidateMFACode(code string) error {
	if !mfaCodeRE.MatchString(code) {
		return ErrInvalidMFACode
	}
	return nil
}

// codeReuseWindow is how long a used code is remembered: a TOTP code is
// valid for one or two 30-second steps, and AWS refuses a code used once.
// After this window the same six digits are a new code.
const codeReuseWindow = 15 * time.Minute

// mfaSessionEntry is the cache entry of an MFA session (GetSessionToken).
type mfaSessionEntry struct {
	Credentials Credentials `json:"Credentials"`
	Serial      string      `json:"Serial"`
	Source      string      `json:"Source"` // source profile, for `switcher clean` and debugging
}

// usedCodeEntry remembers the last code sent for one MFA device, as a hash
// salted with the serial, never the code itself.
type usedCodeEntry struct {
	Serial   string    `json:"Serial"`
	CodeHash string    `json:"CodeHash"`
	UsedAt   time.Time `json:"UsedAt"`
	// Expiration lets `switcher clean` drop the entry like a session.
	Expiration time.Time `json:"Expiration"`
}

func codeHash(serial, code string) string {
	h := sha256.Sum256([]byte("switcher-mfa\x00" + serial + "\x00" + code))
	return hex.EncodeToString(h[:])
}

// ReusedCodeError says a code was already sent for a device.
type ReusedCodeError struct {
	Profile string
	Serial  string
	UsedAt  time.Time
}

func (e *ReusedCodeError) Error() string {
	return fmt.Sprintf("profile %s: the mfa code for %s was already used at %s; AWS refuses a code twice: wait for the next code (they change every 30 seconds) and try again",
		e.Profile, e.Serial, e.UsedAt.Local().Format("15:04:05"))
}

func (e *ReusedCodeError) Is(target error) bool { return target == ErrMFACodeReused }

package creds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// mfaCode gets a code (--mfa-code, mfa_process, the prompter), checks it is
// six digits and not the last one used for the device, and records it as
// used before it is sent.
func (r *run) mfaCode(ctx context.Context, serial string) (string, error) {
	code := r.opt.MFACode
	if code == "" {
		var prompters ChainPrompter
		if mp := r.plan.Chain.MFAProcess; mp.Value != "" {
			prompters = append(prompters, ProcessPrompter{Command: mp.Value})
		}
		if r.e.Prompt != nil {
			prompters = append(prompters, r.e.Prompt)
		}
		var err error
		code, err = prompters.MFACode(ctx, r.profile, serial)
		if errors.Is(err, ErrNoMFAPrompt) {
			return "", &NoMFAPromptError{Profile: r.profile, Serial: serial}
		}
		if err != nil {
			return "", err
		}
		r.e.debugf("mfa: code for %s obtained", serial)
	}
	if err := ValidateMFACode(code); err != nil {
		return "", fmt.Errorf("profile %s: %w", r.profile, err)
	}
	if err := r.e.markCodeUsed(r.profile, serial, code); err != nil {
		return "", err
	}
	return code, nil
}

// markCodeUsed refuses the last code used for serial (within
// codeReuseWindow) and records this one.
func (e *Engine) markCodeUsed(profile, serial, code string) error {
	now := e.now()
	hash := codeHash(serial, code)
	e.mu.Lock()
	defer e.mu.Unlock()
	var last usedCodeEntry
	found := false
	if e.Store != nil {
		last, found = e.Store.usedCode(serial)
	} else {
		last, found = e.usedCodes[serial]
	}
	if found && last.CodeHash == hash && now.Sub(last.UsedAt) < codeReuseWindow {
		return &ReusedCodeError{Profile: profile, Serial: serial, UsedAt: last.UsedAt}
	}
	if e.Store != nil {
		if err := e.Store.putUsedCode(serial, hash, now); err != nil {
			e.debugf("cache: recording the used mfa code failed: %v", err)
		}
		return nil
	}
	if e.usedCodes == nil {
		e.usedCodes = map[string]usedCodeEntry{}
	}
	e.usedCodes[serial] = usedCodeEntry{Serial: serial, CodeHash: hash, UsedAt: now}
	return nil
}

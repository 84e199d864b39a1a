package stssim

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"sync"
	"time"
)

// codeLifetime is how long a code from CurrentCode stays valid, like a TOTP
// code accepted one 30-second step either side.
const codeLifetime = 90 * time.Second

// device is a virtual MFA device: codes that are valid once each.
type device struct {
	fixed   map[string]bool      // codes from AddMFADevice, not yet used
	current string               // the code CurrentCode hands out, "" when none
	expires time.Time            // when current stops being valid
	used    map[string]time.Time // every code accepted, with when
}

func newDevice() *device {
	return &device{fixed: map[string]bool{}, used: map[string]time.Time{}}
}

var tokenCodeRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d{6}$`) })

// AddMFADevice registers an MFA device (or adds codes to one), each code
// valid once. Codes must be six digits.
func (s *Sim) AddMFADevice(serial string, codes ...string) error {
	if len(serial) < 9 || len(serial) > 256 || !serialRe().MatchString(serial) {
		return fmt.Errorf("%w: MFA serial %q", ErrInvalidSeed, serial)
	}
	for _, c := range codes {
		if !tokenCodeRe().MatchString(c) {
			return fmt.Errorf("%w: MFA device %s: a code must be six digits", ErrInvalidSeed, serial)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[serial]
	if !ok {
		d = newDevice()
		s.devices[serial] = d
	}
	for _, c := range codes {
		d.fixed[c] = true
	}
	return nil
}

// CurrentCode returns a code the device accepts now, as its owner would
// read it off the device: the same code until it is used or its window
// passes, then a fresh one. It reports false for an unknown device.
func (s *Sim) CurrentCode(serial string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[serial]
	if !ok {
		return "", false
	}
	now := s.now()
	if d.current != "" && now.Before(d.expires) {
		return d.current, true
	}
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return "", false
		}
		code := fmt.Sprintf("%06d", n.Int64())
		if _, reused := d.used[code]; reused || d.fixed[code] {
			continue
		}
		d.current, d.expires = code, now.Add(codeLifetime)
		return code, true
	}
}

// checkMFA validates and consumes a code. Callers hold s.mu. The caller's
// user, when known, must own the device if it has one registered.
func (s *Sim) checkMFA(caller *session, serial, code string) *apiError {
	if (serial == "") != (code == "") {
		return accessDenied(MsgMFABothRequired)
	}
	d, ok := s.devices[serial]
	if !ok || (caller.user != nil && caller.user.MFASerial != "" && caller.user.MFASerial != serial) {
		return accessDenied(MsgMFAUnknownDevice)
	}
	now := s.now()
	switch {
	case d.fixed[code]:
		delete(d.fixed, code)
	case d.current != "" && code == d.current && now.Before(d.expires):
		d.current = ""
	default:
		return accessDenied(MsgMFAInvalidCode)
	}
	d.used[code] = now
	return nil
}

package profiles

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownProfile is matched (errors.Is) by every *UnknownProfileError.
var ErrUnknownProfile = errors.New("unknown profile")

// ErrCycle is matched (errors.Is) by every *CycleError.
var ErrCycle = errors.New("source_profile cycle")

// ParseError is a malformed config or credentials file.
type ParseError struct {
	Pos Pos
	Msg string
}

func (e *ParseError) Error() string {
	if e.Pos.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Pos.File, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

// UnknownProfileError is a profile name found in neither file.
type UnknownProfileError struct {
	Name        string
	Suggestions []string // close names, best first
}

func (e *UnknownProfileError) Error() string {
	msg := fmt.Sprintf("unknown profile %q", e.Name)
	switch len(e.Suggestions) {
	case 0:
		return msg + " (see 'switcher list')"
	case 1:
		return fmt.Sprintf("%s: did you mean %q?", msg, e.Suggestions[0])
	}
	q := make([]string, len(e.Suggestions))
	for i, s := range e.Suggestions {
		q[i] = fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%s: did you mean one of %s?", msg, strings.Join(q, ", "))
}

// Is makes errors.Is(err, ErrUnknownProfile) true.
func (e *UnknownProfileError) Is(target error) bool { return target == ErrUnknownProfile }

// CycleError is a source_profile loop. Names lists the profiles in the order
// they were followed, ending with the one seen twice.
type CycleError struct {
	Names []string
	Pos   Pos // the source_profile setting that closes the loop
}

func (e *CycleError) Error() string {
	msg := "source_profile cycle: " + strings.Join(e.Names, " -> ")
	if e.Pos.File != "" {
		msg = e.Pos.String() + ": " + msg
	}
	return msg
}

// Is makes errors.Is(err, ErrCycle) true.
func (e *CycleError) Is(target error) bool { return target == ErrCycle }

// ConfigError is a setting that cannot work, with where it is and what to
// change.
type ConfigError struct {
	Profile string
	Key     string
	Pos     Pos
	Msg     string
	Fix     string
	Err     error // an underlying validation error, if any
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.Pos.File != "" {
		b.WriteString(e.Pos.String())
		b.WriteString(": ")
	}
	if e.Profile != "" {
		fmt.Fprintf(&b, "profile %s: ", e.Profile)
	}
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString(" (fix: ")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return b.String()
}

func (e *ConfigError) Unwrap() error { return e.Err }

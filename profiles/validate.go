package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrInvalid is matched (errors.Is) by every *ValidationError.
var ErrInvalid = errors.New("invalid value")

// ValidationError is a value STS would reject, checked before any call.
type ValidationError struct {
	What string // the setting or parameter, e.g. "role_session_name"
	Msg  string
}

func (e *ValidationError) Error() string { return e.What + " " + e.Msg }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(what, format string, args ...any) error {
	return &ValidationError{What: what, Msg: fmt.Sprintf(format, args...)}
}

// ValidateDuration checks an AssumeRole DurationSeconds (900–43200; the
// role's own maximum may be lower, which only STS knows).
func ValidateDuration(seconds int) error {
	if seconds < MinRoleDuration || seconds > MaxRoleDuration {
		return invalid(KeyDurationSeconds, "%d is outside STS's range %d-%d seconds (15 minutes to 12 hours)", seconds, MinRoleDuration, MaxRoleDuration)
	}
	return nil
}

// ValidateMFASessionDuration checks a GetSessionToken duration (900–129600).
func ValidateMFASessionDuration(seconds int) error {
	if seconds < MinMFASessionDuration || seconds > MaxMFASessionDuration {
		return invalid(KeyMFASessionDuration, "%d is outside STS's range %d-%d seconds (15 minutes to 36 hours)", seconds, MinMFASessionDuration, MaxMFASessionDuration)
	}
	return nil
}

// isWordOr reports whether r is in [\w] (ASCII letters, digits, _) or extra.
func isWordOr(r rune, extra string) bool {
	return r < unicode.MaxASCII && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || strings.ContainsRune(extra, r))
}

func checkChars(what, s string, minLen, maxLen int, extra, describe string) error {
	if len(s) < minLen || len(s) > maxLen {
		return invalid(what, "%q must be %d-%d characters long (it has %d)", s, minLen, maxLen, len(s))
	}
	for _, r := range s {
		if !isWordOr(r, extra) {
			return invalid(what, "%q has %q: only %s are allowed", s, r, describe)
		}
	}
	return nil
}

// ValidateRoleName checks an IAM role name: 1–64 of [\w+=,.@-].
func ValidateRoleName(s string) error {
	return checkChars("role name", s, 1, 64, "+=,.@-", "letters, digits and _+=,.@-")
}

// ValidateSessionName checks a RoleSessionName: 2–64 of [\w+=,.@-].
func ValidateSessionName(s string) error {
	return checkChars(KeyRoleSessionName, s, 2, 64, "+=,.@-", "letters, digits and _+=,.@-")
}

// ValidateExternalID checks an ExternalId: 2–1224 of [\w+=,.@:/-].
func ValidateExternalID(s string) error {
	return checkChars(KeyExternalID, s, 2, 1224, "+=,.@:/-", "letters, digits and _+=,.@:/-")
}

// ValidateSourceIdentity checks a SourceIdentity: 2–64 of [\w+=,.@-], not
// starting with "aws:".
func ValidateSourceIdentity(s string) error {
	if strings.HasPrefix(strings.ToLower(s), "aws:") {
		return invalid(KeySourceIdentity, "%q must not start with aws:", s)
	}
	return checkChars(KeySourceIdentity, s, 2, 64, "+=,.@-", "letters, digits and _+=,.@-")
}

// arnParts splits arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func arnParts(arn string) (partition, service, region, account, resource string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return "", "", "", "", "", false
	}
	var p [4]string
	for i := range p {
		if p[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return "", "", "", "", "", false
		}
	}
	return p[0], p[1], p[2], p[3], rest, true
}

func validPartition(p string) bool {
	if !strings.HasPrefix(p, "aws") {
		return false
	}
	for _, r := range p[3:] {
		if !(r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

func validAccount(a string) bool {
	if len(a) != 12 {
		return false
	}
	for _, r := range a {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// iamARN checks arn:aws*:iam::ACCOUNT:KIND/[PATH/]NAME.
func iamARN(what, arn, kind, example string) error {
	part, svc, region, acct, res, ok := arnParts(arn)
	switch {
	case !ok:
		return invalid(what, "%q is not an ARN (want %s)", arn, example)
	case !validPartition(part):
		return invalid(what, "%q has partition %q (want aws, aws-cn, aws-us-gov, ...)", arn, part)
	case svc != "iam" || region != "":
		return invalid(what, "%q is not an IAM ARN (want %s)", arn, example)
	case !validAccount(acct):
		return invalid(what, "%q has account %q (want 12 digits)", arn, acct)
	}
	name, ok := strings.CutPrefix(res, kind+"/")
	if !ok {
		return invalid(what, "%q is not a %s ARN (want %s)", arn, kind, example)
	}
	last := name[strings.LastIndexByte(name, '/')+1:]
	if last == "" || len(last) > 64 {
		return invalid(what, "%q: the %s name must be 1-64 characters", arn, kind)
	}
	for _, r := range name {
		if !isWordOr(r, "+=,.@-/") {
			return invalid(what, "%q has %q in the %s name", arn, r, kind)
		}
	}
	return nil
}

// ValidateRoleARN checks arn:aws[a-z-]*:iam::123456789012:role/[PATH/]NAME.
func ValidateRoleARN(arn string) error {
	return iamARN(KeyRoleARN, arn, "role", "arn:aws:iam::123456789012:role/NAME")
}

// ValidateMFASerial checks an mfa_serial: an MFA device ARN
// (arn:aws:iam::123456789012:mfa/NAME) or a hardware token serial
// (9–256 of [\w+=/:,.@-], e.g. GAHT12345678).
func ValidateMFASerial(s string) error {
	if strings.HasPrefix(s, "arn:") {
		return iamARN(KeyMFASerial, s, "mfa", "arn:aws:iam::123456789012:mfa/NAME")
	}
	if len(s) < 9 || len(s) > 256 {
		return invalid(KeyMFASerial, "%q is neither an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) nor a 9-256 character hardware serial", s)
	}
	for _, r := range s {
		if !isWordOr(r, "+=/:,.@-") {
			return invalid(KeyMFASerial, "%q has %q: a hardware serial holds only letters, digits and _+=/:,.@-", s, r)
		}
	}
	return nil
}

// Tag is one session tag.
type Tag struct {
	Key   string
	Value string
}

// MaxSessionTags is STS's limit on tags per AssumeRole call.
const MaxSessionTags = 50

func isTagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Zs, r) || strings.ContainsRune("_.:/=+-@", r)
}

func checkTagKey(what, k string) error {
	switch {
	case k == "" || len([]rune(k)) > 128:
		return invalid(what, "tag key %q must be 1-128 characters", k)
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return invalid(what, "tag key %q must not start with aws:", k)
	}
	for _, r := range k {
		if !isTagRune(r) {
			return invalid(what, "tag key %q has %q: only letters, digits, spaces and _.:/=+-@ are allowed", k, r)
		}
	}
	return nil
}

// ParseSessionTags reads session_tags ("team=infra,env=prod"): at most 50
// tags, keys 1–128 and values 0–256 characters, keys unique
// (case-insensitively, as STS compares them).
func ParseSessionTags(s string) ([]Tag, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxSessionTags {
		return nil, invalid(KeySessionTags, "has %d tags; STS allows at most %d", len(parts), MaxSessionTags)
	}
	tags := make([]Tag, 0, len(parts))
	seen := make(map[string]bool, len(parts))
	for _, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok {
			return nil, invalid(KeySessionTags, "entry %q is not key=value", strings.TrimSpace(p))
		}
		if err := checkTagKey(KeySessionTags, k); err != nil {
			return nil, err
		}
		if len([]rune(v)) > 256 {
			return nil, invalid(KeySessionTags, "tag %q: the value must be at most 256 characters", k)
		}
		for _, r := range v {
			if !isTagRune(r) {
				return nil, invalid(KeySessionTags, "tag %q: the value has %q: only letters, digits, spaces and _.:/=+-@ are allowed", k, r)
			}
		}
		if seen[strings.ToLower(k)] {
			return nil, invalid(KeySessionTags, "tag key %q appears twice", k)
		}
		seen[strings.ToLower(k)] = true
		tags = append(tags, Tag{Key: k, Value: v})
	}
	return tags, nil
}

// ParseTransitiveTags reads transitive_session_tags ("team,env").
func ParseTransitiveTags(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxSessionTags {
		return nil, invalid(KeyTransitiveSessionTags, "has %d keys; STS allows at most %d", len(parts), MaxSessionTags)
	}
	keys := make([]string, 0, len(parts))
	for _, p := range parts {
		k := strings.TrimSpace(p)
		if err := checkTagKey(KeyTransitiveSessionTags, k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// AccountFromARN returns the account id of an ARN, or "".
func AccountFromARN(arn string) string {
	_, _, _, acct, _, ok := arnParts(arn)
	if !ok {
		return ""
	}
	return acct
}

// RoleNameFromARN returns the role name (without path) of a role ARN, or "".
func RoleNameFromARN(arn string) string {
	_, _, _, _, res, ok := arnParts(arn)
	if !ok {
		return ""
	}
	name, ok := strings.CutPrefix(res, "role/")
	if !ok {
		return ""
	}
	return name[strings.LastIndexByte(name, '/')+1:]
}

// ParseDuration reads a duration for --duration or a config value: whole
// seconds ("3600") or a Go duration of whole seconds ("1h", "90m", "1h30m").
// It checks the syntax only; callers check the range.
func ParseDuration(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, invalid("duration", "is empty")
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return 0, invalid("duration", "%q must be positive", s)
		}
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, invalid("duration", "%q is neither seconds (3600) nor a duration (1h, 90m)", s)
	}
	if d <= 0 || d%time.Second != 0 {
		return 0, invalid("duration", "%q must be a positive whole number of seconds", s)
	}
	if d > 1000*time.Hour {
		return 0, invalid("duration", "%q is too long", s)
	}
	return int(d / time.Second), nil
}

// MaxPolicyARNs and MaxPolicySize are STS's limits on AssumeRole's
// session policies: at most 10 managed policy ARNs, and 2,048 characters
// of inline policy (sent without insignificant white space).
const (
	MaxPolicyARNs = 10
	MaxPolicySize = 2048
)

// PolicyFile is the prefix of a session_policy read from a file.
const PolicyFile = "file://"

// CompactPolicy checks an inline session policy, as STS will: a JSON
// object of the characters STS accepts, at most MaxPolicySize characters
// once compacted, and returns it compacted (what switcher sends).
func CompactPolicy(what, s string) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil || !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return "", invalid(what, "is not a JSON policy document: %v", jsonErr(err))
	}
	for _, r := range b.String() {
		if r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r > 0xFF) {
			return "", invalid(what, "has %q: a session policy holds only the characters U+0020 to U+00FF, tab and newlines", r)
		}
	}
	if n := b.Len(); n > MaxPolicySize {
		return "", invalid(what, "is %d characters without its white space, over STS's %d", n, MaxPolicySize)
	}
	return b.String(), nil
}

func jsonErr(err error) string {
	if err == nil {
		return "it is not an object"
	}
	return err.Error()
}

// ParsePolicyARNs reads session_policy_arns: a comma-separated list of at
// most MaxPolicyARNs IAM policy ARNs (arn:aws:iam::ACCOUNT:policy/NAME, or
// arn:aws:iam::aws:policy/NAME for an AWS managed one).
func ParsePolicyARNs(what, s string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if err := validatePolicyARN(what, a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	switch {
	case len(out) == 0:
		return nil, invalid(what, "names no policy ARN")
	case len(out) > MaxPolicyARNs:
		return nil, invalid(what, "names %d policies; STS takes at most %d", len(out), MaxPolicyARNs)
	}
	return out, nil
}

func validatePolicyARN(what, arn string) error {
	const example = "arn:aws:iam::123456789012:policy/NAME or arn:aws:iam::aws:policy/NAME"
	part, svc, region, acct, res, ok := arnParts(arn)
	if ok && acct == "aws" && validPartition(part) && svc == "iam" && region == "" {
		if name, ok := strings.CutPrefix(res, "policy/"); ok && name != "" && len(arn) <= 2048 {
			return nil
		}
	}
	return iamARN(what, arn, "policy", example)
}

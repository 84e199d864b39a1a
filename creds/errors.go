package creds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/switcher-cli/switcher/profiles"
)

// ErrKind classifies an STS failure by what a person has to change.
type ErrKind int

const (
	KindOther          ErrKind = iota // anything not below
	KindAccessDenied                  // sts:AssumeRole denied by the identity or trust policy
	KindMFA                           // invalid, reused or missing MFA code
	KindChaining                      // duration above the 1-hour role-chaining limit
	KindMaxDuration                   // duration above the role's MaxSessionDuration
	KindValidation                    // another parameter STS refused
	KindExpiredToken                  // the signing session expired
	KindInvalidKey                    // InvalidClientTokenId: unknown or deactivated access key
	KindSignature                     // SignatureDoesNotMatch: wrong secret or clock skew
	KindThrottled                     // still throttled after the SDK's retries
	KindServer                        // STS answered 5xx after the SDK's retries
	KindNetwork                       // timeout, connection refused, DNS, TLS
	KindRegionDisabled                // STS is not activated in that region
)

func (k ErrKind) String() string {
	switch k {
	case KindAccessDenied:
		return "access denied"
	case KindMFA:
		return "mfa failed"
	case KindChaining:
		return "role chaining limit"
	case KindMaxDuration:
		return "duration above the role's maximum"
	case KindValidation:
		return "invalid request"
	case KindExpiredToken:
		return "expired token"
	case KindInvalidKey:
		return "unknown access key"
	case KindSignature:
		return "signature mismatch"
	case KindThrottled:
		return "throttled"
	case KindServer:
		return "sts server error"
	case KindNetwork:
		return "network error"
	case KindRegionDisabled:
		return "sts region disabled"
	}
	return "sts error"
}

// STSError is an STS call that failed, explained: which profile and hop,
// who called, which config line to look at, and what to change. Message
// holds STS's own text with key ids redacted; nothing here holds a secret
// or an MFA code.
type STSError struct {
	Kind    ErrKind
	Profile string // the profile asked for
	// Hop is the index into the chain's hops; -1 for the MFA session
	// (GetSessionToken).
	Hop     int
	Hops    int    // number of hops in the chain (for "hop 2 of 3")
	Step    string // STS API: AssumeRole, GetSessionToken, ...
	RoleARN string
	Caller  string       // caller ARN when STS named it
	Pos     profiles.Pos // the config line most likely to need a change
	Key     string       // the setting at Pos (role_arn, mfa_serial, ...)
	Code    string       // STS error code
	Message string       // STS error message (redacted)
	Fix     string       // what to change
	Err     error
}

func (e *STSError) Error() string {
	var b strings.Builder
	if where := e.where(); where != "" {
		b.WriteString(where + ": ")
	}
	if e.Step != "" {
		b.WriteString(e.Step + ": ")
	}
	b.WriteString(e.Kind.String())
	b.WriteString(e.what())
	if e.Caller != "" && !strings.Contains(e.Message, e.Caller) {
		b.WriteString("; caller " + e.Caller)
	}
	if e.Fix != "" {
		b.WriteString("; " + e.Fix)
	}
	if p := e.Pos.String(); p != "" && !strings.Contains(e.Fix, p) {
		key := e.Key
		if key == "" {
			key = "setting"
		}
		fmt.Fprintf(&b, " (%s at %s)", key, p)
	}
	return b.String()
}

// where names the profile, the hop and the role of the failed call.
func (e *STSError) where() string {
	var where []string
	if e.Profile != "" {
		where = append(where, "profile "+e.Profile)
	}
	switch {
	case e.Hop < 0:
		where = append(where, "mfa session")
	case e.Hops > 0:
		where = append(where, fmt.Sprintf("hop %d of %d", e.Hop+1, e.Hops))
	}
	if len(where) == 0 {
		return ""
	}
	s := strings.Join(where, ", ")
	if e.RoleARN != "" {
		s += " (" + e.RoleARN + ")"
	}
	return s
}

// what is STS's own code and message, or the transport error.
func (e *STSError) what() string {
	switch {
	case e.Code != "" && e.Message != "":
		return ": " + e.Code + ": " + strings.TrimSuffix(e.Message, ".")
	case e.Code != "":
		return ": " + e.Code
	case e.Message != "":
		return ": " + strings.TrimSuffix(e.Message, ".")
	case e.Err != nil:
		return ": " + redactMessage(e.Err.Error())
	}
	return ""
}

func (e *STSError) Unwrap() error { return e.Err }

// Sentinel errors for failures found before any STS call.
var (
	// ErrNoMFAPrompt: a code is needed and there is no way to ask for one.
	ErrNoMFAPrompt = errors.New("an mfa code is needed but there is no terminal to ask on and no mfa_process")
	// ErrInvalidMFACode: the code is not six digits.
	ErrInvalidMFACode = errors.New("the mfa code must be exactly 6 digits")
	// ErrMFACodeReused: the code was already sent to AWS for this device.
	ErrMFACodeReused = errors.New("this mfa code was already used")
	// ErrPlan: the plan has error findings.
	ErrPlan = errors.New("the profile cannot be assumed as configured")
)

// InputError is a value refused client-side, before any STS call.
type InputError struct {
	Profile string
	Hop     int // index into the chain's hops, -1 when not about one hop
	Key     string
	Pos     profiles.Pos
	Err     error
}

func (e *InputError) Error() string {
	s := "profile " + e.Profile
	if e.Hop >= 0 {
		s += fmt.Sprintf(", hop %d", e.Hop+1)
	}
	s += ": " + e.Key + ": " + e.Err.Error()
	if p := e.Pos.String(); p != "" {
		s += " (at " + p + ")"
	}
	return s
}

func (e *InputError) Unwrap() error { return e.Err }

// PlanError carries a plan's error findings.
type PlanError struct {
	Profile  string
	Findings []profiles.Finding
}

func (e *PlanError) Error() string {
	var b strings.Builder
	b.WriteString("profile " + e.Profile + " cannot be assumed:")
	for _, f := range e.Findings {
		b.WriteString(" " + f.Message)
		if p := f.Pos.String(); p != "" {
			b.WriteString(" (" + p + ")")
		}
		if f.Fix != "" {
			b.WriteString("; " + f.Fix)
		}
		b.WriteString(".")
	}
	return b.String()
}

func (e *PlanError) Is(target error) bool { return target == ErrPlan }

// stepContext is what classifyError needs to explain a failed call.
type stepContext struct {
	Profile string
	Hop     int
	Hops    int
	Step    profiles.Step
	// Positions of the settings that may need a change.
	RoleARNPos, MFASerialPos, DurationPos, ExternalIDPos profiles.Pos
	SourceIdentityPos, SessionTagsPos                    profiles.Pos
	// PolicyPos is where this call's session policy was set; SignerPolicy
	// says where the session signing it was scoped down (an earlier hop's
	// session_policy or session_policy_arns), "" when it was not.
	PolicyPos           profiles.Pos
	HasPolicy           bool
	SignerPolicyPos     profiles.Pos
	SignerPolicyHolder  string // the profile whose hop set it
	KeyIDPos, SecretPos profiles.Pos
	SessionTokenPos     profiles.Pos
	// ChainSigned: the call is signed by a session switcher obtained (an MFA
	// session or an earlier hop), not by the chain's source.
	ChainSigned   bool
	SourceKind    profiles.SourceKind
	SourceProfile string
	Endpoint      string
	ExternalID    bool
	MFA           bool // the call carried an MFA code
	Duration      int  // seconds asked
	Code          string
}

var (
	callerRE = regexp.MustCompile(`User: (arn:[^ ]+) is not authorized`)
	keyIDRE  = regexp.MustCompile(`\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b`)
)

// redactMessage removes anything shaped like a key id from a server message.
func redactMessage(s string) string {
	return keyIDRE.ReplaceAllStringFunc(s, RedactKeyID)
}

// classifyError turns an SDK error from one step into an *STSError. The
// caller's own context errors (cancellation) are returned unchanged.
func classifyError(ctx context.Context, sc stepContext, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return err
	}
	e := &STSError{
		Profile: sc.Profile,
		Hop:     sc.Hop,
		Hops:    sc.Hops,
		Step:    sc.Step.Kind.String(),
		RoleARN: sc.Step.RoleARN,
		Err:     err,
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code = api.ErrorCode()
		e.Message = redactMessage(api.ErrorMessage())
		if sc.Code != "" {
			e.Message = strings.ReplaceAll(e.Message, sc.Code, "******")
		}
		if m := callerRE.FindStringSubmatch(e.Message); m != nil {
			e.Caller = m[1]
		}
		explainAPIError(e, sc)
		return e
	}
	explainTransportError(e, sc, err)
	return e
}

// apiRule explains one kind of STS error answer: it applies to an error
// code in codes whose message holds one of words (any message when words
// is empty), on a GetSessionToken call only when getSessionToken is set;
// it says what went wrong (kind), which setting to look at (key) and what
// to change (fix, or explain when that depends on the call).
type apiRule struct {
	codes           []string
	words           []string
	getSessionToken bool
	kind            ErrKind
	key             string
	fix             string
	explain         func(e *STSError, sc stepContext) (key, fix string)
}

// apiRules is the table explainAPIError reads, first match wins.
func apiRules() []apiRule {
	denied := []string{"AccessDenied", "AccessDeniedException"}
	validation := []string{"ValidationError"}
	return []apiRule{
		{codes: denied, words: []string{"multifactorauthentication", "mfa"}, kind: KindMFA, key: profiles.KeyMFASerial,
			fix: "the MFA code was wrong or already used, or mfa_serial does not name this user's device: wait for the next code and try again"},
		{codes: denied, words: []string{"with session credentials"}, kind: KindAccessDenied, key: profiles.KeyMFASerial,
			fix: "GetSessionToken needs long-term keys but the source gives temporary credentials: use long-term keys in the source profile, or let the role take the MFA code directly"},
		{codes: denied, words: []string{"source identity"}, kind: KindAccessDenied, key: profiles.KeySourceIdentity,
			fix: "a session's source identity cannot change along a chain: set the same source_identity on every hop, or only on the first"},
		{codes: denied, words: []string{"session policy"}, kind: KindAccessDenied, explain: scopedDownFix},
		{codes: denied, words: []string{"transitive tag"}, kind: KindAccessDenied, key: profiles.KeySessionTags,
			fix: "a transitive tag set by an earlier hop cannot be set again: remove it from session_tags"},
		{codes: denied, getSessionToken: true, kind: KindAccessDenied, key: profiles.KeyMFASerial,
			fix: "the source identity may not call sts:GetSessionToken; check the MFA device in mfa_serial belongs to it"},
		{codes: denied, kind: KindAccessDenied, key: profiles.KeyRoleARN, explain: assumeRoleDeniedFix},
		{codes: validation, words: []string{"chaining"}, kind: KindChaining, key: profiles.KeyDurationSeconds,
			fix: "AWS caps sessions assumed with temporary credentials at 1 hour: set duration_seconds to 3600 or less, or assume the role with MFA directly from long-term keys"},
		{codes: validation, words: []string{"maxsessionduration"}, kind: KindMaxDuration, key: profiles.KeyDurationSeconds,
			explain: func(_ *STSError, sc stepContext) (string, string) {
				return profiles.KeyDurationSeconds, fmt.Sprintf("raise the role's MaxSessionDuration in IAM, or lower duration_seconds (asked %ds)", sc.Duration)
			}},
		{codes: validation, words: []string{"externalid"}, kind: KindValidation, key: profiles.KeyExternalID,
			fix: "external_id must be 2–1224 characters of letters, digits and +=,.@:/-"},
		{codes: validation, words: []string{"tokencode", "serialnumber"}, kind: KindMFA, key: profiles.KeyMFASerial,
			fix: "the MFA code must be 6 digits and mfa_serial an MFA device ARN"},
		{codes: validation, kind: KindValidation, key: profiles.KeyRoleARN},
		{codes: []string{"ExpiredToken", "ExpiredTokenException"}, kind: KindExpiredToken, explain: expiredTokenFix},
		{codes: []string{"InvalidClientTokenId"}, kind: KindInvalidKey, explain: func(_ *STSError, sc stepContext) (string, string) {
			if sc.SourceKind == profiles.SourceKeyring && !sc.ChainSigned {
				return "", fmt.Sprintf("the access key in the keyring for %s is unknown to AWS or deactivated: store a working one with `switcher keys add %s`", sc.SourceProfile, sc.SourceProfile)
			}
			return profiles.KeyAccessKeyID, fmt.Sprintf("the access key id of %s is unknown to AWS or deactivated: create a new access key and update the profile", sourceDesc(sc))
		}},
		{codes: []string{"SignatureDoesNotMatch", "IncompleteSignature", "RequestExpired", "InvalidSignatureException"}, kind: KindSignature,
			explain: func(_ *STSError, sc stepContext) (string, string) {
				return profiles.KeySecretAccessKey, fmt.Sprintf("the secret access key of %s is wrong, or this machine's clock is off: check the secret and the clock", sourceDesc(sc))
			}},
		{codes: []string{"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "RequestThrottledException"},
			kind: KindThrottled, fix: "STS is throttling these calls even after retries: wait a minute and try again (cached sessions avoid most calls)"},
		{codes: []string{"RegionDisabledException"}, kind: KindRegionDisabled,
			fix: "activate STS for this region in the account's IAM settings, or set region (or --region) to an active one"},
		{codes: []string{"MalformedPolicyDocument", "PackedPolicyTooLarge"}, kind: KindValidation, explain: policyFix},
	}
}

// matches reports whether the rule explains e.
func (r apiRule) matches(e *STSError, sc stepContext, msg string) bool {
	if !slices.Contains(r.codes, e.Code) || r.getSessionToken && sc.Step.Kind != profiles.StepGetSessionToken {
		return false
	}
	if len(r.words) == 0 {
		return true
	}
	for _, w := range r.words {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// explainAPIError sets e's kind, the setting to look at and the fix from
// the first rule of apiRules that matches; a 5xx answer is a server error.
func explainAPIError(e *STSError, sc stepContext) {
	msg := strings.ToLower(e.Message)
	for _, r := range apiRules() {
		if !r.matches(e, sc, msg) {
			continue
		}
		e.Kind, e.Key, e.Fix = r.kind, r.key, r.fix
		if r.explain != nil {
			e.Key, e.Fix = r.explain(e, sc)
		}
		e.Pos = sc.pos(e.Key)
		return
	}
	var re *smithyhttp.ResponseError
	if errors.As(e.Err, &re) && re.HTTPStatusCode() >= 500 {
		e.Kind = KindServer
		e.Fix = fmt.Sprintf("STS at %s failed after retries: try again later, or check --endpoint-url", endpointDesc(sc.Endpoint))
		return
	}
	e.Kind = KindOther
}

// pos is the position of setting key in the call's chain ("" for none).
func (sc stepContext) pos(key string) profiles.Pos {
	switch key {
	case profiles.KeyRoleARN:
		return sc.RoleARNPos
	case profiles.KeyMFASerial:
		return sc.MFASerialPos
	case profiles.KeyDurationSeconds:
		return sc.DurationPos
	case profiles.KeyExternalID:
		return sc.ExternalIDPos
	case profiles.KeySourceIdentity:
		return sc.SourceIdentityPos
	case profiles.KeySessionTags:
		return sc.SessionTagsPos
	case profiles.KeyAccessKeyID:
		return sc.KeyIDPos
	case profiles.KeySecretAccessKey:
		return sc.SecretPos
	case profiles.KeySessionToken:
		return sc.SessionTokenPos
	case profiles.KeySessionPolicy:
		return sc.PolicyPos
	case keySignerPolicy:
		return sc.SignerPolicyPos
	}
	return profiles.Pos{}
}

// keySignerPolicy is the session policy of the session signing a call.
const keySignerPolicy = "the signing session's session_policy"

// scopedDownFix: the call was denied because the session signing it was
// scoped down by a session policy.
func scopedDownFix(_ *STSError, sc stepContext) (string, string) {
	if sc.SignerPolicyHolder == "" {
		return profiles.KeyRoleARN, "the session signing this call is scoped down by a session policy that does not allow sts:AssumeRole on this role"
	}
	return keySignerPolicy, fmt.Sprintf("the session of %s that signs this call is scoped down by its session policy, which does not allow sts:AssumeRole on this role: allow it there, or scope down only the last hop (--session-policy)", sc.SignerPolicyHolder)
}

// policyFix: STS refused a session policy (or tags) as malformed or too big.
func policyFix(_ *STSError, sc stepContext) (string, string) {
	if sc.HasPolicy {
		return profiles.KeySessionPolicy, fmt.Sprintf("STS refused the session policy: it must be a valid policy document, and it, the policy ARNs and the session tags together must fit STS's packed size (at most %d characters of policy, %d ARNs)", profiles.MaxPolicySize, profiles.MaxPolicyARNs)
	}
	return profiles.KeySessionTags, "session_tags or source_identity are too large or malformed: shorten them"
}

// assumeRoleDeniedFix says what to check when sts:AssumeRole is denied.
func assumeRoleDeniedFix(e *STSError, sc stepContext) (string, string) {
	fix := "the caller's identity policy must allow sts:AssumeRole on this role, and the role's trust policy must name the caller"
	if e.Caller != "" && !strings.Contains(e.Message, e.Caller) {
		fix += " (" + e.Caller + ")"
	}
	var conds []string
	if !sc.MFA {
		conds = append(conds, "if the trust policy requires aws:MultiFactorAuthPresent, set mfa_serial")
	}
	if sc.ExternalID {
		conds = append(conds, "check that external_id matches the trust policy's sts:ExternalId")
	} else {
		conds = append(conds, "if the trust policy requires sts:ExternalId, set external_id")
	}
	return profiles.KeyRoleARN, fix + " (" + strings.Join(conds, "; ") + ")"
}

// expiredTokenFix: either a session switcher made has expired, or the
// temporary keys the source holds.
func expiredTokenFix(_ *STSError, sc stepContext) (string, string) {
	if sc.ChainSigned {
		return "", "the session signing this call has expired: run `switcher clean` and try again"
	}
	return profiles.KeySessionToken, fmt.Sprintf("the temporary credentials of %s have expired: get new ones (then `switcher clean` drops sessions made from them)", sourceDesc(sc))
}

// wsaeConnRefused is WSAECONNREFUSED: on Windows a refused connection
// carries this Winsock code, which syscall.ECONNREFUSED does not match.
const wsaeConnRefused = syscall.Errno(10061)

func explainTransportError(e *STSError, sc stepContext, err error) {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		e.Kind = KindServer
		e.Fix = fmt.Sprintf("STS at %s answered HTTP %d after retries: try again later, or check --endpoint-url", endpointDesc(sc.Endpoint), re.HTTPStatusCode())
		return
	}
	var ne net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, wsaeConnRefused):
		e.Kind = KindNetwork
		e.Fix = fmt.Sprintf("nothing accepts connections at %s: check the endpoint URL (--endpoint-url, AWS_ENDPOINT_URL_STS, endpoint_url) and any proxy (HTTPS_PROXY)", endpointDesc(sc.Endpoint))
	case errors.As(err, &dnsErr):
		e.Kind = KindNetwork
		e.Fix = fmt.Sprintf("cannot resolve %s: check the endpoint URL, the region and DNS", endpointDesc(sc.Endpoint))
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		e.Kind = KindNetwork
		e.Fix = fmt.Sprintf("STS at %s did not answer in time: check the network, the endpoint URL and any proxy (HTTPS_PROXY)", endpointDesc(sc.Endpoint))
	default:
		var ma *retry.MaxAttemptsError
		if errors.As(err, &ma) || errors.As(err, &ne) {
			e.Kind = KindNetwork
			e.Fix = fmt.Sprintf("cannot reach STS at %s: check the network, the endpoint URL and any proxy", endpointDesc(sc.Endpoint))
			return
		}
		e.Kind = KindOther
	}
}

func sourceDesc(sc stepContext) string {
	if sc.ChainSigned {
		return "the session signing this call"
	}
	if sc.SourceProfile == "" {
		return "these credentials"
	}
	if sc.SourceKind == profiles.SourceCredentialSource && sc.KeyIDPos.File == "" {
		return "the environment (AWS_ACCESS_KEY_ID)"
	}
	return "profile " + sc.SourceProfile
}

func endpointDesc(ep string) string {
	if ep == "" {
		return "the default STS endpoint"
	}
	return ep
}

// Package stssim is an in-process AWS STS that speaks the real wire protocol:
// the Query protocol (form body or query string), SigV4 verified with the
// SDK's own signer, and the XML that STS returns, errors included. It
// enforces the STS rules switcher depends on: duration bounds, the 1-hour
// cap on AssumeRole calls signed by temporary credentials, session name and
// external id syntax, trust lists, MFA-required roles and one-time MFA
// codes. It counts calls and injects faults (500, throttling, slow answers).
//
// Tests serve it with httptest and point a real aws-sdk-go-v2 sts client at
// it; `switcher demo` uses Sim.Client, which needs no socket:
//
//	sim := stssim.New(stssim.WithClock(now))
//	srv := httptest.NewServer(sim) // sts.Options{BaseEndpoint: aws.String(srv.URL)}
//
// The same handler serves the console federation endpoint at FederationPath
// (getSigninToken, then login with a Destination) and a stand-in console
// page at ConsolePath. Console code takes the federation URL as a setting:
// tests give it srv.URL+stssim.FederationPath and a Destination of
// srv.URL+stssim.ConsolePath; the demo gives it any https URL ending in
// FederationPath together with sim.Client() as its HTTP client.
package stssim

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// DefaultAccount is the account users and the Sim live in unless told
// otherwise.
const DefaultAccount = "123456789012"

// FederationPath is where ServeHTTP answers the console federation endpoint
// (getSigninToken and login), like https://signin.aws.amazon.com/federation.
const FederationPath = "/federation"

// ConsolePath is a landing page a login redirect may point at: it answers
// 200 with the signed-in identity when the sign-in cookie is valid.
const ConsolePath = "/console"

// User is an IAM user with long-term keys.
type User struct {
	Name            string
	AccessKeyID     string // AKIA...
	SecretAccessKey string
	// MFASerial, when set, is the user's MFA device; AddUser registers it
	// (with no fixed codes: use AddMFADevice or Sim.CurrentCode).
	MFASerial string
	Account   string // default: the Sim's account
}

// Role is an IAM role that AssumeRole can assume.
type Role struct {
	ARN string // arn:aws:iam::ACCOUNT:role/[path/]NAME
	// Trust lists the principals allowed to assume the role: "*" for any,
	// a user ARN, a role ARN (admits that role's sessions), an assumed-role
	// session ARN, or an account root (arn:aws:iam::ACCOUNT:root or the bare
	// account id) which admits every principal of that account.
	Trust []string
	// RequireMFA refuses callers that neither send a valid MFA code nor sign
	// with an MFA-authenticated session.
	RequireMFA bool
	// ExternalID, when set, must be sent as ExternalId.
	ExternalID string
	// MaxSessionDuration bounds DurationSeconds; 0 means 1 hour, at most 12.
	MaxSessionDuration time.Duration
}

// Option configures a Sim.
type Option func(*Sim)

// WithClock sets the clock used for expiry, MFA code windows and signing
// time checks. Default: time.Now.
func WithClock(now func() time.Time) Option { return func(s *Sim) { s.now = now } }

// WithAccount sets the default account of users (default DefaultAccount).
func WithAccount(id string) Option { return func(s *Sim) { s.account = id } }

// WithMaxClockSkew makes the Sim refuse requests whose X-Amz-Date is further
// than d from its clock, as AWS does with 15 minutes. Off by default so a
// test's fake clock can differ from the SDK's signing clock.
func WithMaxClockSkew(d time.Duration) Option { return func(s *Sim) { s.maxSkew = d } }

// Sim is the simulated STS. The zero value is not usable: call New. A Sim
// is safe for concurrent use.
type Sim struct {
	now     func() time.Time
	account string
	maxSkew time.Duration

	mu       sync.Mutex
	users    map[string]*userRec // by name
	keys     map[string]*session // by access key id: long-term and issued
	roles    map[string]*roleRec // by role ARN
	devices  map[string]*device  // by serial
	calls    map[string]int      // by action
	faults   []pendingFault
	tokens   map[string]signin // sign-in tokens from getSigninToken
	consoles map[string]signin // console sessions, by cookie
	ssoSt    *ssoState         // IAM Identity Center (sso.go); nil until used
	org      *orgState         // AWS Organizations (org.go); nil: not in one
}

type userRec struct {
	User
	arn string
	id  string // AIDA...
}

type roleRec struct {
	Role
	name string
	acct string
	id   string // AROA...
}

// principal kinds.
const (
	KindUser          = "user"
	KindAssumedRole   = "assumed-role"
	KindFederatedUser = "federated-user"
)

// session is a set of keys the Sim knows: a user's long-term keys or an
// issued temporary credential.
type session struct {
	keyID, secret, token string
	kind                 string // KindUser, KindAssumedRole, KindFederatedUser
	arn                  string // principal ARN
	userID               string // GetCallerIdentity UserId
	account              string
	user                 *userRec // the IAM user behind it (users and their GetSessionToken sessions)
	role                 *roleRec // assumed-role sessions
	temporary            bool
	expiration           time.Time // zero for long-term keys
	mfa                  bool
	sourceIdentity       string
	tags                 []Tag
	transitive           []string
	issuedBy             string         // action that issued it
	policy               *sessionPolicy // an inline session policy that scoped it down
	policyARNs           []string       // managed session policies
}

// Tag is a session tag.
type Tag struct{ Key, Value string }

// SessionInfo describes credentials the Sim issued or holds, for tests and
// the demo to inspect. It holds no secret.
type SessionInfo struct {
	AccessKeyID       string
	Kind              string // KindUser, KindAssumedRole or KindFederatedUser
	ARN               string
	UserID            string
	Account           string
	RoleARN           string // the role of an assumed-role session
	Temporary         bool
	Expiration        time.Time
	MFAAuthenticated  bool
	SourceIdentity    string
	Tags              []Tag
	TransitiveTagKeys []string
	IssuedBy          string // "AssumeRole", "GetSessionToken", "GetFederationToken"; "" for long-term keys
	// Policy is the inline session policy it was scoped down with, as
	// sent; PolicyARNs the managed ones.
	Policy     string
	PolicyARNs []string
}

// New returns an empty Sim.
func New(opts ...Option) *Sim {
	s := &Sim{
		now:      time.Now, //nolint:forbidigo // the production default; tests and the demo inject theirs with WithClock
		account:  DefaultAccount,
		users:    map[string]*userRec{},
		keys:     map[string]*session{},
		roles:    map[string]*roleRec{},
		devices:  map[string]*device{},
		calls:    map[string]int{},
		tokens:   map[string]signin{},
		consoles: map[string]signin{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Account is the Sim's default account id.
func (s *Sim) Account() string { return s.account }

var (
	roleARNPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$`)
	})
	accessKeyRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w]{16,128}$`) })
	nameRe      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{1,64}$`) })
	accountRe   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d{12}$`) })
)

// ErrInvalidSeed is returned (wrapped) by the Add methods for seeds that
// real IAM would refuse.
var ErrInvalidSeed = errors.New("stssim: invalid seed")

// AddUser registers a user and its long-term keys.
func (s *Sim) AddUser(u User) error {
	if !nameRe().MatchString(u.Name) {
		return fmt.Errorf("%w: user name %q", ErrInvalidSeed, u.Name)
	}
	if !accessKeyRe().MatchString(u.AccessKeyID) || u.SecretAccessKey == "" {
		return fmt.Errorf("%w: user %s: access key id must be 16-128 word characters and the secret non-empty", ErrInvalidSeed, u.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.keys[u.AccessKeyID]; dup {
		return fmt.Errorf("%w: user %s: access key id already in use", ErrInvalidSeed, u.Name)
	}
	if u.Account == "" {
		u.Account = s.account
	}
	rec := &userRec{User: u, arn: "arn:aws:iam::" + u.Account + ":user/" + u.Name, id: "AIDA" + randomID(16)}
	s.users[u.Name] = rec
	s.keys[u.AccessKeyID] = &session{
		keyID:   u.AccessKeyID,
		secret:  u.SecretAccessKey,
		kind:    KindUser,
		arn:     rec.arn,
		userID:  rec.id,
		account: rec.Account,
		user:    rec,
	}
	if u.MFASerial != "" {
		if _, ok := s.devices[u.MFASerial]; !ok {
			s.devices[u.MFASerial] = newDevice()
		}
	}
	return nil
}

// AddRole registers a role.
func (s *Sim) AddRole(r Role) error {
	m := roleARNPattern().FindStringSubmatch(r.ARN)
	if m == nil {
		return fmt.Errorf("%w: role ARN %q", ErrInvalidSeed, r.ARN)
	}
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = time.Hour
	}
	if r.MaxSessionDuration < time.Hour || r.MaxSessionDuration > 12*time.Hour {
		return fmt.Errorf("%w: role %s: MaxSessionDuration %s is outside 1h..12h", ErrInvalidSeed, r.ARN, r.MaxSessionDuration)
	}
	if r.ExternalID != "" && !externalIDRe().MatchString(r.ExternalID) {
		return fmt.Errorf("%w: role %s: external id syntax", ErrInvalidSeed, r.ARN)
	}
	r.Trust = append([]string(nil), r.Trust...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles[r.ARN] = &roleRec{Role: r, acct: m[1], name: m[3], id: "AROA" + randomID(17)}
	return nil
}

// Session describes the credentials with this access key id: a user's
// long-term keys or a credential the Sim issued.
func (s *Sim) Session(accessKeyID string) (SessionInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.keys[accessKeyID]
	if !ok {
		return SessionInfo{}, false
	}
	info := SessionInfo{
		AccessKeyID:       c.keyID,
		Kind:              c.kind,
		ARN:               c.arn,
		UserID:            c.userID,
		Account:           c.account,
		Temporary:         c.temporary,
		Expiration:        c.expiration,
		MFAAuthenticated:  c.mfa,
		SourceIdentity:    c.sourceIdentity,
		Tags:              append([]Tag(nil), c.tags...),
		TransitiveTagKeys: append([]string(nil), c.transitive...),
		IssuedBy:          c.issuedBy,
		PolicyARNs:        append([]string(nil), c.policyARNs...),
	}
	if c.role != nil {
		info.RoleARN = c.role.ARN
	}
	if c.policy != nil {
		info.Policy = c.policy.doc
	}
	return info, true
}

// Calls is how many requests for action the Sim received (failed ones,
// faults and bad signatures included). Action "" counts every request.
func (s *Sim) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if action == "" {
		n := 0
		for _, c := range s.calls {
			n += c
		}
		return n
	}
	return s.calls[action]
}

// ResetCalls sets every count back to zero.
func (s *Sim) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
}

// Fault is a failure the Sim answers with instead of handling a request.
// A Fault with a Delay and no Code answers normally after the delay.
type Fault struct {
	Status  int
	Code    string
	Message string
	// Delay holds the response back, or until the request's context is
	// cancelled (the client gave up), whichever comes first.
	Delay time.Duration
}

// InternalFailure is an HTTP 500, which SDKs retry.
func InternalFailure() Fault {
	return Fault{Status: http.StatusInternalServerError, Code: CodeInternalFailure, Message: MsgInternalFailure}
}

// Throttling is STS's rate limit (HTTP 400 Throttling "Rate exceeded"),
// which SDKs retry with backoff.
func Throttling() Fault {
	return Fault{Status: http.StatusBadRequest, Code: CodeThrottling, Message: MsgRateExceeded}
}

// Slow delays the response by d, then answers normally.
func Slow(d time.Duration) Fault { return Fault{Delay: d} }

type pendingFault struct {
	action string // "" matches every action
	left   int
	fault  Fault
}

// FailNext makes the next n requests for action ("" for any action) fail
// with f. Faults queue in the order they were added.
func (s *Sim) FailNext(action string, n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, pendingFault{action: action, left: n, fault: f})
}

// takeFault returns the first pending fault for action, consuming one use.
// Callers hold s.mu.
func (s *Sim) takeFault(action string) (Fault, bool) {
	for i := range s.faults {
		pf := &s.faults[i]
		if pf.action != "" && pf.action != action {
			continue
		}
		f := pf.fault
		pf.left--
		if pf.left == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f, true
	}
	return Fault{}, false
}

// ServeHTTP answers STS Query requests on any path but FederationPath and
// ConsolePath, which serve the console federation endpoint.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveSSO(w, r) || s.serveOrganizations(w, r) {
		return
	}
	switch r.URL.Path {
	case FederationPath:
		s.serveFederation(w, r)
	case ConsolePath:
		s.serveConsole(w, r)
	default:
		s.serveSTS(w, r)
	}
}

// maxBody bounds a request body; STS requests are a few kilobytes.
const maxBody = 1 << 20

func (s *Sim) serveSTS(w http.ResponseWriter, r *http.Request) {
	requestID := requestID()
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, requestID, newError(http.StatusMethodNotAllowed, "InvalidAction", "Method %s is not allowed", r.Method))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, requestID, newError(http.StatusBadRequest, "MalformedQueryString", "The request body could not be read"))
		return
	}
	params, perr := queryParams(r, body)
	if perr != nil {
		writeError(w, requestID, perr)
		return
	}
	action := params.Get("Action")

	s.mu.Lock()
	s.calls[action]++
	fault, faulty := s.takeFault(action)
	s.mu.Unlock()

	if faulty {
		if fault.Delay > 0 {
			t := time.NewTimer(fault.Delay)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if fault.Code != "" {
			writeError(w, requestID, &apiError{Status: fault.Status, Code: fault.Code, Message: fault.Message})
			return
		}
	}

	out, aerr := s.handle(r, body, params, action)
	if aerr != nil {
		writeError(w, requestID, aerr)
		return
	}
	out.setRequestID(requestID)
	writeXML(w, http.StatusOK, requestID, out)
}

// handle authenticates the request and runs its action.
func (s *Sim) handle(r *http.Request, body []byte, params paramSet, action string) (response, *apiError) {
	if v := params.Get("Version"); v != "" && v != apiVersion {
		return nil, newError(http.StatusBadRequest, CodeInvalidAction, "Could not find operation %s for version %s", action, v)
	}
	var run func(caller *session, p paramSet) (response, *apiError)
	switch action {
	case "AssumeRole":
		run = s.assumeRole
	case "GetSessionToken":
		run = s.getSessionToken
	case "GetCallerIdentity":
		run = s.getCallerIdentity
	case "GetFederationToken":
		run = s.getFederationToken
	case "":
		return nil, newError(http.StatusBadRequest, "MissingAction", "Missing Action")
	default:
		return nil, newError(http.StatusBadRequest, CodeInvalidAction, "Could not find operation %s for version %s", action, apiVersion)
	}
	caller, aerr := s.authenticate(r, body)
	if aerr != nil {
		return nil, aerr
	}
	return run(caller, params)
}

// randomID returns n characters of [A-Z2-7], like AWS unique ids.
func randomID(n int) string {
	b := make([]byte, (n*5+7)/8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:n]
}

func randomSecret() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b) // 40 characters
}

// randomToken returns a session token of at least minSize bytes (at most
// maxTokenSize), like STS's MinimumSessionTokenSize padding.
func randomToken(minSize int) string {
	const defaultSize = 420
	size := max(defaultSize, min(minSize, maxTokenSize))
	b := make([]byte, size) // its base64 is longer than size
	_, _ = rand.Read(b)
	return ("IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(b))[:size]
}

func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return strings.Join([]string{h[:8], h[8:12], h[12:16], h[16:20], h[20:]}, "-")
}

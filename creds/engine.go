package creds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/switcher-cli/switcher/profiles"
)

// SafetyWindow is the least time a cached session must have left to be
// reused; callers ask for more with Options.MinRemaining
// (credential-process asks for 15 minutes, the AWS CLI's refresh margin).
const SafetyWindow = 5 * time.Minute

// Engine executes plans: the source's credentials, then one STS call per
// step, with the role session and the MFA session each behind the cache
// (cachedProvider). An Engine is safe for concurrent use and must not be
// copied after first use.
//
//	eng := &creds.Engine{Config: cfg, Store: store, Now: time.Now, Getenv: os.Getenv, Prompt: creds.TTYPrompter{}}
//	s, err := eng.Assume(ctx, "prod", creds.Options{})
type Engine struct {
	Config *profiles.Config
	Store  *Store           // nil: no caching
	Now    func() time.Time // required
	Getenv func(string) string
	// Environ is the environment of the commands the engine runs for a
	// source (aws for a login_session); nil: the process's own.
	Environ    func() []string
	HTTPClient *http.Client // nil: NewHTTPClient()
	// Prompt asks for MFA codes after the profile's mfa_process (which the
	// engine runs itself). nil: no prompt (ErrNoMFAPrompt).
	Prompt      Prompter
	EndpointURL string // --endpoint-url
	Region      string // --region
	// Keys gives the long-term keys of profiles whose keys are in the
	// keyring; read only when a source is needed. nil: no keyring.
	Keys   KeySource
	Debugf func(format string, args ...any)

	// NewClient builds the STS client of one step; nil: NewSTSClient. A seam
	// for fakes; the simulator is reached through EndpointURL instead.
	NewClient func(ClientOptions) STSClient
	// CallTimeout bounds one STS call, retries included; 0: DefaultCallTimeout.
	CallTimeout time.Duration

	once       sync.Once
	httpClient *http.Client
	mu         sync.Mutex
	usedCodes  map[string]usedCodeEntry // serial → last code, when Store is nil
}

// Options change one Assume call.
type Options struct {
	MFACode         string        // --mfa-code
	DurationSeconds int           // --duration: the final hop's duration
	MinRemaining    time.Duration // reuse a cached session only with more left (at least SafetyWindow)
	ForceRefresh    bool          // skip the role-session cache (a live MFA session is still reused)
	// NoSession hands out a profile's long-term keys as they are
	// (--no-session) instead of a GetSessionToken session of them.
	NoSession bool
	// SessionPolicy and SessionPolicyARNs scope down the final hop's
	// session (--session-policy: JSON or file://PATH; --session-policy-arns).
	SessionPolicy     string
	SessionPolicyARNs string
	OnStep            func(StepEvent)
}

// StepEvent reports progress on one planned step.
type StepEvent struct {
	Index  int
	Step   profiles.Step
	Done   bool
	Cached bool
	Err    error
}

// Identity is what GetCallerIdentity returns.
type Identity struct {
	Account, ARN, UserID string
}

// now is the injected clock; newRun refuses an Engine without one.
func (e *Engine) now() time.Time { return e.Now() }

func (e *Engine) getenv() func(string) string {
	if e.Getenv != nil {
		return e.Getenv
	}
	return func(string) string { return "" }
}

func (e *Engine) debugf(format string, args ...any) {
	if e.Debugf != nil {
		e.Debugf(format, args...)
	}
}

func (e *Engine) client(o ClientOptions) STSClient {
	e.once.Do(func() {
		e.httpClient = e.HTTPClient
		if e.httpClient == nil {
			e.httpClient = NewHTTPClient()
		}
	})
	o.HTTPClient = e.httpClient
	if e.NewClient != nil {
		return e.NewClient(o)
	}
	return NewSTSClient(o)
}

func (e *Engine) callTimeout() time.Duration {
	if e.CallTimeout > 0 {
		return e.CallTimeout
	}
	return DefaultCallTimeout
}

// Assume returns credentials for a profile: plan, then the chain (source,
// then hops) behind the role-session cache, which answers while enough
// time is left.
func (e *Engine) Assume(ctx context.Context, profile string, opt Options) (*Session, error) {
	r, err := e.newRun(profile, opt)
	if err != nil {
		return nil, err
	}
	e.debugf("assume %s: %d step(s), mfa %s, sts endpoint %s (%s), region %s (%s)", profile, len(r.plan.Steps), r.plan.MFA,
		endpointDesc(r.res.Endpoint), orWord(r.res.EndpointFrom, "SDK default"), r.res.STSRegion, orWord(r.res.RegionFrom, "default for STS"))
	s, err := r.sessions().Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	if opt.ForceRefresh && e.Store != nil {
		// credential-process's fast path must not go on handing out the
		// session this refresh replaced. A failure leaves that older
		// session, still valid, in use: no reason to fail the refresh.
		if err := e.Store.ForgetFastSessions(profile); err != nil {
			e.debugf("cache: %v", err)
		}
	}
	return s, nil
}

// NeedsMFACode reports whether assuming profile now would need a code: the
// plan uses MFA and no cached role session or MFA session covers it.
// opt.MFACode set means no prompt is needed. No STS call is made.
func (e *Engine) NeedsMFACode(profile string, opt Options) (serial string, need bool, err error) {
	r, err := e.newRun(profile, Options{DurationSeconds: opt.DurationSeconds, MinRemaining: opt.MinRemaining, ForceRefresh: opt.ForceRefresh, NoSession: opt.NoSession})
	if err != nil {
		return "", false, err
	}
	if r.plan.MFA == profiles.MFANone {
		return "", false, nil
	}
	serial = r.plan.MFASerial.Value
	for _, st := range r.plan.Steps {
		if st.MFASerial != "" {
			serial = st.MFASerial
			break
		}
	}
	if opt.MFACode != "" {
		return serial, false, nil
	}
	if !opt.ForceRefresh {
		if _, ok := r.cachedRole(); ok {
			return serial, false, nil
		}
	}
	if r.plan.MFA == profiles.MFASession {
		if _, ok := r.cachedMFA(); ok {
			return serial, false, nil
		}
	}
	return serial, true, nil
}

// CachedTimeLeft is the time left on the cached session of profile, with
// no STS call and no lock; false when nothing usable is cached.
func (e *Engine) CachedTimeLeft(profile string) (time.Duration, bool) {
	if e.Store == nil {
		return 0, false
	}
	r, err := e.newRun(profile, Options{})
	if err != nil || r.keys.role == "" {
		return 0, false
	}
	s, ok := e.Store.roleSession(r.keys.role)
	if !ok {
		return 0, false
	}
	left := s.TimeLeft(e.now())
	if left <= 0 {
		return 0, false
	}
	return left, true
}

// CallerIdentity calls GetCallerIdentity with c.
func (e *Engine) CallerIdentity(ctx context.Context, c Credentials, region string) (Identity, error) {
	res, err := e.resolveEndpoint(nil)
	if err != nil {
		return Identity{}, err
	}
	if region == "" {
		region = res.STSRegion
	}
	client := e.client(ClientOptions{Region: region, Endpoint: res.Endpoint, Credentials: &c})
	cctx, cancel := context.WithTimeout(ctx, e.callTimeout())
	defer cancel()
	out, err := client.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		sc := stepContext{Hop: 0, Endpoint: res.Endpoint, Step: profiles.Step{Kind: 0}}
		cerr := classifyError(ctx, sc, err)
		var se *STSError
		if errors.As(cerr, &se) {
			se.Step = "GetCallerIdentity"
			se.Hop, se.Hops = 0, 0
			se.Profile = ""
		}
		return Identity{}, cerr
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

// errNoClock: the Engine was built without Now.
var errNoClock = errors.New("creds: Engine.Now is not set")

// noConfig: the Engine was built without a Config.
func noConfig(profile string) error {
	return fmt.Errorf("profile %s: no configuration loaded", profile)
}

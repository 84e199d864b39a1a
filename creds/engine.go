package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/switcher-cli/switcher/profiles"
)

// SafetyWindow is the least time a cached session must have left to be
// reused; callers ask for more with Options.MinRemaining
// (credential-process asks for 15 minutes, the AWS CLI's refresh margin).
const SafetyWindow = 5 * time.Minute

// Engine executes plans: source credentials, then one STS call per step,
// sharing MFA sessions and caching role sessions. An Engine is safe for
// concurrent use and must not be copied after first use.
//
//	eng := &creds.Engine{Config: cfg, Cache: cache, Now: time.Now, Getenv: os.Getenv, Prompt: creds.TTYPrompter{}}
//	s, err := eng.Assume(ctx, "prod", creds.Options{})
type Engine struct {
	Config     *profiles.Config
	Cache      *Cache           // nil: no caching
	Now        func() time.Time // required
	Getenv     func(string) string
	HTTPClient *http.Client // nil: NewHTTPClient()
	// Prompt asks for MFA codes after the profile's mfa_process (which the
	// engine runs itself). nil: no prompt (ErrNoMFAPrompt).
	Prompt      Prompter
	EndpointURL string // --endpoint-url
	Region      string // --region
	Debugf      func(format string, args ...any)

	// NewClient builds the STS client of one step; nil: NewSTSClient. A seam
	// for fakes; the simulator is reached through EndpointURL instead.
	NewClient func(ClientOptions) STSClient
	// CallTimeout bounds one STS call, retries included; 0: DefaultCallTimeout.
	CallTimeout time.Duration

	once       sync.Once
	httpClient *http.Client
	mu         sync.Mutex
	usedCodes  map[string]usedCodeEntry // serial → last code, when Cache is nil
}

// Options change one Assume call.
type Options struct {
	MFACode         string        // --mfa-code
	DurationSeconds int           // --duration: the final hop's duration
	MinRemaining    time.Duration // reuse a cached session only with more left (at least SafetyWindow)
	ForceRefresh    bool          // skip the role-session cache (a live MFA session is still reused)
	OnStep          func(StepEvent)
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

// plan loads and checks the plan of a profile.
func (e *Engine) plan(profile string, opt Options) (*profiles.Plan, error) {
	if e.Config == nil {
		return nil, fmt.Errorf("profile %s: no configuration loaded", profile)
	}
	plan, err := e.Config.Plan(profile, profiles.PlanOptions{DurationSeconds: opt.DurationSeconds})
	if err != nil {
		return nil, err
	}
	var errs []profiles.Finding
	for _, f := range plan.Findings {
		if f.Severity == profiles.SeverityError {
			errs = append(errs, f)
		}
	}
	if len(errs) > 0 {
		return nil, &PlanError{Profile: profile, Findings: errs}
	}
	return plan, nil
}

// run is the state of one Assume call.
type run struct {
	e       *Engine
	profile string
	opt     Options
	plan    *profiles.Plan
	res     resolved
	keyID   string // source key id when known up front
	keys    cacheKeys
	// sessionNames holds the session name of each hop.
	sessionNames []string
	tags         [][]ststypes.Tag
	transitive   [][]string
}

type cacheKeys struct {
	role string // role-session entry and lock; "" when the plan has no AssumeRole
	mfa  string // MFA-session entry and lock; "" when the plan has no GetSessionToken
}

// errNoClock: the Engine was built without Now.
var errNoClock = errors.New("creds: Engine.Now is not set")

func (e *Engine) newRun(profile string, opt Options) (*run, error) {
	if e.Now == nil {
		return nil, errNoClock
	}
	plan, err := e.plan(profile, opt)
	if err != nil {
		return nil, err
	}
	res, err := e.resolveEndpoint(plan.Chain)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", profile, err)
	}
	r := &run{e: e, profile: profile, opt: opt, plan: plan, res: res}
	r.keyID = e.sourceKeyID(plan.Chain.Source)
	if err := r.validate(); err != nil {
		return nil, err
	}
	r.keys = r.cacheKeys()
	return r, nil
}

var sessionNameUnsafe = regexp.MustCompile(`[^A-Za-z0-9+=,.@_-]+`)

// DefaultSessionName is switcher-<user>-<unix time>, valid for STS.
func DefaultSessionName(getenv func(string) string, now time.Time) string {
	user := getenv("USER")
	if user == "" {
		user = getenv("USERNAME")
	}
	user = strings.Trim(sessionNameUnsafe.ReplaceAllString(user, "-"), "-")
	if user == "" {
		user = "user"
	}
	const maxUser = 64 - len("switcher-") - len("-") - 10
	if len(user) > maxUser {
		user = user[:maxUser]
	}
	return "switcher-" + user + "-" + strconv.FormatInt(now.Unix(), 10)
}

// validate checks every value the steps will send, before any call.
func (r *run) validate() error {
	chain := r.plan.Chain
	getenv := r.e.getenv()
	now := r.e.now()
	r.sessionNames = make([]string, len(chain.Hops))
	r.tags = make([][]ststypes.Tag, len(chain.Hops))
	r.transitive = make([][]string, len(chain.Hops))
	bad := func(hop int, key string, pos profiles.Pos, err error) error {
		return &InputError{Profile: r.profile, Hop: hop, Key: key, Pos: pos, Err: err}
	}
	for i, h := range chain.Hops {
		if err := profiles.ValidateRoleARN(h.RoleARN.Value); err != nil {
			return bad(i, profiles.KeyRoleARN, h.RoleARN.Pos, err)
		}
		name := h.SessionName.Value
		if name == "" {
			name = DefaultSessionName(getenv, now)
		}
		if err := profiles.ValidateSessionName(name); err != nil {
			return bad(i, profiles.KeyRoleSessionName, h.SessionName.Pos, err)
		}
		r.sessionNames[i] = name
		if h.ExternalID.Value != "" {
			if err := profiles.ValidateExternalID(h.ExternalID.Value); err != nil {
				return bad(i, profiles.KeyExternalID, h.ExternalID.Pos, err)
			}
		}
		if h.MFASerial.Value != "" {
			if err := profiles.ValidateMFASerial(h.MFASerial.Value); err != nil {
				return bad(i, profiles.KeyMFASerial, h.MFASerial.Pos, err)
			}
		}
		if h.SourceIdentity.Value != "" {
			if err := profiles.ValidateSourceIdentity(h.SourceIdentity.Value); err != nil {
				return bad(i, profiles.KeySourceIdentity, h.SourceIdentity.Pos, err)
			}
		}
		if h.SessionTags.Value != "" {
			tags, err := profiles.ParseSessionTags(h.SessionTags.Value)
			if err != nil {
				return bad(i, profiles.KeySessionTags, h.SessionTags.Pos, err)
			}
			for _, t := range tags {
				r.tags[i] = append(r.tags[i], ststypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
			}
		}
		if h.TransitiveTags.Value != "" {
			keys, err := profiles.ParseTransitiveTags(h.TransitiveTags.Value)
			if err != nil {
				return bad(i, profiles.KeyTransitiveSessionTags, h.TransitiveTags.Pos, err)
			}
			r.transitive[i] = keys
		}
	}
	if r.plan.MFASerial.Value != "" {
		if err := profiles.ValidateMFASerial(r.plan.MFASerial.Value); err != nil {
			return bad(-1, profiles.KeyMFASerial, r.plan.MFASerial.Pos, err)
		}
	}
	for _, st := range r.plan.Steps {
		secs, pos := r.stepDuration(st)
		if secs == 0 {
			continue
		}
		if st.Kind == profiles.StepGetSessionToken {
			if err := profiles.ValidateMFASessionDuration(secs); err != nil {
				return bad(-1, profiles.KeyMFASessionDuration, pos, err)
			}
			continue
		}
		if err := profiles.ValidateDuration(secs); err != nil {
			return bad(st.Hop, profiles.KeyDurationSeconds, pos, err)
		}
	}
	if r.opt.MFACode != "" {
		if err := ValidateMFACode(r.opt.MFACode); err != nil {
			return fmt.Errorf("profile %s: --mfa-code: %w", r.profile, err)
		}
	}
	return nil
}

// stepDuration is the duration a step sends (0: STS's default).
func (r *run) stepDuration(st profiles.Step) (int, profiles.Pos) {
	if st.Kind == profiles.StepGetSessionToken {
		v := r.plan.Chain.MFASessionDuration
		secs := st.GrantedSeconds
		if secs == 0 {
			secs = st.RequestedSeconds
		}
		if secs == 0 && v.Value != "" {
			if n, err := profiles.ParseDuration(v.Value); err == nil {
				secs = n
			}
		}
		if secs == 0 {
			secs = profiles.DefaultMFASessionDuration
		}
		pos := st.DurationPos
		if pos.File == "" {
			pos = v.Pos
		}
		return secs, pos
	}
	secs := st.GrantedSeconds
	if secs == 0 {
		secs = st.RequestedSeconds
	}
	return secs, st.DurationPos
}

// cacheKeys builds the keys from everything that changes the result.
func (r *run) cacheKeys() cacheKeys {
	chain := r.plan.Chain
	src := chain.Source
	base := []string{
		"endpoint=" + r.res.Endpoint, "region=" + r.res.STSRegion,
		"source=" + src.Kind.String(), "source-profile=" + src.Profile,
		"source-setting=" + sourceSettingForKey(src), "source-key=" + r.keyID,
	}
	var k cacheKeys
	for _, st := range r.plan.Steps {
		if st.Kind == profiles.StepGetSessionToken {
			secs, _ := r.stepDuration(st)
			k.mfa = Key(append([]string{"mfa-session", "serial=" + st.MFASerial, "duration=" + strconv.Itoa(secs)}, base...)...)
		}
	}
	hasRole := false
	parts := append([]string{"role-session", "target=" + chain.Target, "mfa=" + r.plan.MFA.String(), "mfa-serial=" + r.plan.MFASerial.Value}, base...)
	for _, st := range r.plan.Steps {
		if st.Kind == profiles.StepGetSessionToken {
			continue
		}
		hasRole = true
		h := chain.Hops[st.Hop]
		secs, _ := r.stepDuration(st)
		parts = append(parts,
			"hop="+strconv.Itoa(st.Hop), "kind="+st.Kind.String(), "role="+h.RoleARN.Value,
			"external-id="+h.ExternalID.Value, "session-name="+h.SessionName.Value,
			"duration="+strconv.Itoa(secs), "source-identity="+h.SourceIdentity.Value,
			"tags="+h.SessionTags.Value, "transitive="+h.TransitiveTags.Value, "step-mfa="+st.MFASerial)
	}
	if hasRole {
		k.role = Key(parts...)
	}
	return k
}

// sourceSettingForKey is the source's setting, except static key ids,
// which are already in the key and never stored in clear twice.
func sourceSettingForKey(src profiles.Source) string {
	if src.Kind == profiles.SourceStatic {
		return ""
	}
	return src.Setting.Value
}

func (r *run) minRemaining() time.Duration {
	return max(r.opt.MinRemaining, SafetyWindow)
}

// fresh reports whether credentials have more than min left at now.
func fresh(c Credentials, now time.Time, min time.Duration) bool {
	return c.AccessKeyID != "" && (!c.Expires() || c.TimeLeft(now) > min)
}

// cachedRole reads the role-session entry.
func (r *run) cachedRole() (*Session, bool) {
	if r.e.Cache == nil || r.keys.role == "" {
		return nil, false
	}
	var s Session
	ok, err := r.e.Cache.Get(r.keys.role, &s)
	if err != nil {
		r.e.debugf("cache: reading the session of %s failed: %v", r.profile, err)
		return nil, false
	}
	if !ok || !fresh(s.Credentials, r.e.now(), r.minRemaining()) {
		return nil, false
	}
	s.Profile = r.profile
	s.Region = r.res.Region
	s.FromCache = true
	return &s, true
}

func (r *run) cachedMFA() (*mfaSessionEntry, bool) {
	if r.e.Cache == nil || r.keys.mfa == "" {
		return nil, false
	}
	var m mfaSessionEntry
	ok, err := r.e.Cache.Get(r.keys.mfa, &m)
	if err != nil {
		r.e.debugf("cache: reading the mfa session of %s failed: %v", r.plan.Chain.Source.Profile, err)
		return nil, false
	}
	if !ok || !fresh(m.Credentials, r.e.now(), SafetyWindow) {
		return nil, false
	}
	return &m, true
}

// Assume returns credentials for a profile: from the cache while enough
// time is left, else by running the plan's steps.
func (e *Engine) Assume(ctx context.Context, profile string, opt Options) (*Session, error) {
	r, err := e.newRun(profile, opt)
	if err != nil {
		return nil, err
	}
	e.debugf("assume %s: %d step(s), mfa %s, sts endpoint %s (%s), region %s (%s)", profile, len(r.plan.Steps), r.plan.MFA,
		endpointDesc(r.res.Endpoint), orWord(r.res.EndpointFrom, "SDK default"), r.res.STSRegion, orWord(r.res.RegionFrom, "default for STS"))
	if !opt.ForceRefresh {
		if s, ok := r.cachedRole(); ok {
			e.debugf("cache hit: session of %s, %s left", profile, s.TimeLeft(e.now()).Round(time.Second))
			r.reportCached()
			return s, nil
		}
	}
	if e.Cache != nil && r.keys.role != "" {
		unlock, err := e.Cache.Lock(ctx, r.keys.role)
		if err != nil {
			return nil, fmt.Errorf("profile %s: locking the session cache: %w", profile, err)
		}
		defer unlock()
		if !opt.ForceRefresh {
			if s, ok := r.cachedRole(); ok {
				e.debugf("cache hit after waiting for the lock: session of %s", profile)
				r.reportCached()
				return s, nil
			}
		}
		e.debugf("cache miss: session of %s", profile)
	}
	s, err := r.execute(ctx)
	if err != nil {
		return nil, err
	}
	if e.Cache != nil && r.keys.role != "" {
		if err := e.Cache.Put(r.keys.role, s); err != nil {
			e.debugf("cache: storing the session of %s failed: %v", profile, err)
		}
	}
	return s, nil
}

func (r *run) reportCached() {
	if r.opt.OnStep == nil {
		return
	}
	for i, st := range r.plan.Steps {
		r.opt.OnStep(StepEvent{Index: i, Step: st, Done: true, Cached: true})
	}
}

// execute gets the source credentials and runs every step.
func (r *run) execute(ctx context.Context) (*Session, error) {
	chain := r.plan.Chain
	var cur *Credentials
	needSource := true
	// A cached MFA session makes the source unnecessary.
	var mfa *mfaSessionEntry
	if len(r.plan.Steps) > 0 && r.plan.Steps[0].Kind == profiles.StepGetSessionToken {
		if m, ok := r.cachedMFA(); ok {
			mfa, needSource = m, false
		}
	}
	if needSource && chain.Source.Kind != profiles.SourceWebIdentity {
		r.e.debugf("source: %s of profile %s", chain.Source.Kind, chain.Source.Profile)
		c, err := r.e.sourceCredentials(ctx, chain.Source, r.res)
		if err != nil {
			return nil, err
		}
		cur = c
		if c != nil {
			r.e.debugf("source: key %s, temporary %t", RedactKeyID(c.AccessKeyID), c.Temporary())
		}
	}
	s := &Session{Profile: r.profile, Region: r.res.Region}
	allCached := len(r.plan.Steps) > 0
	for i, st := range r.plan.Steps {
		r.event(StepEvent{Index: i, Step: st})
		var (
			out    Credentials
			cached bool
			err    error
		)
		switch st.Kind {
		case profiles.StepGetSessionToken:
			var m *mfaSessionEntry
			if mfa != nil {
				m, cached = mfa, true
				r.e.debugf("step %d GetSessionToken: cache hit, mfa session of %s, %s left", i+1, chain.Source.Profile, m.Credentials.TimeLeft(r.e.now()).Round(time.Second))
			} else {
				m, cached, err = r.mfaSession(ctx, i, st, cur)
			}
			if err == nil {
				out = m.Credentials
				s.MFAExpiration = m.Credentials.Expiration
			}
		case profiles.StepAssumeRole:
			var arn string
			out, arn, err = r.assumeRole(ctx, i, st, cur)
			s.AssumedRoleARN = arn
		case profiles.StepAssumeRoleWithWebIdentity:
			var arn string
			out, arn, err = r.webIdentity(ctx, i, st)
			s.AssumedRoleARN = arn
		default:
			err = fmt.Errorf("profile %s: unknown step %s", r.profile, st.Kind)
		}
		allCached = allCached && cached
		r.event(StepEvent{Index: i, Step: st, Done: true, Cached: cached, Err: err})
		if err != nil {
			r.dropDeadMFASession(err)
			return nil, err
		}
		cur = &out
	}
	if cur == nil {
		return nil, fmt.Errorf("profile %s: no credentials", r.profile)
	}
	s.Credentials = *cur
	s.FromCache = allCached
	if n := len(chain.Hops); n > 0 {
		s.RoleARN = chain.Hops[n-1].RoleARN.Value
	}
	if s.AssumedRoleARN != "" {
		s.AccountID = profiles.AccountFromARN(s.AssumedRoleARN)
	} else if s.RoleARN != "" {
		s.AccountID = profiles.AccountFromARN(s.RoleARN)
	}
	return s, nil
}

// dropDeadMFASession forgets the cached MFA session when STS says the
// session it signed with is expired or unknown (revoked, or the cache is
// older than the keys), so the next attempt asks for a new code.
func (r *run) dropDeadMFASession(err error) {
	var se *STSError
	if r.e.Cache == nil || r.keys.mfa == "" || !errors.As(err, &se) || se.Hop != 0 {
		return
	}
	if se.Kind != KindExpiredToken && se.Kind != KindInvalidKey {
		return
	}
	r.e.debugf("cache: dropping the mfa session of %s: STS refused it", r.plan.Chain.Source.Profile)
	if derr := r.e.Cache.Delete(r.keys.mfa); derr != nil {
		r.e.debugf("cache: %v", derr)
	}
}

func (r *run) event(ev StepEvent) {
	if r.opt.OnStep != nil {
		r.opt.OnStep(ev)
	}
}

// stepContext describes a step for error messages.
func (r *run) stepContext(st profiles.Step, code string) stepContext {
	chain := r.plan.Chain
	sc := stepContext{
		Profile: r.profile, Hop: st.Hop, Hops: len(chain.Hops), Step: st,
		SourceKind: chain.Source.Kind, SourceProfile: chain.Source.Profile,
		Endpoint: r.res.Endpoint, MFA: st.MFASerial != "", Code: code,
		MFASerialPos: r.plan.MFASerial.Pos, DurationPos: st.DurationPos,
	}
	if st.Kind == profiles.StepGetSessionToken {
		sc.Hop = -1
	}
	sc.ChainSigned = st.Kind == profiles.StepAssumeRole && (st.Hop > 0 || r.plan.MFA == profiles.MFASession)
	if st.Hop >= 0 && st.Hop < len(chain.Hops) {
		h := chain.Hops[st.Hop]
		sc.RoleARNPos, sc.ExternalIDPos = h.RoleARN.Pos, h.ExternalID.Pos
		sc.SourceIdentityPos, sc.SessionTagsPos = h.SourceIdentity.Pos, h.SessionTags.Pos
		sc.ExternalID = h.ExternalID.Value != ""
		if h.MFASerial.Value != "" {
			sc.MFASerialPos = h.MFASerial.Pos
		}
	}
	sc.Duration, _ = r.stepDuration(st)
	if chain.Source.Kind == profiles.SourceStatic {
		if p, ok := r.e.Config.Profile(chain.Source.Profile); ok {
			sc.KeyIDPos = p.Keys[profiles.KeyAccessKeyID].Pos
			sc.SecretPos = p.Keys[profiles.KeySecretAccessKey].Pos
			sc.SessionTokenPos = p.Keys[profiles.KeySessionToken].Pos
		}
	}
	return sc
}

// signedDuration caps a duration at one hour when the signing credentials
// turn out to be temporary even though the plan could not know it.
func (r *run) signedDuration(i int, st profiles.Step, signer *Credentials) int32 {
	secs, _ := r.stepDuration(st)
	if secs > profiles.ChainedMaxDuration && signer != nil && signer.Temporary() {
		r.e.debugf("step %d %s: signing credentials are temporary, so AWS caps the session at 1 hour: asking %ds instead of %ds", i+1, st.Kind, profiles.ChainedMaxDuration, secs)
		secs = profiles.ChainedMaxDuration
	}
	return seconds32(secs)
}

// seconds32 converts a validated duration (at most 129600 s) for the SDK.
func seconds32(secs int) int32 {
	if secs < 0 || secs > math.MaxInt32 {
		return 0
	}
	return int32(secs)
}

func (r *run) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.e.callTimeout())
}

func (r *run) assumeRole(ctx context.Context, i int, st profiles.Step, signer *Credentials) (Credentials, string, error) {
	h := r.plan.Chain.Hops[st.Hop]
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(h.RoleARN.Value),
		RoleSessionName: aws.String(r.sessionNames[st.Hop]),
	}
	secs := r.signedDuration(i, st, signer)
	if secs > 0 {
		in.DurationSeconds = aws.Int32(secs)
	}
	if h.ExternalID.Value != "" {
		in.ExternalId = aws.String(h.ExternalID.Value)
	}
	if h.SourceIdentity.Value != "" {
		in.SourceIdentity = aws.String(h.SourceIdentity.Value)
	}
	in.Tags = r.tags[st.Hop]
	in.TransitiveTagKeys = r.transitive[st.Hop]
	var code string
	if st.MFASerial != "" {
		var err error
		code, err = r.mfaCode(ctx, st.MFASerial)
		if err != nil {
			return Credentials{}, "", err
		}
		in.SerialNumber = aws.String(st.MFASerial)
		in.TokenCode = aws.String(code)
	}
	capped := ""
	if st.Capped {
		capped = fmt.Sprintf(" (capped from %d: role chaining)", st.RequestedSeconds)
	}
	r.e.debugf("step %d AssumeRole: profile %s, role %s, session name %s, signed by %s, duration asked %d%s, mfa %t, endpoint %s",
		i+1, st.Profile, h.RoleARN.Value, r.sessionNames[st.Hop], st.SignedBy, secs, capped, code != "", endpointDesc(r.res.Endpoint))
	client := r.e.client(ClientOptions{Region: r.res.STSRegion, Endpoint: r.res.Endpoint, Credentials: signer})
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	out, err := client.AssumeRole(cctx, in)
	if err != nil {
		return Credentials{}, "", classifyError(ctx, r.stepContext(st, code), err)
	}
	c := fromSTS(out.Credentials)
	arn := ""
	if out.AssumedRoleUser != nil {
		arn = aws.ToString(out.AssumedRoleUser.Arn)
	}
	r.e.debugf("step %d AssumeRole: granted until %s (%s)", i+1, c.Expiration.UTC().Format(time.RFC3339), c.TimeLeft(r.e.now()).Round(time.Second))
	return c, arn, nil
}

// webIdentity runs the SDK's web identity provider for the hop.
func (r *run) webIdentity(ctx context.Context, i int, st profiles.Step) (Credentials, string, error) {
	h := r.plan.Chain.Hops[st.Hop]
	tokenFile := r.plan.Chain.Source.Setting.Value
	secs := r.signedDuration(i, st, nil)
	client := r.e.client(ClientOptions{Region: r.res.STSRegion, Endpoint: r.res.Endpoint})
	var arn string
	p := stscreds.NewWebIdentityRoleProvider(arnRecorder{client, &arn}, h.RoleARN.Value, stscreds.IdentityTokenFile(tokenFile), func(o *stscreds.WebIdentityRoleOptions) {
		o.RoleSessionName = r.sessionNames[st.Hop]
		if secs > 0 {
			o.Duration = time.Duration(secs) * time.Second
		}
	})
	r.e.debugf("step %d AssumeRoleWithWebIdentity: profile %s, role %s, token file %s, endpoint %s", i+1, st.Profile, h.RoleARN.Value, tokenFile, endpointDesc(r.res.Endpoint))
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	c, err := p.Retrieve(cctx)
	if err != nil {
		return Credentials{}, "", classifyError(ctx, r.stepContext(st, ""), err)
	}
	return fromAWS(c), arn, nil
}

// arnRecorder keeps the AssumedRoleUser ARN the provider drops.
type arnRecorder struct {
	STSClient
	arn *string
}

func (a arnRecorder) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	out, err := a.STSClient.AssumeRoleWithWebIdentity(ctx, in, optFns...)
	if err == nil && out.AssumedRoleUser != nil {
		*a.arn = aws.ToString(out.AssumedRoleUser.Arn)
	}
	return out, err
}

// mfaSession returns a live MFA session: cached, or from GetSessionToken
// with a new code, under the MFA lock (double-checked).
func (r *run) mfaSession(ctx context.Context, i int, st profiles.Step, source *Credentials) (*mfaSessionEntry, bool, error) {
	e := r.e
	if e.Cache != nil && r.keys.mfa != "" {
		unlock, err := e.Cache.Lock(ctx, r.keys.mfa)
		if err != nil {
			return nil, false, fmt.Errorf("profile %s: locking the mfa session cache: %w", r.profile, err)
		}
		defer unlock()
		if m, ok := r.cachedMFA(); ok {
			e.debugf("step %d GetSessionToken: cache hit after waiting for the lock", i+1)
			return m, true, nil
		}
		e.debugf("step %d GetSessionToken: cache miss, mfa session of %s", i+1, r.plan.Chain.Source.Profile)
	}
	if source == nil {
		c, err := e.sourceCredentials(ctx, r.plan.Chain.Source, r.res)
		if err != nil {
			return nil, false, err
		}
		source = c
	}
	code, err := r.mfaCode(ctx, st.MFASerial)
	if err != nil {
		return nil, false, err
	}
	secs, _ := r.stepDuration(st)
	in := &sts.GetSessionTokenInput{
		DurationSeconds: aws.Int32(seconds32(secs)),
		SerialNumber:    aws.String(st.MFASerial),
		TokenCode:       aws.String(code),
	}
	e.debugf("step %d GetSessionToken: profile %s, serial %s, signed by %s, duration asked %d, endpoint %s", i+1, r.plan.Chain.Source.Profile, st.MFASerial, st.SignedBy, secs, endpointDesc(r.res.Endpoint))
	client := e.client(ClientOptions{Region: r.res.STSRegion, Endpoint: r.res.Endpoint, Credentials: source})
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	out, err := client.GetSessionToken(cctx, in)
	if err != nil {
		return nil, false, classifyError(ctx, r.stepContext(st, code), err)
	}
	m := &mfaSessionEntry{Credentials: fromSTS(out.Credentials), Serial: st.MFASerial, Source: r.plan.Chain.Source.Profile}
	e.debugf("step %d GetSessionToken: mfa session until %s", i+1, m.Credentials.Expiration.UTC().Format(time.RFC3339))
	if e.Cache != nil && r.keys.mfa != "" {
		if err := e.Cache.Put(r.keys.mfa, m); err != nil {
			e.debugf("cache: storing the mfa session failed: %v", err)
		}
	}
	return m, false, nil
}

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
	key := Key("mfa-code", serial)
	e.mu.Lock()
	defer e.mu.Unlock()
	var last usedCodeEntry
	found := false
	if e.Cache != nil {
		ok, err := e.Cache.Get(key, &last)
		found = ok && err == nil
	} else {
		last, found = e.usedCodes[serial]
	}
	if found && last.CodeHash == hash && now.Sub(last.UsedAt) < codeReuseWindow {
		return &ReusedCodeError{Profile: profile, Serial: serial, UsedAt: last.UsedAt}
	}
	entry := usedCodeEntry{Serial: serial, CodeHash: hash, UsedAt: now, Expiration: now.Add(codeReuseWindow)}
	if e.Cache != nil {
		if err := e.Cache.Put(key, entry); err != nil {
			e.debugf("cache: recording the used mfa code failed: %v", err)
		}
		return nil
	}
	if e.usedCodes == nil {
		e.usedCodes = map[string]usedCodeEntry{}
	}
	e.usedCodes[serial] = entry
	return nil
}

// NeedsMFACode reports whether assuming profile now would need a code: the
// plan uses MFA and no cached role session or MFA session covers it.
// opt.MFACode set means no prompt is needed. No STS call is made.
func (e *Engine) NeedsMFACode(profile string, opt Options) (serial string, need bool, err error) {
	r, err := e.newRun(profile, Options{DurationSeconds: opt.DurationSeconds, MinRemaining: opt.MinRemaining, ForceRefresh: opt.ForceRefresh})
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
	if e.Cache == nil {
		return 0, false
	}
	r, err := e.newRun(profile, Options{})
	if err != nil || r.keys.role == "" {
		return 0, false
	}
	var s Session
	ok, err := e.Cache.Get(r.keys.role, &s)
	if err != nil || !ok || s.AccessKeyID == "" {
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

// CacheExpired returns the test `switcher clean` passes to Cache.Clean: an
// entry the engine wrote (role session, MFA session, used-code record) is
// expired once its expiry is at or before now. Entries with no expiry are
// kept.
func CacheExpired(now time.Time) func(raw []byte) bool {
	return func(raw []byte) bool {
		var entry struct {
			Expiration  time.Time
			Credentials *struct{ Expiration time.Time }
		}
		if json.Unmarshal(raw, &entry) != nil {
			return true
		}
		exp := entry.Expiration
		if entry.Credentials != nil && !entry.Credentials.Expiration.IsZero() {
			exp = entry.Credentials.Expiration
		}
		return !exp.IsZero() && !exp.After(now)
	}
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

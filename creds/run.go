package creds

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/switcher-cli/switcher/profiles"
)

// run is one Assume call: the checked plan, where its calls go, the values
// each hop sends, and the cache keys of its sessions.
type run struct {
	e       *Engine
	profile string
	opt     Options
	plan    *profiles.Plan
	res     resolved
	keyID   string // source key id when known up front
	keys    cacheKeys
	hops    []hopInput // what each hop sends besides its ARN
}

// hopInput is what validate derived from a hop's settings.
type hopInput struct {
	sessionName string
	tags        []ststypes.Tag
	transitive  []string
	policy      string   // the session policy, compacted; "" none
	policyARNs  []string // the managed session policies
}

type cacheKeys struct {
	role string // role-session entry and lock; "" when the plan has no AssumeRole
	mfa  string // MFA-session entry and lock; "" when the plan has no GetSessionToken
}

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

// plan loads and checks the plan of a profile.
func (e *Engine) plan(profile string, opt Options) (*profiles.Plan, error) {
	if e.Config == nil {
		return nil, noConfig(profile)
	}
	plan, err := e.Config.Plan(profile, opt.PlanOptions())
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

// PlanOptions are the options that change a plan.
func (o Options) PlanOptions() profiles.PlanOptions {
	return profiles.PlanOptions{DurationSeconds: o.DurationSeconds, NoSession: o.NoSession,
		SessionPolicy: o.SessionPolicy, SessionPolicyARNs: o.SessionPolicyARNs}
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

// validate checks every value the steps will send, before any call: each
// hop's settings, the MFA serial, the durations and --mfa-code.
func (r *run) validate() error {
	r.hops = make([]hopInput, len(r.plan.Chain.Hops))
	for i, h := range r.plan.Chain.Hops {
		in, err := r.validateHop(i, h)
		if err != nil {
			return err
		}
		r.hops[i] = in
	}
	for _, st := range r.plan.Steps {
		if st.Hop < 0 {
			continue
		}
		if err := r.sessionPolicies(st, &r.hops[st.Hop]); err != nil {
			return err
		}
	}
	if v := r.plan.MFASerial; v.Value != "" {
		if err := profiles.ValidateMFASerial(v.Value); err != nil {
			return r.inputError(-1, profiles.KeyMFASerial, v.Pos, err)
		}
	}
	if err := r.validateDurations(); err != nil {
		return err
	}
	if r.opt.MFACode != "" {
		if err := ValidateMFACode(r.opt.MFACode); err != nil {
			return fmt.Errorf("profile %s: --mfa-code: %w", r.profile, err)
		}
	}
	return nil
}

func (r *run) inputError(hop int, key string, pos profiles.Pos, err error) error {
	return &InputError{Profile: r.profile, Hop: hop, Key: key, Pos: pos, Err: err}
}

// hopCheck is one optional setting of a hop and its validator.
type hopCheck struct {
	key   string
	v     profiles.Value
	check func(string) error
}

// validateHop checks one hop's settings and derives what it sends.
func (r *run) validateHop(i int, h profiles.Hop) (hopInput, error) {
	var in hopInput
	if err := profiles.ValidateRoleARN(h.RoleARN.Value); err != nil {
		return in, r.inputError(i, profiles.KeyRoleARN, h.RoleARN.Pos, err)
	}
	in.sessionName = h.SessionName.Value
	if in.sessionName == "" {
		in.sessionName = DefaultSessionName(r.e.getenv(), r.e.now())
	}
	if err := profiles.ValidateSessionName(in.sessionName); err != nil {
		return in, r.inputError(i, profiles.KeyRoleSessionName, h.SessionName.Pos, err)
	}
	for _, c := range []hopCheck{
		{profiles.KeyExternalID, h.ExternalID, profiles.ValidateExternalID},
		{profiles.KeyMFASerial, h.MFASerial, profiles.ValidateMFASerial},
		{profiles.KeySourceIdentity, h.SourceIdentity, profiles.ValidateSourceIdentity},
	} {
		if c.v.Value == "" {
			continue
		}
		if err := c.check(c.v.Value); err != nil {
			return in, r.inputError(i, c.key, c.v.Pos, err)
		}
	}
	tags, err := profiles.ParseSessionTags(h.SessionTags.Value)
	if err != nil {
		return in, r.inputError(i, profiles.KeySessionTags, h.SessionTags.Pos, err)
	}
	for _, t := range tags {
		in.tags = append(in.tags, ststypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	if in.transitive, err = profiles.ParseTransitiveTags(h.TransitiveTags.Value); err != nil {
		return in, r.inputError(i, profiles.KeyTransitiveSessionTags, h.TransitiveTags.Pos, err)
	}
	return in, nil
}

// sessionPolicies reads and checks what scopes a hop's session down: its
// session policy (inline, or file://PATH: a path relative to the config
// file's directory for session_policy, to the working directory for
// --session-policy; ~ is the home directory) and policy ARNs.
func (r *run) sessionPolicies(st profiles.Step, in *hopInput) error {
	if v := st.Policy; v.Value != "" {
		text := v.Value
		if path, ok := strings.CutPrefix(text, profiles.PolicyFile); ok {
			data, err := os.ReadFile(r.policyPath(path, v.Pos))
			if err != nil {
				return r.inputError(st.Hop, profiles.KeySessionPolicy, v.Pos, fmt.Errorf("session policy: %w", err))
			}
			text = string(data)
		}
		policy, err := profiles.CompactPolicy(profiles.KeySessionPolicy, text)
		if err != nil {
			return r.inputError(st.Hop, profiles.KeySessionPolicy, v.Pos, err)
		}
		in.policy = policy
	}
	if v := st.PolicyARNs; v.Value != "" {
		arns, err := profiles.ParsePolicyARNs(profiles.KeySessionPolicyARNs, v.Value)
		if err != nil {
			return r.inputError(st.Hop, profiles.KeySessionPolicyARNs, v.Pos, err)
		}
		in.policyARNs = arns
	}
	return nil
}

func (r *run) policyPath(path string, from profiles.Pos) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home := r.e.getenv()("HOME"); home != "" {
			return filepath.Join(home, rest)
		}
	}
	if filepath.IsAbs(path) || from == profiles.FlagSessionPolicy || from.File == "" {
		return path
	}
	return filepath.Join(filepath.Dir(from.File), path)
}

// signerPolicy records in sc whether the session signing hop st (the hop
// before) was scoped down by a session policy, and where.
func (r *run) signerPolicy(sc *stepContext, st profiles.Step) {
	for _, prev := range r.plan.Steps {
		if prev.Hop != st.Hop-1 || st.Hop == 0 || prev.Kind == profiles.StepGetSessionToken {
			continue
		}
		switch {
		case prev.Policy.Value != "":
			sc.SignerPolicyPos, sc.SignerPolicyHolder = prev.Policy.Pos, prev.Profile
		case prev.PolicyARNs.Value != "":
			sc.SignerPolicyPos, sc.SignerPolicyHolder = prev.PolicyARNs.Pos, prev.Profile
		}
	}
}

// validateDurations checks the duration each step sends.
func (r *run) validateDurations() error {
	for _, st := range r.plan.Steps {
		secs, pos := r.stepDuration(st)
		if secs == 0 {
			continue
		}
		if st.Kind == profiles.StepGetSessionToken {
			if err := profiles.ValidateMFASessionDuration(secs); err != nil {
				return r.inputError(-1, profiles.KeyMFASessionDuration, pos, err)
			}
			continue
		}
		if err := profiles.ValidateDuration(secs); err != nil {
			return r.inputError(st.Hop, profiles.KeyDurationSeconds, pos, err)
		}
	}
	return nil
}

// stepDuration is the duration a step sends (0: STS's default).
func (r *run) stepDuration(st profiles.Step) (int, profiles.Pos) {
	secs := st.GrantedSeconds
	if secs == 0 {
		secs = st.RequestedSeconds
	}
	if st.Kind != profiles.StepGetSessionToken {
		return secs, st.DurationPos
	}
	v := r.plan.Chain.MFASessionDuration
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
	hasRole := false
	parts := append([]string{"role-session", "target=" + chain.Target, "mfa=" + r.plan.MFA.String(), "mfa-serial=" + r.plan.MFASerial.Value}, base...)
	for _, st := range r.plan.Steps {
		secs, _ := r.stepDuration(st)
		if st.Kind == profiles.StepGetSessionToken {
			k.mfa = Key(append([]string{"mfa-session", "serial=" + st.MFASerial, "duration=" + strconv.Itoa(secs)}, base...)...)
			continue
		}
		hasRole = true
		h := chain.Hops[st.Hop]
		parts = append(parts,
			"hop="+strconv.Itoa(st.Hop), "kind="+st.Kind.String(), "role="+h.RoleARN.Value,
			"external-id="+h.ExternalID.Value, "session-name="+h.SessionName.Value,
			"duration="+strconv.Itoa(secs), "source-identity="+h.SourceIdentity.Value,
			"tags="+h.SessionTags.Value, "transitive="+h.TransitiveTags.Value, "step-mfa="+st.MFASerial,
			"policy="+r.hops[st.Hop].policy, "policy-arns="+strings.Join(r.hops[st.Hop].policyARNs, ","))
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

// cachedRole is the role session in the cache, when it has enough time left.
func (r *run) cachedRole() (*Session, bool) {
	if r.e.Store == nil || r.keys.role == "" {
		return nil, false
	}
	s, ok := r.e.Store.roleSession(r.keys.role)
	if !ok || !fresh(s.Credentials, r.e.now(), r.minRemaining()) {
		return nil, false
	}
	s.Profile = r.profile
	s.Region = r.res.Region
	s.FromCache = true
	s.PolicyFromFile = r.policyFromFile()
	return s, true
}

// policyFromFile reports whether a step's session policy is a file's.
func (r *run) policyFromFile() bool {
	for _, st := range r.plan.Steps {
		if strings.HasPrefix(st.Policy.Value, profiles.PolicyFile) {
			return true
		}
	}
	return false
}

// cachedMFA is the MFA session in the cache, when it has enough time left.
func (r *run) cachedMFA() (*mfaSessionEntry, bool) {
	if r.e.Store == nil || r.keys.mfa == "" {
		return nil, false
	}
	m, ok := r.e.Store.mfaSession(r.keys.mfa)
	if !ok || !fresh(m.Credentials, r.e.now(), SafetyWindow) {
		return nil, false
	}
	return m, true
}

func (r *run) event(ev StepEvent) {
	if r.opt.OnStep != nil {
		r.opt.OnStep(ev)
	}
}

// reportCached says every step was satisfied by the cache.
func (r *run) reportCached() {
	for i, st := range r.plan.Steps {
		r.event(StepEvent{Index: i, Step: st, Done: true, Cached: true})
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
		sc.PolicyPos, sc.HasPolicy = st.Policy.Pos, st.Policy.Value != "" || st.PolicyARNs.Value != ""
		if sc.PolicyPos.File == "" {
			sc.PolicyPos = st.PolicyARNs.Pos
		}
		r.signerPolicy(&sc, st)
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

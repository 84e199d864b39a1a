package creds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/switcher-cli/switcher/profiles"
)

// signer gives the credentials that sign the next call: the source's, or
// the previous step's.
type signer func(ctx context.Context) (*Credentials, error)

func fixed(c Credentials) signer {
	return func(context.Context) (*Credentials, error) { return &c, nil }
}

// chain is a profile's plan run: the source's credentials, fetched only
// when a step needs them (a cached MFA session needs none), then one STS
// call per step, each signed by what the step before it returned.
type chain struct{ r *run }

func (c chain) Retrieve(ctx context.Context) (*Session, error) {
	r := c.r
	src := &sourceOnce{r: r}
	sign := src.get
	s := &Session{Profile: r.profile, Region: r.res.Region}
	allCached := len(r.plan.Steps) > 0
	for i, st := range r.plan.Steps {
		r.event(StepEvent{Index: i, Step: st})
		out, cached, err := r.step(ctx, i, st, sign, s)
		allCached = allCached && cached
		r.event(StepEvent{Index: i, Step: st, Done: true, Cached: cached, Err: err})
		if err != nil {
			r.dropDeadMFASession(err)
			return nil, err
		}
		sign = fixed(out)
	}
	cur, err := sign(ctx)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, fmt.Errorf("profile %s: no credentials", r.profile)
	}
	s.Credentials = *cur
	s.FromCache = allCached
	s.PolicyFromFile = r.policyFromFile()
	if n := len(r.plan.Chain.Hops); n > 0 {
		s.RoleARN = r.plan.Chain.Hops[n-1].RoleARN.Value
	}
	if s.AssumedRoleARN != "" {
		s.AccountID = profiles.AccountFromARN(s.AssumedRoleARN)
	} else if s.RoleARN != "" {
		s.AccountID = profiles.AccountFromARN(s.RoleARN)
	}
	return s, nil
}

// sourceOnce gets the chain's source credentials the first time they are
// asked for.
type sourceOnce struct {
	r    *run
	done bool
	c    *Credentials
	err  error
}

func (o *sourceOnce) get(ctx context.Context) (*Credentials, error) {
	if o.done {
		return o.c, o.err
	}
	o.done = true
	src := o.r.plan.Chain.Source
	if src.Kind == profiles.SourceWebIdentity {
		return nil, nil // its first step, AssumeRoleWithWebIdentity, is unsigned
	}
	o.r.e.debugf("source: %s of profile %s", src.Kind, src.Profile)
	o.c, o.err = o.r.e.sourceCredentials(ctx, src, o.r.res)
	if o.c != nil {
		o.r.e.debugf("source: key %s, temporary %t", RedactKeyID(o.c.AccessKeyID), o.c.Temporary())
	}
	return o.c, o.err
}

// step runs step i, signed by sign; cached says the cache answered it.
func (r *run) step(ctx context.Context, i int, st profiles.Step, sign signer, s *Session) (Credentials, bool, error) {
	switch st.Kind {
	case profiles.StepGetSessionToken:
		p, cached := r.mfaSessions(mfaCall{r: r, i: i, st: st, sign: sign})
		m, err := p.Retrieve(ctx)
		if err != nil {
			return Credentials{}, false, err
		}
		if *cached {
			r.e.debugf("step %d GetSessionToken: mfa session of %s, %s left", i+1, m.Profile, m.Credentials.TimeLeft(r.e.now()).Round(time.Second))
		}
		if st.MFASerial != "" {
			s.MFAExpiration = m.Credentials.Expiration
		}
		return m.Credentials, *cached, nil
	case profiles.StepAssumeRole:
		by, err := sign(ctx)
		if err != nil {
			return Credentials{}, false, err
		}
		out, arn, err := r.assumeRole(ctx, i, st, by)
		s.AssumedRoleARN = arn
		return out, false, err
	case profiles.StepAssumeRoleWithWebIdentity:
		out, arn, err := r.webIdentity(ctx, i, st)
		s.AssumedRoleARN = arn
		return out, false, err
	}
	return Credentials{}, false, fmt.Errorf("profile %s: unknown step %s", r.profile, st.Kind)
}

// dropDeadMFASession forgets the cached MFA session when STS says the
// session it signed with is expired or unknown (revoked, or the cache is
// older than the keys), so the next attempt asks for a new code.
func (r *run) dropDeadMFASession(err error) {
	var se *STSError
	if r.e.Store == nil || r.keys.mfa == "" || !errors.As(err, &se) || se.Hop != 0 {
		return
	}
	if se.Kind != KindExpiredToken && se.Kind != KindInvalidKey {
		return
	}
	r.e.debugf("cache: dropping the mfa session of %s: STS refused it", r.plan.Chain.Source.Profile)
	if derr := r.e.Store.deleteEntry(r.keys.mfa); derr != nil {
		r.e.debugf("cache: %v", derr)
	}
}

func (r *run) assumeRole(ctx context.Context, i int, st profiles.Step, signer *Credentials) (Credentials, string, error) {
	h := r.plan.Chain.Hops[st.Hop]
	hin := r.hops[st.Hop]
	in := &sts.AssumeRoleInput{
		RoleArn:           aws.String(h.RoleARN.Value),
		RoleSessionName:   aws.String(hin.sessionName),
		Tags:              hin.tags,
		TransitiveTagKeys: hin.transitive,
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
	if hin.policy != "" {
		in.Policy = aws.String(hin.policy)
	}
	for _, a := range hin.policyARNs {
		in.PolicyArns = append(in.PolicyArns, ststypes.PolicyDescriptorType{Arn: aws.String(a)})
	}
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
		i+1, st.Profile, h.RoleARN.Value, hin.sessionName, st.SignedBy, secs, capped, code != "", endpointDesc(r.res.Endpoint))
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
		o.RoleSessionName = r.hops[st.Hop].sessionName
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

// mfaCall is GetSessionToken on the source's long-term keys, with an MFA
// code when the plan has one: a new (MFA) session, which the MFA-session
// cache wraps.
type mfaCall struct {
	r    *run
	i    int
	st   profiles.Step
	sign signer
}

func (m mfaCall) Retrieve(ctx context.Context) (*mfaSessionEntry, error) {
	r, st := m.r, m.st
	source, err := m.sign(ctx)
	if err != nil {
		return nil, err
	}
	secs, _ := r.stepDuration(st)
	in := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(seconds32(secs))}
	var code string
	if st.MFASerial != "" { // else a session of the long-term keys, no code
		if code, err = r.mfaCode(ctx, st.MFASerial); err != nil {
			return nil, err
		}
		in.SerialNumber, in.TokenCode = aws.String(st.MFASerial), aws.String(code)
	}
	src := r.plan.Chain.Source.Profile
	r.e.debugf("step %d GetSessionToken: profile %s, serial %s, signed by %s, duration asked %d, endpoint %s", m.i+1, src, st.MFASerial, st.SignedBy, secs, endpointDesc(r.res.Endpoint))
	client := r.e.client(ClientOptions{Region: r.res.STSRegion, Endpoint: r.res.Endpoint, Credentials: source})
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	out, err := client.GetSessionToken(cctx, in)
	if err != nil {
		return nil, classifyError(ctx, r.stepContext(st, code), err)
	}
	e := &mfaSessionEntry{Kind: kindMFASession, Profile: src, Credentials: fromSTS(out.Credentials), Serial: st.MFASerial}
	e.Expiration = e.Credentials.Expiration
	r.e.debugf("step %d GetSessionToken: mfa session until %s", m.i+1, e.Credentials.Expiration.UTC().Format(time.RFC3339))
	return e, nil
}

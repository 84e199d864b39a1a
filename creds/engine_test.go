package creds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/profiles"
)

// Fake keys: obviously not AWS's.
const (
	devKeyID  = "AKIAFAKEDEV000001234"
	devSecret = "fakeDevSecretNotReal"
	devSerial = "arn:aws:iam::111111111111:mfa/dev"
)

const testConfig = `[profile dev]
region = eu-west-1
mfa_session_duration = 28800

[profile ops]
role_arn = arn:aws:iam::222222222222:role/ops
source_profile = nomfa
external_id = ext-123
role_session_name = alice
source_identity = alice
session_tags = team=infra,env=prod
transitive_session_tags = team
duration_seconds = 1800

[profile prod]
role_arn = arn:aws:iam::333333333333:role/prod
source_profile = ops

[profile audit]
role_arn = arn:aws:iam::333333333333:role/audit
source_profile = prod
role_session_name = audit-run

[profile mfa-ops]
role_arn = arn:aws:iam::222222222222:role/ops
source_profile = dev

[profile mfa-admin]
role_arn = arn:aws:iam::222222222222:role/admin
source_profile = dev

[profile mfa-prod]
role_arn = arn:aws:iam::333333333333:role/prod
source_profile = mfa-admin
duration_seconds = 7200

[profile long]
role_arn = arn:aws:iam::222222222222:role/long
source_profile = dev2
duration_seconds = 7200

[profile env-long]
role_arn = arn:aws:iam::222222222222:role/env
credential_source = Environment
duration_seconds = 7200

[profile procname]
role_arn = arn:aws:iam::222222222222:role/proc
source_profile = dev2
mfa_process = echo 490321
`

const testCredentials = `[dev]
aws_access_key_id = ` + devKeyID + `
aws_secret_access_key = ` + devSecret + `
mfa_serial = ` + devSerial + `

[nomfa]
aws_access_key_id = AKIAFAKENOMFA0005678
aws_secret_access_key = fakeNoMFASecret

[dev2]
aws_access_key_id = AKIAFAKEDEV200009999
aws_secret_access_key = fakeDev2Secret
mfa_serial = arn:aws:iam::111111111111:mfa/dev2
`

func loadTestConfig(t *testing.T, config, credentials string) *profiles.Config {
	t.Helper()
	cfg, err := profiles.Load("config", []byte(config), "credentials", []byte(credentials))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fakeCall is one STS call as the fake saw it.
type fakeCall struct {
	Op             string
	Signer         string // key id of the signing credentials; "" unsigned
	Region         string
	Endpoint       string
	RoleARN        string
	SessionName    string
	ExternalID     string
	SourceIdentity string
	Tags           string
	Transitive     string
	Serial         string
	Code           string
	Duration       int32
}

// fakeSTS answers every call with new credentials named after the call.
type fakeSTS struct {
	now func() time.Time

	mu    sync.Mutex
	calls []fakeCall
	fail  map[string]error // op → error
}

func (f *fakeSTS) newClient(o ClientOptions) STSClient { return &fakeClient{f: f, o: o} }

func (f *fakeSTS) record(c fakeCall) (Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	if err := f.fail[c.Op]; err != nil {
		return Credentials{}, err
	}
	d := time.Duration(c.Duration) * time.Second
	if d == 0 {
		d = time.Hour
	}
	return Credentials{
		AccessKeyID:     fmt.Sprintf("ASIAFAKE%s%02d", strings.ToUpper(c.Op[:3]), len(f.calls)),
		SecretAccessKey: "fakeSecret",
		SessionToken:    "fakeToken",
		Expiration:      f.now().Add(d),
	}, nil
}

func (f *fakeSTS) Calls() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

type fakeClient struct {
	f *fakeSTS
	o ClientOptions
}

func (c *fakeClient) base(op string) fakeCall {
	fc := fakeCall{Op: op, Region: c.o.Region, Endpoint: c.o.Endpoint}
	if c.o.Credentials != nil {
		fc.Signer = c.o.Credentials.AccessKeyID
	}
	return fc
}

func toSTS(c Credentials) *ststypes.Credentials {
	return &ststypes.Credentials{AccessKeyId: aws.String(c.AccessKeyID), SecretAccessKey: aws.String(c.SecretAccessKey),
		SessionToken: aws.String(c.SessionToken), Expiration: aws.Time(c.Expiration)}
}

func (c *fakeClient) GetSessionToken(_ context.Context, in *sts.GetSessionTokenInput, _ ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	fc := c.base("GetSessionToken")
	fc.Serial, fc.Code, fc.Duration = aws.ToString(in.SerialNumber), aws.ToString(in.TokenCode), aws.ToInt32(in.DurationSeconds)
	cr, err := c.f.record(fc)
	if err != nil {
		return nil, err
	}
	return &sts.GetSessionTokenOutput{Credentials: toSTS(cr)}, nil
}

func (c *fakeClient) AssumeRole(_ context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	fc := c.base("AssumeRole")
	fc.RoleARN, fc.SessionName = aws.ToString(in.RoleArn), aws.ToString(in.RoleSessionName)
	fc.ExternalID, fc.SourceIdentity = aws.ToString(in.ExternalId), aws.ToString(in.SourceIdentity)
	fc.Serial, fc.Code, fc.Duration = aws.ToString(in.SerialNumber), aws.ToString(in.TokenCode), aws.ToInt32(in.DurationSeconds)
	var tags []string
	for _, t := range in.Tags {
		tags = append(tags, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	fc.Tags, fc.Transitive = strings.Join(tags, ","), strings.Join(in.TransitiveTagKeys, ",")
	cr, err := c.f.record(fc)
	if err != nil {
		return nil, err
	}
	name := fc.RoleARN[strings.LastIndex(fc.RoleARN, "/")+1:]
	acct := profiles.AccountFromARN(fc.RoleARN)
	return &sts.AssumeRoleOutput{Credentials: toSTS(cr), AssumedRoleUser: &ststypes.AssumedRoleUser{
		Arn: aws.String("arn:aws:sts::" + acct + ":assumed-role/" + name + "/" + fc.SessionName)}}, nil
}

func (c *fakeClient) AssumeRoleWithWebIdentity(_ context.Context, in *sts.AssumeRoleWithWebIdentityInput, _ ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	fc := c.base("AssumeRoleWithWebIdentity")
	fc.RoleARN, fc.SessionName, fc.Duration = aws.ToString(in.RoleArn), aws.ToString(in.RoleSessionName), aws.ToInt32(in.DurationSeconds)
	fc.Code = aws.ToString(in.WebIdentityToken) // the test's fake token
	cr, err := c.f.record(fc)
	if err != nil {
		return nil, err
	}
	name := fc.RoleARN[strings.LastIndex(fc.RoleARN, "/")+1:]
	return &sts.AssumeRoleWithWebIdentityOutput{Credentials: toSTS(cr), AssumedRoleUser: &ststypes.AssumedRoleUser{
		Arn: aws.String("arn:aws:sts::" + profiles.AccountFromARN(fc.RoleARN) + ":assumed-role/" + name + "/" + fc.SessionName)}}, nil
}

func (c *fakeClient) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	fc := c.base("GetCallerIdentity")
	if _, err := c.f.record(fc); err != nil {
		return nil, err
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String("111111111111"), Arn: aws.String("arn:aws:iam::111111111111:user/dev"), UserId: aws.String("AIDAFAKE")}, nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingPrompter answers with codes in turn and counts its calls.
type countingPrompter struct {
	mu    sync.Mutex
	codes []string
	n     int
}

func (p *countingPrompter) MFACode(context.Context, string, string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if len(p.codes) == 0 {
		return "", errors.New("test prompter: no more codes")
	}
	c := p.codes[0]
	p.codes = p.codes[1:]
	return c, nil
}

func (p *countingPrompter) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

type fakeEnv struct {
	eng    *Engine
	sts    *fakeSTS
	clock  *clock
	prompt *countingPrompter
	debug  *strings.Builder
}

func newFakeEngine(t *testing.T, env map[string]string, withCache bool) *fakeEnv {
	t.Helper()
	clk := newClock()
	f := &fakeSTS{now: clk.Now}
	p := &countingPrompter{codes: []string{"470001", "470002", "470003"}}
	var debug strings.Builder
	var mu sync.Mutex
	e := &Engine{
		Config:    loadTestConfig(t, testConfig, testCredentials),
		Now:       clk.Now,
		Getenv:    mapEnv(env),
		Prompt:    p,
		NewClient: f.newClient,
		Debugf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(&debug, format+"\n", args...)
		},
	}
	if withCache {
		e.Store = &Store{Dir: t.TempDir(), Now: clk.Now}
	}
	return &fakeEnv{eng: e, sts: f, clock: clk, prompt: p, debug: &debug}
}

func TestAssumeSteps(t *testing.T) {
	const unix = "1795348800" // the test clock
	tests := []struct {
		name    string
		profile string
		opt     Options
		env     map[string]string
		want    []fakeCall
		prompts int
		debug   []string
	}{
		{
			name: "single hop passes every setting", profile: "ops",
			env: map[string]string{"USER": "alice"},
			want: []fakeCall{{Op: "AssumeRole", Signer: "AKIAFAKENOMFA0005678", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/ops", SessionName: "alice", ExternalID: "ext-123",
				SourceIdentity: "alice", Tags: "team=infra,env=prod", Transitive: "team", Duration: 1800}},
		},
		{
			name: "three hops, each signed by the previous, default session names", profile: "audit",
			env: map[string]string{"USER": "bob", "AWS_REGION": "ap-south-1"},
			want: []fakeCall{
				{Op: "AssumeRole", Signer: "AKIAFAKENOMFA0005678", Region: "ap-south-1", RoleARN: "arn:aws:iam::222222222222:role/ops",
					SessionName: "alice", ExternalID: "ext-123", SourceIdentity: "alice", Tags: "team=infra,env=prod", Transitive: "team", Duration: 1800},
				{Op: "AssumeRole", Signer: "ASIAFAKEASS01", Region: "ap-south-1", RoleARN: "arn:aws:iam::333333333333:role/prod",
					SessionName: "switcher-bob-" + unix, Duration: 3600},
				{Op: "AssumeRole", Signer: "ASIAFAKEASS02", Region: "ap-south-1", RoleARN: "arn:aws:iam::333333333333:role/audit",
					SessionName: "audit-run", Duration: 3600},
			},
		},
		{
			name: "mfa session: code on GetSessionToken only", profile: "mfa-ops",
			env: map[string]string{"USER": "carol"},
			want: []fakeCall{
				{Op: "GetSessionToken", Signer: devKeyID, Region: "eu-west-1", Serial: devSerial, Code: "470001", Duration: 28800},
				{Op: "AssumeRole", Signer: "ASIAFAKEGET01", Region: "eu-west-1", RoleARN: "arn:aws:iam::222222222222:role/ops",
					SessionName: "switcher-carol-" + unix, Duration: 3600},
			},
			prompts: 1,
		},
		{
			name: "mfa session signs a two-hop chain; the 2h hop is capped at 1h", profile: "mfa-prod",
			env: map[string]string{"USER": "carol"},
			want: []fakeCall{
				{Op: "GetSessionToken", Signer: devKeyID, Region: "eu-west-1", Serial: devSerial, Code: "470001", Duration: 28800},
				{Op: "AssumeRole", Signer: "ASIAFAKEGET01", Region: "eu-west-1", RoleARN: "arn:aws:iam::222222222222:role/admin",
					SessionName: "switcher-carol-" + unix, Duration: 3600},
				{Op: "AssumeRole", Signer: "ASIAFAKEASS02", Region: "eu-west-1", RoleARN: "arn:aws:iam::333333333333:role/prod",
					SessionName: "switcher-carol-" + unix, Duration: 3600},
			},
			prompts: 1,
		},
		{
			name: "--mfa-code is used instead of a prompt", profile: "mfa-admin", opt: Options{MFACode: "480999"},
			env: map[string]string{"USER": "carol"},
			want: []fakeCall{
				{Op: "GetSessionToken", Signer: devKeyID, Region: "eu-west-1", Serial: devSerial, Code: "480999", Duration: 28800},
				{Op: "AssumeRole", Signer: "ASIAFAKEGET01", Region: "eu-west-1", RoleARN: "arn:aws:iam::222222222222:role/admin",
					SessionName: "switcher-carol-" + unix, Duration: 3600},
			},
		},
		{
			name: "direct mfa for a 2h single hop", profile: "long",
			env: map[string]string{"USER": "dan"},
			want: []fakeCall{{Op: "AssumeRole", Signer: "AKIAFAKEDEV200009999", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/long", SessionName: "switcher-dan-" + unix,
				Serial: "arn:aws:iam::111111111111:mfa/dev2", Code: "470001", Duration: 7200}},
			prompts: 1,
		},
		{
			name: "--duration on the last hop", profile: "long", opt: Options{DurationSeconds: 1200, MFACode: "123123"},
			env: map[string]string{"USER": "dan"},
			want: []fakeCall{
				{Op: "GetSessionToken", Signer: "AKIAFAKEDEV200009999", Region: "us-east-1", Serial: "arn:aws:iam::111111111111:mfa/dev2", Code: "123123", Duration: 43200},
				{Op: "AssumeRole", Signer: "ASIAFAKEGET01", Region: "us-east-1", RoleARN: "arn:aws:iam::222222222222:role/long",
					SessionName: "switcher-dan-" + unix, Duration: 1200},
			},
		},
		{
			name: "environment with a session token: capped at run time and said", profile: "env-long",
			env: map[string]string{"AWS_ACCESS_KEY_ID": "ASIAFAKEENV000001111", "AWS_SECRET_ACCESS_KEY": "fakeEnvSecret", "AWS_SESSION_TOKEN": "fakeEnvToken", "USER": "eve"},
			want: []fakeCall{{Op: "AssumeRole", Signer: "ASIAFAKEENV000001111", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/env", SessionName: "switcher-eve-" + unix, Duration: 3600}},
			debug: []string{"caps the session at 1 hour: asking 3600s instead of 7200s"},
		},
		{
			name: "environment with long-term keys: not capped", profile: "env-long",
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAFAKEENV000002222", "AWS_SECRET_ACCESS_KEY": "fakeEnvSecret", "USER": "eve"},
			want: []fakeCall{{Op: "AssumeRole", Signer: "AKIAFAKEENV000002222", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/env", SessionName: "switcher-eve-" + unix, Duration: 7200}},
		},
		{
			name: "mfa_process runs before the prompter", profile: "procname",
			env: map[string]string{"USER": "fay"},
			want: []fakeCall{
				{Op: "GetSessionToken", Signer: "AKIAFAKEDEV200009999", Region: "us-east-1", Serial: "arn:aws:iam::111111111111:mfa/dev2", Code: "490321", Duration: 43200},
				{Op: "AssumeRole", Signer: "ASIAFAKEGET01", Region: "us-east-1", RoleARN: "arn:aws:iam::222222222222:role/proc",
					SessionName: "switcher-fay-" + unix, Duration: 3600},
			},
		},
		{
			name: "endpoint from the environment", profile: "ops",
			env: map[string]string{"USER": "alice", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4566"},
			want: []fakeCall{{Op: "AssumeRole", Signer: "AKIAFAKENOMFA0005678", Region: "us-east-1", Endpoint: "http://127.0.0.1:4566",
				RoleARN: "arn:aws:iam::222222222222:role/ops", SessionName: "alice", ExternalID: "ext-123",
				SourceIdentity: "alice", Tags: "team=infra,env=prod", Transitive: "team", Duration: 1800}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := newFakeEngine(t, tt.env, false)
			var events []string
			tt.opt.OnStep = func(ev StepEvent) {
				events = append(events, fmt.Sprintf("%d %s done=%t", ev.Index, ev.Step.Kind, ev.Done))
			}
			s, err := fe.eng.Assume(context.Background(), tt.profile, tt.opt)
			if err != nil {
				t.Fatalf("Assume: %v", err)
			}
			got := fe.sts.Calls()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("STS calls (-want +got):\n%s", diff)
			}
			if n := fe.prompt.Count(); n != tt.prompts {
				t.Errorf("prompts = %d, want %d", n, tt.prompts)
			}
			last := got[len(got)-1]
			if s.AccessKeyID == "" || s.Profile != tt.profile || s.RoleARN != last.RoleARN || s.FromCache {
				t.Errorf("session = %+v", s)
			}
			if len(events) != 2*len(got) {
				t.Errorf("step events = %q, want a start and an end per call", events)
			}
			out := fe.debug.String()
			for _, d := range tt.debug {
				if !strings.Contains(out, d) {
					t.Errorf("debug output lacks %q:\n%s", d, out)
				}
			}
			for _, secret := range []string{devSecret, "fakeNoMFASecret", "fakeEnvSecret", "fakeEnvToken", "fakeSecret", "fakeToken", "470001", "480999", "490321"} {
				if strings.Contains(out, secret) {
					t.Errorf("debug output leaks %q", secret)
				}
			}
		})
	}
}

func TestAssumeRefusesBeforeAnyCall(t *testing.T) {
	cfg := testConfig + `
[profile bad-duration]
role_arn = arn:aws:iam::222222222222:role/x
source_profile = nomfa
duration_seconds = 60

[profile bad-name]
role_arn = arn:aws:iam::222222222222:role/x
source_profile = nomfa
role_session_name = has space

[profile bad-external]
role_arn = arn:aws:iam::222222222222:role/x
source_profile = nomfa
external_id = a
`
	tests := []struct {
		name    string
		profile string
		opt     Options
		errIs   error
		errAs   any
		msg     string
	}{
		{"duration below 900", "bad-duration", Options{}, ErrPlan, nil, "config:"},
		{"session name", "bad-name", Options{}, ErrPlan, nil, "role_session_name"},
		{"external id", "bad-external", Options{}, ErrPlan, nil, "config:"},
		{"--duration too long", "ops", Options{DurationSeconds: 50000}, ErrPlan, nil, "--duration"},
		{"short mfa code", "mfa-ops", Options{MFACode: "12345"}, ErrInvalidMFACode, nil, "--mfa-code"},
		{"letters in code", "mfa-ops", Options{MFACode: "12a456"}, ErrInvalidMFACode, nil, "6 digits"},
		{"unknown profile", "nope", Options{}, profiles.ErrUnknownProfile, nil, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := newFakeEngine(t, nil, true)
			fe.eng.Config = loadTestConfig(t, cfg, testCredentials)
			_, err := fe.eng.Assume(context.Background(), tt.profile, tt.opt)
			if !errors.Is(err, tt.errIs) {
				t.Fatalf("err = %v, want %v", err, tt.errIs)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q lacks %q", err, tt.msg)
			}
			if calls := fe.sts.Calls(); len(calls) != 0 {
				t.Errorf("STS was called: %+v", calls)
			}
			if strings.Contains(err.Error(), "12a456") || strings.Contains(err.Error(), "12345") {
				t.Errorf("error %q shows the code", err)
			}
		})
	}
}

func TestNoPromptAvailable(t *testing.T) {
	fe := newFakeEngine(t, nil, true)
	fe.eng.Prompt = TTYPrompter{Path: t.TempDir() + "/no-tty"}
	_, err := fe.eng.Assume(context.Background(), "mfa-ops", Options{})
	if !errors.Is(err, ErrNoMFAPrompt) {
		t.Fatalf("err = %v, want ErrNoMFAPrompt", err)
	}
	for _, s := range []string{"switcher export mfa-ops --mfa-code", devSerial, "mfa_process"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if calls := fe.sts.Calls(); len(calls) != 0 {
		t.Errorf("STS was called: %+v", calls)
	}
}

func TestReusedCodeRefused(t *testing.T) {
	for _, withCache := range []bool{true, false} {
		t.Run(fmt.Sprintf("cache=%t", withCache), func(t *testing.T) {
			fe := newFakeEngine(t, nil, withCache)
			// Direct mode sends the code on every refresh: the second
			// assume with the same code must not reach STS.
			if _, err := fe.eng.Assume(context.Background(), "long", Options{MFACode: "424242", ForceRefresh: true}); err != nil {
				t.Fatal(err)
			}
			fe.clock.Advance(time.Minute)
			_, err := fe.eng.Assume(context.Background(), "long", Options{MFACode: "424242", ForceRefresh: true})
			if !errors.Is(err, ErrMFACodeReused) {
				t.Fatalf("err = %v, want ErrMFACodeReused", err)
			}
			if !strings.Contains(err.Error(), "next code") || strings.Contains(err.Error(), "424242") {
				t.Errorf("error = %q", err)
			}
			if n := len(fe.sts.Calls()); n != 1 {
				t.Errorf("STS calls = %d, want 1", n)
			}
			// A new code works.
			if _, err := fe.eng.Assume(context.Background(), "long", Options{MFACode: "434343", ForceRefresh: true}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCacheHitMissExpiry(t *testing.T) {
	fe := newFakeEngine(t, map[string]string{"USER": "u"}, true)
	ctx := context.Background()
	assume := func(opt Options) *Session {
		t.Helper()
		s, err := fe.eng.Assume(ctx, "mfa-ops", opt)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ops := func() []string {
		var out []string
		for _, c := range fe.sts.Calls() {
			out = append(out, c.Op)
		}
		return out
	}
	if _, ok := fe.eng.CachedTimeLeft("mfa-ops"); ok {
		t.Fatal("CachedTimeLeft on an empty cache reports a session")
	}
	if serial, need, err := fe.eng.NeedsMFACode("mfa-ops", Options{}); err != nil || !need || serial != devSerial {
		t.Fatalf("NeedsMFACode = %q, %t, %v; want the dev serial, true", serial, need, err)
	}
	first := assume(Options{})
	if first.FromCache || first.MFAExpiration.IsZero() {
		t.Fatalf("first session = %+v", first)
	}
	if diff := cmp.Diff(first.MFAExpiration, fe.clock.Now().Add(8*time.Hour)); diff != "" {
		t.Errorf("MFAExpiration (-want +got):\n%s", diff)
	}
	if left, ok := fe.eng.CachedTimeLeft("mfa-ops"); !ok || left != time.Hour {
		t.Errorf("CachedTimeLeft = %s, %t; want 1h", left, ok)
	}
	if _, need, _ := fe.eng.NeedsMFACode("mfa-ops", Options{}); need {
		t.Error("NeedsMFACode with a cached session = true")
	}

	// Hit: same credentials, no call.
	fe.clock.Advance(30 * time.Minute)
	hit := assume(Options{})
	if !hit.FromCache || hit.AccessKeyID != first.AccessKeyID || hit.Region != "eu-west-1" {
		t.Errorf("cache hit = %+v", hit)
	}
	// MinRemaining above what is left: refresh the role, reuse the MFA session.
	refreshed := assume(Options{MinRemaining: 45 * time.Minute})
	if refreshed.FromCache || refreshed.AccessKeyID == first.AccessKeyID {
		t.Errorf("MinRemaining did not refresh: %+v", refreshed)
	}
	// ForceRefresh: a new role session, no new code.
	assume(Options{ForceRefresh: true})
	// Inside the 5-minute safety window: refreshed.
	fe.clock.Advance(56 * time.Minute)
	assume(Options{})
	// Past the MFA session: a new code.
	fe.clock.Advance(8 * time.Hour)
	if _, need, _ := fe.eng.NeedsMFACode("mfa-ops", Options{}); !need {
		t.Error("NeedsMFACode after the mfa session expired = false")
	}
	assume(Options{})
	want := []string{"GetSessionToken", "AssumeRole", "AssumeRole", "AssumeRole", "AssumeRole", "GetSessionToken", "AssumeRole"}
	if diff := cmp.Diff(want, ops()); diff != "" {
		t.Errorf("STS calls (-want +got):\n%s", diff)
	}
	if n := fe.prompt.Count(); n != 2 {
		t.Errorf("prompts = %d, want 2", n)
	}
	if !strings.Contains(fe.debug.String(), "cache hit") || !strings.Contains(fe.debug.String(), "cache miss") {
		t.Errorf("debug output does not report cache hits and misses:\n%s", fe.debug)
	}
}

func TestNoCache(t *testing.T) {
	fe := newFakeEngine(t, nil, false)
	for range 2 {
		s, err := fe.eng.Assume(context.Background(), "ops", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.FromCache {
			t.Error("FromCache without a cache")
		}
	}
	if n := len(fe.sts.Calls()); n != 2 {
		t.Errorf("STS calls = %d, want 2 (no cache)", n)
	}
	if _, ok := fe.eng.CachedTimeLeft("ops"); ok {
		t.Error("CachedTimeLeft without a cache reports a session")
	}
}

func TestCacheKeyChangesWithInputs(t *testing.T) {
	fe := newFakeEngine(t, nil, true)
	key := func(e *Engine, profile string, opt Options) cacheKeys {
		t.Helper()
		r, err := e.newRun(profile, opt)
		if err != nil {
			t.Fatal(err)
		}
		return r.keys
	}
	base := key(fe.eng, "mfa-ops", Options{})
	if base.role == "" || base.mfa == "" {
		t.Fatalf("keys = %+v", base)
	}
	other := newFakeEngine(t, nil, true).eng
	other.EndpointURL = "http://127.0.0.1:9"
	regional := newFakeEngine(t, nil, true).eng
	regional.Region = "us-west-2"
	tests := []struct {
		name string
		got  cacheKeys
	}{
		{"duration", key(fe.eng, "mfa-ops", Options{DurationSeconds: 1800})},
		{"endpoint", key(other, "mfa-ops", Options{})},
		{"region", key(regional, "mfa-ops", Options{})},
		{"another role, same source", key(fe.eng, "mfa-admin", Options{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got.role == base.role {
				t.Errorf("role key unchanged")
			}
		})
	}
	if got := key(fe.eng, "mfa-admin", Options{}).mfa; got != base.mfa {
		t.Errorf("two roles from one source use different MFA sessions")
	}
	if got := key(other, "mfa-ops", Options{}).mfa; got == base.mfa {
		t.Errorf("the MFA session key ignores the endpoint")
	}
}

func TestCallerIdentity(t *testing.T) {
	fe := newFakeEngine(t, nil, false)
	id, err := fe.eng.CallerIdentity(context.Background(), Credentials{AccessKeyID: devKeyID, SecretAccessKey: devSecret}, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Identity{Account: "111111111111", ARN: "arn:aws:iam::111111111111:user/dev", UserID: "AIDAFAKE"}, id); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	want := []fakeCall{{Op: "GetCallerIdentity", Signer: devKeyID, Region: "us-east-1"}}
	if diff := cmp.Diff(want, fe.sts.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestCleanAgesEngineEntries: Clean reads the expiry of every entry the
// engine writes.
func TestCleanAgesEngineEntries(t *testing.T) {
	fe := newFakeEngine(t, nil, true)
	if _, err := fe.eng.Assume(context.Background(), "long", Options{MFACode: "515151", DurationSeconds: 1800}); err != nil {
		t.Fatal(err)
	}
	count := func(now time.Time) int {
		t.Helper()
		rep, err := (&Store{Dir: fe.eng.Store.Dir, Now: func() time.Time { return now }}).Clean(false)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Entries
	}
	// Entries: role session (30m), MFA session (12h), used code (15m).
	now := fe.clock.Now()
	steps := []struct {
		at   time.Duration
		want int
	}{{time.Minute, 0}, {16 * time.Minute, 1}, {31 * time.Minute, 1}, {11 * time.Hour, 0}, {13 * time.Hour, 1}}
	for _, s := range steps {
		if got := count(now.Add(s.at)); got != s.want {
			t.Errorf("Clean at +%s removed %d, want %d", s.at, got, s.want)
		}
	}
}

func TestAssumeWithoutRole(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		opt     Options
		ops     []string
		key     string
	}{
		{"static keys give a session, not themselves", "nomfa", Options{}, []string{"GetSessionToken"}, "ASIAFAKEGET01"},
		{"static keys as they are with --no-session", "nomfa", Options{NoSession: true}, nil, "AKIAFAKENOMFA0005678"},
		{"static keys with mfa_serial: an mfa session", "dev", Options{MFACode: "525252"}, []string{"GetSessionToken"}, "ASIAFAKEGET01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := newFakeEngine(t, nil, true)
			s, err := fe.eng.Assume(context.Background(), tt.profile, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			var ops []string
			for _, c := range fe.sts.Calls() {
				ops = append(ops, c.Op)
			}
			if diff := cmp.Diff(tt.ops, ops); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if s.AccessKeyID != tt.key || s.RoleARN != "" {
				t.Errorf("session = %+v", s)
			}
		})
	}
}

func TestDeadMFASessionIsDropped(t *testing.T) {
	fe := newFakeEngine(t, nil, true)
	ctx := context.Background()
	if _, err := fe.eng.Assume(ctx, "mfa-ops", Options{}); err != nil {
		t.Fatal(err)
	}
	fe.sts.fail = map[string]error{"AssumeRole": &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired"}}
	_, err := fe.eng.Assume(ctx, "mfa-ops", Options{ForceRefresh: true})
	var se *STSError
	if !errors.As(err, &se) || se.Kind != KindExpiredToken || !strings.Contains(err.Error(), "session signing this call") {
		t.Fatalf("err = %v, want an expired chain session", err)
	}
	if _, need, _ := fe.eng.NeedsMFACode("mfa-ops", Options{ForceRefresh: true}); !need {
		t.Error("the refused MFA session is still cached")
	}
}

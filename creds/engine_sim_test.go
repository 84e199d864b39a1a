package creds

// SDK-over-HTTP tests: the real aws-sdk-go-v2 sts client, signing and XML,
// against the in-repo STS simulator.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds/stssim"
	"github.com/switcher-cli/switcher/profiles"
)

const (
	simAcct   = stssim.DefaultAccount
	simUser   = "arn:aws:iam::" + simAcct + ":user/dev"
	simSerial = "arn:aws:iam::" + simAcct + ":mfa/dev"
)

func simRole(name string) string { return "arn:aws:iam::" + simAcct + ":role/" + name }

const simConfig = `[profile ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = dev

[profile prod]
role_arn = arn:aws:iam::123456789012:role/prod
source_profile = ops

[profile audit]
role_arn = arn:aws:iam::123456789012:role/audit
source_profile = prod

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = devmfa

[profile admin-prod]
role_arn = arn:aws:iam::123456789012:role/prod
source_profile = admin
duration_seconds = 7200

[profile long]
role_arn = arn:aws:iam::123456789012:role/long
source_profile = devmfa
duration_seconds = 7200

[profile short]
role_arn = arn:aws:iam::123456789012:role/short
source_profile = dev
duration_seconds = 7200

[profile locked]
role_arn = arn:aws:iam::123456789012:role/locked
source_profile = dev

[profile partner]
role_arn = arn:aws:iam::123456789012:role/partner
source_profile = dev
external_id = wrong-id

[profile badkey]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = unknownkey

[profile badsecret]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = wrongsecret

[profile env]
role_arn = arn:aws:iam::123456789012:role/ops
credential_source = Environment
duration_seconds = 7200
`

const simCredentials = `[dev]
aws_access_key_id = AKIAFAKESIMDEV001234
aws_secret_access_key = fakeSimDevSecret

[devmfa]
aws_access_key_id = AKIAFAKESIMDEV001234
aws_secret_access_key = fakeSimDevSecret
mfa_serial = arn:aws:iam::123456789012:mfa/dev

[unknownkey]
aws_access_key_id = AKIAFAKEUNKNOWN09876
aws_secret_access_key = fakeWhatever

[wrongsecret]
aws_access_key_id = AKIAFAKESIMDEV001234
aws_secret_access_key = notTheSecret
`

type simEnv struct {
	sim   *stssim.Sim
	url   string
	clock *clock
	dir   string // shared cache dir
	cfg   *profiles.Config
}

func newSimEnv(t *testing.T) *simEnv {
	t.Helper()
	clk := newClock()
	sim := stssim.New(stssim.WithClock(clk.Now))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sim.AddUser(stssim.User{Name: "dev", AccessKeyID: "AKIAFAKESIMDEV001234", SecretAccessKey: "fakeSimDevSecret", MFASerial: simSerial}))
	for _, r := range []stssim.Role{
		{ARN: simRole("ops"), Trust: []string{simUser}, MaxSessionDuration: 4 * time.Hour},
		{ARN: simRole("prod"), Trust: []string{simRole("ops"), simRole("admin")}},
		{ARN: simRole("audit"), Trust: []string{simRole("prod")}},
		{ARN: simRole("admin"), Trust: []string{simUser}, RequireMFA: true},
		{ARN: simRole("long"), Trust: []string{simUser}, RequireMFA: true, MaxSessionDuration: 4 * time.Hour},
		{ARN: simRole("short"), Trust: []string{simUser}},
		{ARN: simRole("locked"), Trust: []string{"arn:aws:iam::999999999999:user/someone"}},
		{ARN: simRole("partner"), Trust: []string{simUser}, ExternalID: "right-id"},
	} {
		must(sim.AddRole(r))
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &simEnv{sim: sim, url: srv.URL, clock: clk, dir: t.TempDir(), cfg: loadTestConfig(t, simConfig, simCredentials)}
}

// engine returns a new Engine on the shared cache dir (nil cache when
// noCache), as a separate process would build it.
func (se *simEnv) engine(p Prompter, env map[string]string, noCache bool) *Engine {
	e := &Engine{
		Config:      se.cfg,
		Now:         se.clock.Now,
		Getenv:      mapEnv(env),
		Prompt:      p,
		EndpointURL: se.url,
	}
	if !noCache {
		e.Store = &Store{Dir: se.dir, Now: se.clock.Now}
	}
	return e
}

// simPrompter reads the device's current code, like a person would, and
// counts how often it was asked.
type simPrompter struct {
	sim *stssim.Sim
	mu  sync.Mutex
	n   int
}

func (p *simPrompter) MFACode(_ context.Context, _, serial string) (string, error) {
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
	code, ok := p.sim.CurrentCode(serial)
	if !ok {
		return "", fmt.Errorf("no device %s", serial)
	}
	return code, nil
}

func (p *simPrompter) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func TestSimAssume(t *testing.T) {
	tests := []struct {
		name     string
		profiles []string // assumed in order with one engine
		env      map[string]string
		calls    map[string]int
		prompts  int
		arn      string // of the last session
		left     time.Duration
		mfa      bool // the last session came through MFA
	}{
		{name: "single hop", profiles: []string{"ops"},
			calls: map[string]int{"AssumeRole": 1}, arn: "assumed-role/ops/", left: time.Hour},
		{name: "three hops", profiles: []string{"audit"},
			calls: map[string]int{"AssumeRole": 3}, arn: "assumed-role/audit/", left: time.Hour},
		{name: "one mfa session for two roles", profiles: []string{"admin", "admin-prod"},
			calls: map[string]int{"GetSessionToken": 1, "AssumeRole": 3}, prompts: 1, arn: "assumed-role/prod/", left: time.Hour, mfa: true},
		{name: "direct mfa for a 2h single hop", profiles: []string{"long"},
			calls: map[string]int{"AssumeRole": 1}, prompts: 1, arn: "assumed-role/long/", left: 2 * time.Hour, mfa: true},
		{name: "temporary environment keys: capped at 1h at run time", profiles: []string{"env"},
			env:   map[string]string{"USER": "ci"}, // keys added below
			calls: map[string]int{"AssumeRole": 1}, arn: "assumed-role/ops/switcher-ci-", left: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := newSimEnv(t)
			if tt.env != nil {
				tmp := simSessionToken(t, se)
				tt.env["AWS_ACCESS_KEY_ID"], tt.env["AWS_SECRET_ACCESS_KEY"], tt.env["AWS_SESSION_TOKEN"] = tmp.AccessKeyID, tmp.SecretAccessKey, tmp.SessionToken
				se.sim.ResetCalls()
			}
			p := &simPrompter{sim: se.sim}
			e := se.engine(p, tt.env, false)
			var s *Session
			for _, name := range tt.profiles {
				var err error
				s, err = e.Assume(context.Background(), name, Options{})
				if err != nil {
					t.Fatalf("Assume(%s): %v", name, err)
				}
			}
			got := map[string]int{}
			for _, a := range []string{"GetSessionToken", "AssumeRole", "GetCallerIdentity"} {
				if n := se.sim.Calls(a); n > 0 {
					got[a] = n
				}
			}
			if diff := cmp.Diff(tt.calls, got); diff != "" {
				t.Errorf("STS calls (-want +got):\n%s", diff)
			}
			if n := p.Count(); n != tt.prompts {
				t.Errorf("prompts = %d, want %d", n, tt.prompts)
			}
			if !strings.Contains(s.AssumedRoleARN, tt.arn) || s.AccountID != simAcct {
				t.Errorf("session ARN %q account %q, want …%s… in %s", s.AssumedRoleARN, s.AccountID, tt.arn, simAcct)
			}
			if left := s.TimeLeft(se.clock.Now()); left != tt.left {
				t.Errorf("time left = %s, want %s", left, tt.left)
			}
			info, ok := se.sim.Session(s.AccessKeyID)
			if !ok || info.MFAAuthenticated != tt.mfa {
				t.Errorf("sim session = %+v (known %t), want MFA %t", info, ok, tt.mfa)
			}
			id, err := e.CallerIdentity(context.Background(), s.Credentials, "")
			if err != nil || id.ARN != s.AssumedRoleARN {
				t.Errorf("CallerIdentity = %+v, %v; want ARN %s", id, err, s.AssumedRoleARN)
			}
		})
	}
}

// simSessionToken gets temporary keys for dev straight from the sim.
func simSessionToken(t *testing.T, se *simEnv) Credentials {
	t.Helper()
	c := NewSTSClient(ClientOptions{Region: "us-east-1", Endpoint: se.url,
		Credentials: &Credentials{AccessKeyID: "AKIAFAKESIMDEV001234", SecretAccessKey: "fakeSimDevSecret"}})
	out, err := c.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(3600)})
	if err != nil {
		t.Fatal(err)
	}
	return fromSTS(out.Credentials)
}

func TestSimErrors(t *testing.T) {
	type want struct {
		Kind ErrKind
		Hop  int
		Key  string
		Line int // of Pos, 0 for none
	}
	tests := []struct {
		name     string
		profile  string
		opt      Options
		setup    func(t *testing.T, se *simEnv, e *Engine)
		want     want
		contains []string
	}{
		{name: "untrusted role", profile: "locked",
			want:     want{KindAccessDenied, 0, "role_arn", 33},
			contains: []string{"profile locked, hop 1 of 1", simUser, "trust policy", "config:33"}},
		{name: "wrong external id", profile: "partner",
			want:     want{KindAccessDenied, 0, "role_arn", 37},
			contains: []string{"external_id matches"}},
		{name: "mfa required but no code", profile: "locked", // replaced below
			want: want{KindAccessDenied, 0, "role_arn", 33}},
		{name: "wrong mfa code", profile: "admin", opt: Options{MFACode: "000000"},
			want:     want{KindMFA, -1, "mfa_serial", 8},
			contains: []string{"profile admin, mfa session", "next code", "credentials:8"}},
		{name: "role's maximum session duration", profile: "short",
			want:     want{KindMaxDuration, 0, "duration_seconds", 30},
			contains: []string{"MaxSessionDuration", "config:30"}},
		{name: "unknown access key", profile: "badkey",
			want:     want{KindInvalidKey, 0, "aws_access_key_id", 11},
			contains: []string{"profile unknownkey", "credentials:11"}},
		{name: "wrong secret", profile: "badsecret",
			want:     want{KindSignature, 0, "aws_secret_access_key", 16},
			contains: []string{"secret access key of profile wrongsecret", "clock", "credentials:16"}},
		{name: "throttled after retries", profile: "ops",
			setup: func(t *testing.T, se *simEnv, e *Engine) { se.sim.FailNext("AssumeRole", 10, stssim.Throttling()) },
			want:  want{KindThrottled, 0, "", 0}, contains: []string{"Rate exceeded"}},
		{name: "http 500 after retries", profile: "ops",
			setup: func(t *testing.T, se *simEnv, e *Engine) { se.sim.FailNext("AssumeRole", 10, stssim.InternalFailure()) },
			want:  want{KindServer, 0, "", 0}, contains: []string{"try again later"}},
		{name: "slow endpoint times out", profile: "ops",
			setup: func(t *testing.T, se *simEnv, e *Engine) {
				se.sim.FailNext("", 10, stssim.Slow(5*time.Second))
				e.CallTimeout = 300 * time.Millisecond
			},
			want: want{KindNetwork, 0, "", 0}, contains: []string{"did not answer in time"}},
		{name: "connection refused", profile: "ops",
			setup: func(t *testing.T, se *simEnv, e *Engine) { e.EndpointURL = closedPortURL(t) },
			want:  want{KindNetwork, 0, "", 0}, contains: []string{"nothing accepts connections", "--endpoint-url"}},
		{name: "expired source session", profile: "ops",
			setup: func(t *testing.T, se *simEnv, e *Engine) {
				tmp := simSessionToken(t, se)
				e.Config = loadTestConfig(t, simConfig, strings.Replace(simCredentials, "[dev]\naws_access_key_id = AKIAFAKESIMDEV001234\naws_secret_access_key = fakeSimDevSecret\n",
					"[dev]\naws_access_key_id = "+tmp.AccessKeyID+"\naws_secret_access_key = "+tmp.SecretAccessKey+"\naws_session_token = "+tmp.SessionToken+"\n", 1))
				se.clock.Advance(2 * time.Hour)
			},
			want: want{KindExpiredToken, 0, "aws_session_token", 4}, contains: []string{"profile dev have expired", "credentials:4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := newSimEnv(t)
			e := se.engine(PrompterFunc(func(context.Context, string, string) (string, error) { return "", ErrNoMFAPrompt }), nil, false)
			if tt.name == "mfa required but no code" {
				// admin requires MFA; call it through a profile without mfa_serial.
				e.Config = loadTestConfig(t, strings.Replace(simConfig, "role/locked", "role/admin", 1), simCredentials)
			}
			if tt.setup != nil {
				tt.setup(t, se, e)
			}
			_, err := e.Assume(context.Background(), tt.profile, tt.opt)
			var sErr *STSError
			if !errors.As(err, &sErr) {
				t.Fatalf("err = %T %v, want *STSError", err, err)
			}
			got := want{sErr.Kind, sErr.Hop, sErr.Key, sErr.Pos.Line}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error %q (-want +got):\n%s", err, diff)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			for _, secret := range []string{"fakeSimDevSecret", "notTheSecret", "AKIAFAKESIMDEV001234", "AKIAFAKEUNKNOWN09876"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q leaks %q", err, secret)
				}
			}
		})
	}
}

// closedPortURL is an http URL nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestSimRetriesThenSucceeds(t *testing.T) {
	se := newSimEnv(t)
	se.sim.FailNext("AssumeRole", 1, stssim.Throttling())
	se.sim.FailNext("AssumeRole", 1, stssim.InternalFailure())
	e := se.engine(nil, nil, true)
	if _, err := e.Assume(context.Background(), "ops", Options{}); err != nil {
		t.Fatalf("Assume after a throttle and a 500: %v", err)
	}
	if n := se.sim.Calls("AssumeRole"); n != 3 {
		t.Errorf("AssumeRole requests = %d, want 3 (two retried)", n)
	}
}

// TestSimChainingErrorOverTheWire: the engine never sends an uncapped
// chained duration, so this asks the sim directly with the real client and
// checks the XML error classifies as the chaining limit.
func TestSimChainingErrorOverTheWire(t *testing.T) {
	se := newSimEnv(t)
	tmp := simSessionToken(t, se)
	c := NewSTSClient(ClientOptions{Region: "us-east-1", Endpoint: se.url, Credentials: &tmp})
	_, err := c.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(simRole("ops")),
		RoleSessionName: aws.String("x-session"), DurationSeconds: aws.Int32(7200)})
	sc := stepContext{Profile: "ops", Hops: 1, Step: profiles.Step{Kind: profiles.StepAssumeRole, RoleARN: simRole("ops"), Chained: true},
		DurationPos: profiles.Pos{File: "config", Line: 3}, Duration: 7200}
	var sErr *STSError
	if !errors.As(classifyError(context.Background(), sc, err), &sErr) || sErr.Kind != KindChaining {
		t.Fatalf("err = %v, want the chaining limit", err)
	}
	if !strings.Contains(sErr.Error(), "duration_seconds at config:3") {
		t.Errorf("error %q does not name the line", sErr)
	}
}

// TestSimParallelColdCache: 20 processes (separate Engines, one cache
// dir) on a cold cache make one STS call per step and one prompt.
func TestSimParallelColdCache(t *testing.T) {
	se := newSimEnv(t)
	p := &simPrompter{sim: se.sim}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	keys := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := se.engine(p, nil, false)
			s, err := e.Assume(context.Background(), "admin-prod", Options{})
			errs[i] = err
			if err == nil {
				keys[i] = s.AccessKeyID
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if keys[i] != keys[0] {
			t.Errorf("caller %d got different credentials", i)
		}
	}
	got := map[string]int{"GetSessionToken": se.sim.Calls("GetSessionToken"), "AssumeRole": se.sim.Calls("AssumeRole"), "prompts": p.Count()}
	if diff := cmp.Diff(map[string]int{"GetSessionToken": 1, "AssumeRole": 2, "prompts": 1}, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestSimNoCacheAndReusedCode(t *testing.T) {
	se := newSimEnv(t)
	e := se.engine(nil, nil, true)
	for range 2 {
		if _, err := e.Assume(context.Background(), "ops", Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := se.sim.Calls("AssumeRole"); n != 2 {
		t.Errorf("--no-cache: AssumeRole calls = %d, want 2", n)
	}

	// Two processes sharing the cache: the second is refused the code the
	// first sent, before any call.
	code, _ := se.sim.CurrentCode(simSerial)
	first := se.engine(nil, nil, false)
	if _, err := first.Assume(context.Background(), "long", Options{MFACode: code}); err != nil {
		t.Fatal(err)
	}
	se.sim.ResetCalls()
	second := se.engine(nil, nil, false)
	_, err := second.Assume(context.Background(), "long", Options{MFACode: code, ForceRefresh: true})
	if !errors.Is(err, ErrMFACodeReused) {
		t.Fatalf("err = %v, want ErrMFACodeReused", err)
	}
	if n := se.sim.Calls(""); n != 0 {
		t.Errorf("a reused code reached STS (%d calls)", n)
	}
	// Without the cache the engine cannot know; STS refuses and we say so.
	_, err = se.engine(nil, nil, true).Assume(context.Background(), "long", Options{MFACode: code})
	var sErr *STSError
	if !errors.As(err, &sErr) || sErr.Kind != KindMFA {
		t.Fatalf("err = %v, want an MFA STSError", err)
	}
}

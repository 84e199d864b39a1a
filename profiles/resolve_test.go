package profiles

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const chainConfig = `[profile base]
region = us-east-1
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile dev]
role_arn = arn:aws:iam::222222222222:role/dev
source_profile = base
duration_seconds = 7200
external_id = ext-1

[profile ops]
role_arn = arn:aws:iam::333333333333:role/ops
source_profile = dev
region = eu-west-1

[profile prod]
role_arn = arn:aws:iam::444444444444:role/prod
source_profile = ops
mfa_process = pass otp aws
services = local

[profile self]
role_arn = arn:aws:iam::555555555555:role/self
source_profile = self

[profile ec2]
role_arn = arn:aws:iam::666666666666:role/ec2
credential_source = Ec2InstanceMetadata

[profile env]
role_arn = arn:aws:iam::666666666666:role/env
credential_source = Environment

[profile proc]
credential_process = /bin/creds

[profile sso]
sso_session = corp
sso_account_id = 777777777777
sso_role_name = Admin

[profile legacy-sso]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 777777777777
sso_role_name = Admin

[profile from-sso]
role_arn = arn:aws:iam::888888888888:role/x
source_profile = sso

[profile web]
role_arn = arn:aws:iam::999999999999:role/web
web_identity_token_file = /var/run/token

[profile after-web]
role_arn = arn:aws:iam::999999999999:role/after
source_profile = web

[profile keyed-role]
role_arn = arn:aws:iam::123456789012:role/ignored-as-source
source_profile = base

[profile uses-keyed]
role_arn = arn:aws:iam::123456789012:role/uses
source_profile = keyed-role

[profile temp]
aws_access_key_id = ASIAFAKEFAKEFAKE0001
aws_secret_access_key = fake
aws_session_token = faketoken

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[services local]
sts =
  endpoint_url = http://localhost:5000
`

const chainCreds = `[base]
aws_access_key_id = AKIAFAKEFAKEFAKE0001
aws_secret_access_key = fake

[self]
aws_access_key_id = AKIAFAKEFAKEFAKE0002
aws_secret_access_key = fake

[keyed-role]
aws_access_key_id = AKIAFAKEFAKEFAKE0003
aws_secret_access_key = fake
`

func TestResolve(t *testing.T) {
	c := load(t, chainConfig, chainCreds)
	staticOf := func(p string, line int) Source {
		return Source{Kind: SourceStatic, Profile: p, Setting: val(map[string]string{
			"base": "AKIAFAKEFAKEFAKE0001", "self": "AKIAFAKEFAKEFAKE0002", "keyed-role": "AKIAFAKEFAKEFAKE0003",
		}[p], "credentials", line)}
	}
	tests := []struct {
		name      string
		want      *Chain
		wantHops  []string // hop profiles in call order
		wantNames []string
	}{
		{
			name: "base",
			want: &Chain{Target: "base", Source: staticOf("base", 2), Names: []string{"base"},
				Region: val("us-east-1", "config", 2)},
		},
		{
			name: "dev",
			want: &Chain{Target: "dev", Source: staticOf("base", 2), Names: []string{"dev", "base"},
				Region: val("us-east-1", "config", 2)},
			wantHops: []string{"dev"},
		},
		{
			name: "prod",
			want: &Chain{Target: "prod", Source: staticOf("base", 2), Names: []string{"prod", "ops", "dev", "base"},
				Region: val("eu-west-1", "config", 14), MFAProcess: val("pass otp aws", "config", 19),
				EndpointURL: val("http://localhost:5000", "config", 79)},
			wantHops: []string{"dev", "ops", "prod"},
		},
		{
			name:     "self",
			want:     &Chain{Target: "self", Source: staticOf("self", 6), Names: []string{"self"}},
			wantHops: []string{"self"},
		},
		{
			name: "ec2",
			want: &Chain{Target: "ec2", Names: []string{"ec2"}, Source: Source{Kind: SourceCredentialSource, Profile: "ec2",
				Setting: val("Ec2InstanceMetadata", "config", 28), Temporary: true}},
			wantHops: []string{"ec2"},
		},
		{
			name: "env",
			want: &Chain{Target: "env", Names: []string{"env"}, Source: Source{Kind: SourceCredentialSource, Profile: "env",
				Setting: val("Environment", "config", 32)}},
			wantHops: []string{"env"},
		},
		{
			name: "proc",
			want: &Chain{Target: "proc", Names: []string{"proc"}, Source: Source{Kind: SourceCredentialProcess, Profile: "proc",
				Setting: val("/bin/creds", "config", 35)}},
		},
		{
			name: "sso",
			want: &Chain{Target: "sso", Names: []string{"sso"}, Source: Source{Kind: SourceSSO, Profile: "sso",
				Setting: val("corp", "config", 38), Temporary: true}},
		},
		{
			name: "legacy-sso",
			want: &Chain{Target: "legacy-sso", Names: []string{"legacy-sso"}, Source: Source{Kind: SourceSSO, Profile: "legacy-sso",
				Setting: val("https://corp.awsapps.com/start", "config", 43), Temporary: true}},
		},
		{
			name: "from-sso",
			want: &Chain{Target: "from-sso", Names: []string{"from-sso", "sso"}, Source: Source{Kind: SourceSSO, Profile: "sso",
				Setting: val("corp", "config", 38), Temporary: true}},
			wantHops: []string{"from-sso"},
		},
		{
			name: "web",
			want: &Chain{Target: "web", Names: []string{"web"}, Source: Source{Kind: SourceWebIdentity, Profile: "web",
				Setting: val("/var/run/token", "config", 54), Temporary: true}},
			wantHops: []string{"web"},
		},
		{
			name: "after-web",
			want: &Chain{Target: "after-web", Names: []string{"after-web", "web"}, Source: Source{Kind: SourceWebIdentity, Profile: "web",
				Setting: val("/var/run/token", "config", 54), Temporary: true}},
			wantHops: []string{"web", "after-web"},
		},
		{
			// A source profile with static keys uses them even when it sets role_arn.
			name:     "uses-keyed",
			want:     &Chain{Target: "uses-keyed", Names: []string{"uses-keyed", "keyed-role"}, Source: staticOf("keyed-role", 10)},
			wantHops: []string{"uses-keyed"},
		},
		{
			name: "temp",
			want: &Chain{Target: "temp", Names: []string{"temp"}, Source: Source{Kind: SourceStatic, Profile: "temp",
				Setting: val("ASIAFAKEFAKEFAKE0001", "config", 69), Temporary: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Resolve(tt.name)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			var hops []string
			for _, h := range got.Hops {
				hops = append(hops, h.Profile)
			}
			if diff := cmp.Diff(tt.wantHops, hops); diff != "" {
				t.Errorf("hops (-want +got):\n%s", diff)
			}
			got.Hops = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("chain (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveHopSettings(t *testing.T) {
	c := load(t, chainConfig, chainCreds)
	ch, err := c.Resolve("dev")
	if err != nil {
		t.Fatal(err)
	}
	want := []Hop{{
		Profile:         "dev",
		RoleARN:         val("arn:aws:iam::222222222222:role/dev", "config", 6),
		Duration:        val("7200", "config", 8),
		DurationSeconds: 7200,
		ExternalID:      val("ext-1", "config", 9),
	}}
	if diff := cmp.Diff(want, ch.Hops); diff != "" {
		t.Errorf("hops (-want +got):\n%s", diff)
	}
}

func TestResolveErrors(t *testing.T) {
	config := `[profile a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = b
[profile b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = c
[profile c]
role_arn = arn:aws:iam::123456789012:role/c
source_profile = a
[profile loop]
role_arn = arn:aws:iam::123456789012:role/loop
source_profile = loop
[profile missing]
role_arn = arn:aws:iam::123456789012:role/m
source_profile = bsae
[profile both]
role_arn = arn:aws:iam::123456789012:role/both
source_profile = base
credential_source = Environment
[profile badsrc]
role_arn = arn:aws:iam::123456789012:role/x
credential_source = environment
[profile nosource]
role_arn = arn:aws:iam::123456789012:role/x
[profile empty]
region = us-east-1
[profile halfkey]
aws_access_key_id = AKIAFAKEFAKEFAKE0001
[profile baddur]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = base
duration_seconds = 1h
[profile nosso]
sso_session = nope
[profile base]
aws_access_key_id = AKIAFAKEFAKEFAKE0001
aws_secret_access_key = fake
`
	c := load(t, config, "")
	tests := []struct {
		profile string
		want    string
		check   func(t *testing.T, err error)
	}{
		{"a", "config:9: source_profile cycle: a -> b -> c -> a", func(t *testing.T, err error) {
			var ce *CycleError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCycle) {
				t.Errorf("want *CycleError, got %T", err)
			}
		}},
		{"loop", "config:12: source_profile cycle: loop -> loop", nil},
		{"missing", `config:15: profile missing: source_profile "bsae" names no profile in either file (did you mean "base"?) (fix: fix the name, or add a [profile bsae] section with credentials)`, nil},
		{"both", "config:19: profile both: sets both source_profile (config:18) and credential_source (config:19); the AWS CLI refuses that (fix: keep only one of the two)", nil},
		{"badsrc", `config:22: profile badsrc: credential_source "environment" is not one of Environment, Ec2InstanceMetadata, EcsContainer (fix: use Environment, Ec2InstanceMetadata or EcsContainer (spelled exactly so))`, nil},
		{"nosource", "config:24: profile nosource: role_arn is set but nothing says which credentials call AssumeRole (fix: add source_profile = PROFILE (or credential_source = Environment|Ec2InstanceMetadata|EcsContainer))", nil},
		{"empty", "config:25: profile empty: has no credentials: no role_arn, static keys, keys in the keyring, credential_process, sso or login_session settings (fix: store keys with `switcher keys add empty`, or add aws_access_key_id and aws_secret_access_key (credentials file), credential_process, sso_session, or log in with `aws login --profile empty`)", nil},
		{"halfkey", "config:28: profile halfkey: aws_access_key_id is set without aws_secret_access_key (fix: add aws_secret_access_key to the same section)", nil},
		{"nosso", `config:34: profile nosso: sso_session "nope" names no [sso-session nope] section (fix: add [sso-session nope] with sso_start_url and sso_region, or fix the name)`, nil},
		{"prdo", `unknown profile "prdo" (see 'switcher list')`, func(t *testing.T, err error) {
			if !errors.Is(err, ErrUnknownProfile) {
				t.Errorf("want ErrUnknownProfile, got %v", err)
			}
		}},
		{"bas", `unknown profile "bas": did you mean "base"?`, nil},
		{"BOTH", `unknown profile "BOTH": did you mean "both"?`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			_, err := c.Resolve(tt.profile)
			if err == nil {
				t.Fatal("Resolve: no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestResolveIgnoresNonIntegerDuration(t *testing.T) {
	// The AWS CLI ignores a duration_seconds it cannot read; so does
	// Resolve (Plan and Doctor warn).
	c := load(t, "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\ncredential_source = Environment\nduration_seconds = 1h\n", "")
	ch, err := c.Resolve("a")
	if err != nil {
		t.Fatal(err)
	}
	if h := ch.Hops[0]; h.DurationSeconds != 0 || h.Duration != val("1h", "config", 4) {
		t.Errorf("hop = %+v, want duration 0 with the raw value kept", h)
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"prod", "prod-admin", "production", "dev", "staging", "Prod-EU"}
	tests := []struct {
		in   string
		want []string
	}{
		{"prod", []string{"prod", "prod-admin", "production"}},
		{"prdo", []string{"prod"}},
		{"stagin", []string{"staging"}},
		{"zzzzzz", []string{}},
		{"DEV", []string{"dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Suggest(tt.in, names, 3)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveChainSettings(t *testing.T) {
	config := `[profile src]
region = us-east-1
mfa_session_duration = 3600
mfa_process = src-otp
endpoint_url = http://src
[profile mid]
role_arn = arn:aws:iam::123456789012:role/mid
source_profile = src
mfa_session_duration = 7200
services = local
[profile top]
role_arn = arn:aws:iam::123456789012:role/top
source_profile = mid
s3 =
  max_concurrent_requests = 10
[services local]
sts =
  endpoint_url = http://mid-sts
`
	creds := "[src]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n"
	c := load(t, config, creds)
	ch, err := c.Resolve("top")
	if err != nil {
		t.Fatal(err)
	}
	got := []Value{ch.Region, ch.MFAProcess, ch.MFASessionDuration, ch.EndpointURL}
	want := []Value{
		val("us-east-1", "config", 2),       // the first region, target first: only src sets one
		val("src-otp", "config", 4),         // likewise
		val("3600", "config", 3),            // the source profile's wins over mid's
		val("http://mid-sts", "config", 18), // mid's services section comes before src's endpoint_url
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	top, _ := c.Profile("top")
	wantSub := map[string]map[string]Value{"s3": {"max_concurrent_requests": val("10", "config", 15)}}
	if diff := cmp.Diff(wantSub, top.Sub); diff != "" {
		t.Errorf("nested (-want +got):\n%s", diff)
	}
	if v, ok := top.Get("s3"); ok {
		t.Errorf("s3 parent key reads as set: %+v", v)
	}
}

package profiles

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const planConfig = `[profile base]
mfa_serial = arn:aws:iam::111111111111:mfa/alice
mfa_session_duration = 28800

[profile plain]
role_arn = arn:aws:iam::222222222222:role/plain

[profile nomfa]
role_arn = arn:aws:iam::222222222222:role/nomfa
source_profile = nomfa-keys

[profile dev]
role_arn = arn:aws:iam::222222222222:role/dev
source_profile = base
duration_seconds = 3600

[profile ops]
role_arn = arn:aws:iam::333333333333:role/ops
source_profile = dev
duration_seconds = 7200

[profile long]
role_arn = arn:aws:iam::444444444444:role/long
source_profile = base
duration_seconds = 7200

[profile from-temp]
role_arn = arn:aws:iam::555555555555:role/t
source_profile = temp
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile other-device]
role_arn = arn:aws:iam::666666666666:role/o
source_profile = dev
mfa_serial = arn:aws:iam::666666666666:mfa/alice

[profile web2]
role_arn = arn:aws:iam::777777777777:role/w2
source_profile = web

[profile web]
role_arn = arn:aws:iam::777777777777:role/w
web_identity_token_file = /var/run/token
duration_seconds = 7200
`

const planCreds = `[base]
aws_access_key_id = AKIAFAKEFAKEFAKE0001
aws_secret_access_key = fake

[nomfa-keys]
aws_access_key_id = AKIAFAKEFAKEFAKE0002
aws_secret_access_key = fake

[temp]
aws_access_key_id = ASIAFAKEFAKEFAKE0003
aws_secret_access_key = fake
aws_session_token = fake
`

func TestPlan(t *testing.T) {
	c := load(t, planConfig, planCreds)
	const alice = "arn:aws:iam::111111111111:mfa/alice"
	tests := []struct {
		name      string
		opt       PlanOptions
		wantMode  MFAMode
		wantSteps []Step
		wantFind  []Finding
	}{
		{
			name:     "nomfa",
			wantMode: MFANone,
			wantSteps: []Step{{Kind: StepAssumeRole, Hop: 0, Profile: "nomfa", RoleARN: "arn:aws:iam::222222222222:role/nomfa",
				SignedBy: "static keys of nomfa-keys (credentials:6)", GrantedSeconds: 3600}},
		},
		{
			name:     "ops", // MFA session, two hops, the second asking 2h: capped
			wantMode: MFASession,
			wantSteps: []Step{
				{Kind: StepGetSessionToken, Hop: -1, Profile: "base", SignedBy: "static keys of base (credentials:2)",
					MFASerial: alice, RequestedSeconds: 28800, GrantedSeconds: 28800, DurationPos: at("config", 3)},
				{Kind: StepAssumeRole, Hop: 0, Profile: "dev", RoleARN: "arn:aws:iam::222222222222:role/dev",
					SignedBy: "MFA session of base (GetSessionToken with the keys at credentials:2)", Chained: true,
					RequestedSeconds: 3600, GrantedSeconds: 3600, DurationPos: at("config", 15)},
				{Kind: StepAssumeRole, Hop: 1, Profile: "ops", RoleARN: "arn:aws:iam::333333333333:role/ops",
					SignedBy: "role session of dev (hop 1, role_arn at config:13)", Chained: true,
					RequestedSeconds: 7200, GrantedSeconds: 3600, Capped: true, DurationPos: at("config", 20)},
			},
			wantFind: []Finding{{Severity: SeverityWarning, Profile: "ops", Key: KeyDurationSeconds, Pos: at("config", 20),
				Message: "ops asks for 7200s (2h) but this AssumeRole is signed by role session of dev (hop 1, role_arn at config:13), so AWS caps role chaining at 1h; switcher asks for 1h",
				Fix:     "set duration_seconds = 3600 or less: a role assumed with temporary credentials (an MFA session or another role) lasts at most 1 hour"}},
		},
		{
			name:     "long", // single hop asking 2h: MFA directly on AssumeRole
			wantMode: MFADirect,
			wantSteps: []Step{{Kind: StepAssumeRole, Hop: 0, Profile: "long", RoleARN: "arn:aws:iam::444444444444:role/long",
				SignedBy: "static keys of base (credentials:2)", MFASerial: alice,
				RequestedSeconds: 7200, GrantedSeconds: 7200, DurationPos: at("config", 25)}},
		},
		{
			name:     "dev with --duration 2h",
			opt:      PlanOptions{DurationSeconds: 7200},
			wantMode: MFADirect,
			wantSteps: []Step{{Kind: StepAssumeRole, Hop: 0, Profile: "dev", RoleARN: "arn:aws:iam::222222222222:role/dev",
				SignedBy: "static keys of base (credentials:2)", MFASerial: alice,
				RequestedSeconds: 7200, GrantedSeconds: 7200, DurationPos: FlagDuration}},
		},
		{
			name:     "from-temp", // temporary source: direct, chained
			wantMode: MFADirect,
			wantSteps: []Step{{Kind: StepAssumeRole, Hop: 0, Profile: "from-temp", RoleARN: "arn:aws:iam::555555555555:role/t",
				SignedBy: "temporary keys of temp (credentials:10)", Chained: true, MFASerial: alice, GrantedSeconds: 3600}},
		},
		{
			name:     "other-device",
			wantMode: MFASession,
			wantSteps: []Step{
				{Kind: StepGetSessionToken, Hop: -1, Profile: "base", SignedBy: "static keys of base (credentials:2)",
					MFASerial: alice, RequestedSeconds: 28800, GrantedSeconds: 28800, DurationPos: at("config", 3)},
				{Kind: StepAssumeRole, Hop: 0, Profile: "dev", RoleARN: "arn:aws:iam::222222222222:role/dev",
					SignedBy: "MFA session of base (GetSessionToken with the keys at credentials:2)", Chained: true,
					RequestedSeconds: 3600, GrantedSeconds: 3600, DurationPos: at("config", 15)},
				{Kind: StepAssumeRole, Hop: 1, Profile: "other-device", RoleARN: "arn:aws:iam::666666666666:role/o",
					SignedBy: "role session of dev (hop 1, role_arn at config:13)", Chained: true, MFASerial: "arn:aws:iam::666666666666:mfa/alice",
					GrantedSeconds: 3600},
			},
			wantFind: []Finding{{Severity: SeverityWarning, Profile: "other-device", Key: KeyMFASerial, Pos: at("config", 35),
				Message: "mfa_serial arn:aws:iam::666666666666:mfa/alice differs from arn:aws:iam::111111111111:mfa/alice (config:2), so this hop needs a second MFA code",
				Fix:     "use the same mfa_serial along the chain if one device can satisfy every role's trust policy"}},
		},
		{
			name:     "web2",
			wantMode: MFANone,
			wantSteps: []Step{
				{Kind: StepAssumeRoleWithWebIdentity, Hop: 0, Profile: "web", RoleARN: "arn:aws:iam::777777777777:role/w",
					SignedBy: "web identity token of web (config:43)", RequestedSeconds: 7200, GrantedSeconds: 7200, DurationPos: at("config", 44)},
				{Kind: StepAssumeRole, Hop: 1, Profile: "web2", RoleARN: "arn:aws:iam::777777777777:role/w2",
					SignedBy: "role session of web (hop 1, role_arn at config:42)", Chained: true, GrantedSeconds: 3600},
			},
		},
		{
			name:     "base", // a profile of static keys with mfa_serial: one GetSessionToken
			wantMode: MFASession,
			wantSteps: []Step{{Kind: StepGetSessionToken, Hop: -1, Profile: "base", SignedBy: "static keys of base (credentials:2)",
				MFASerial: alice, RequestedSeconds: 28800, GrantedSeconds: 28800, DurationPos: at("config", 3)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile := tt.name
			if i := len("dev with"); len(profile) > i && profile[:i] == "dev with" {
				profile = "dev"
			}
			pl, err := c.Plan(profile, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if pl.MFA != tt.wantMode {
				t.Errorf("mode = %v, want %v", pl.MFA, tt.wantMode)
			}
			if diff := cmp.Diff(tt.wantSteps, pl.Steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantFind, pl.Findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanWebIdentityIgnoresMFA(t *testing.T) {
	c := load(t, "[profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /t\nmfa_serial = arn:aws:iam::123456789012:mfa/x\n", "")
	pl, err := c.Plan("w", PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pl.MFA != MFANone || len(pl.Steps) != 1 || pl.Steps[0].MFASerial != "" {
		t.Errorf("plan = %v, steps %+v; want no MFA", pl.MFA, pl.Steps)
	}
	if got := summary(pl.Findings); len(got) != 1 || got[0] != "config:4 warning mfa_serial: mfa_serial is ignored: AssumeRoleWithWebIdentity takes no MFA code" {
		t.Errorf("findings = %q", got)
	}
}

func TestPlanFindings(t *testing.T) {
	config := `[profile bad]
role_arn = arn:aws:iam::1234:role/x
source_profile = k
role_session_name = a b
external_id = x
duration_seconds = 100
source_identity = aws:me
session_tags = a
transitive_session_tags = aws:t
mfa_serial = short
[profile k]
aws_access_key_id = AKIAFAKEFAKEFAKE0001
aws_secret_access_key = fake
mfa_session_duration = 10
`
	c := load(t, config, "")
	pl, err := c.Plan("bad", PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range pl.Findings {
		got = append(got, f.Pos.String()+" "+f.Severity.String()+" "+f.Key)
	}
	want := []string{
		"config:2 error role_arn",
		"config:4 error role_session_name",
		"config:5 error external_id",
		"config:6 error duration_seconds",
		"config:7 error source_identity",
		"config:8 error session_tags",
		"config:9 error transitive_session_tags",
		"config:10 error mfa_serial",
		"config:14 error mfa_session_duration",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

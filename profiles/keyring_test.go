package profiles

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const keyringConfig = `[profile alice]
region = eu-west-1
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile ops]
role_arn = arn:aws:iam::222222222222:role/ops
source_profile = alice

[profile both]
region = us-east-1

[profile plain]
region = us-east-1
`

const keyringCredentials = `[both]
aws_access_key_id = AKIAFAKEBOTH00000001
aws_secret_access_key = fake

[plain]
aws_access_key_id = AKIAFAKEPLAIN0000001
aws_secret_access_key = fake
`

func keyringTestConfig(t *testing.T) *Config {
	t.Helper()
	cfg, err := Load("config", []byte(keyringConfig), "credentials", []byte(keyringCredentials))
	if err != nil {
		t.Fatal(err)
	}
	cfg.AddKeyring(map[string]string{"alice": "secret-service", "both": "file", "solo": "file"})
	return cfg
}

func TestKeyringSource(t *testing.T) {
	cfg := keyringTestConfig(t)
	tests := []struct {
		profile string
		kind    SourceKind
		mfa     MFAMode
		steps   []StepKind
	}{
		{"alice", SourceKeyring, MFASession, []StepKind{StepGetSessionToken}},
		{"ops", SourceKeyring, MFASession, []StepKind{StepGetSessionToken, StepAssumeRole}},
		{"both", SourceKeyring, MFANone, []StepKind{StepGetSessionToken}}, // the keyring wins over the file
		{"solo", SourceKeyring, MFANone, []StepKind{StepGetSessionToken}}, // in no file at all
		{"plain", SourceStatic, MFANone, []StepKind{StepGetSessionToken}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			pl, err := cfg.Plan(tt.profile, PlanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var steps []StepKind
			for _, s := range pl.Steps {
				steps = append(steps, s.Kind)
			}
			got := []any{pl.Chain.Source.Kind, pl.MFA, steps}
			if diff := cmp.Diff([]any{tt.kind, tt.mfa, tt.steps}, got); diff != "" {
				t.Errorf("source, mfa, steps (-want +got):\n%s", diff)
			}
			if tt.kind == SourceKeyring && !strings.Contains(pl.Steps[0].SignedBy, "in the keyring") {
				t.Errorf("signed by %q", pl.Steps[0].SignedBy)
			}
		})
	}
}

// TestNoSession: a profile without a role hands out a session of its keys,
// unless --no-session; a role chain is unchanged by it.
func TestNoSession(t *testing.T) {
	cfg := keyringTestConfig(t)
	for _, tt := range []struct {
		profile string
		steps   int
		mfa     MFAMode
	}{{"plain", 0, MFANone}, {"alice", 0, MFANone}, {"ops", 2, MFASession}} {
		pl, err := cfg.Plan(tt.profile, PlanOptions{NoSession: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(pl.Steps) != tt.steps || pl.MFA != tt.mfa {
			t.Errorf("%s --no-session: %d steps, mfa %s; want %d, %s", tt.profile, len(pl.Steps), pl.MFA, tt.steps, tt.mfa)
		}
	}
}

func TestKeyringDoctorAndRows(t *testing.T) {
	cfg := keyringTestConfig(t)
	var both []string
	for _, f := range cfg.Doctor() {
		if f.Profile == "both" {
			both = append(both, f.Pos.String()+" "+f.Message)
		}
	}
	want := []string{"credentials:2 both has keys in the keyring (file) and in credentials:2: switcher uses the keyring's, while the AWS CLI and SDKs use the file's"}
	if diff := cmp.Diff(want, both); diff != "" {
		t.Errorf("doctor on both (-want +got):\n%s", diff)
	}
	sources := map[string]string{}
	for _, r := range cfg.Rows() {
		sources[r.Name] = r.Source
	}
	if diff := cmp.Diff(map[string]string{"alice": "keyring (secret-service)", "ops": "keyring (secret-service)",
		"both": "keyring (file)", "plain": "static keys", "solo": "keyring (file)"}, sources); diff != "" {
		t.Errorf("list sources (-want +got):\n%s", diff)
	}
}

package profiles

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidators(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(string) error
		in      string
		wantErr string // "" means valid
	}{
		{"session name ok", ValidateSessionName, "alice@example.com", ""},
		{"session name all chars", ValidateSessionName, "a_b+c=d,e.f@g-h", ""},
		{"session name short", ValidateSessionName, "a", `role_session_name "a" must be 2-64 characters long (it has 1)`},
		{"session name long", ValidateSessionName, strings.Repeat("a", 65), "role_session_name \"" + strings.Repeat("a", 65) + "\" must be 2-64 characters long (it has 65)"},
		{"session name space", ValidateSessionName, "alice smith", `role_session_name "alice smith" has ' ': only letters, digits and _+=,.@- are allowed`},
		{"session name colon", ValidateSessionName, "a:b", `role_session_name "a:b" has ':': only letters, digits and _+=,.@- are allowed`},
		{"external id ok", ValidateExternalID, "arn:aws:foo/bar-1", ""},
		{"external id max", ValidateExternalID, strings.Repeat("x", 1224), ""},
		{"external id too long", ValidateExternalID, strings.Repeat("x", 1225), "external_id \"" + strings.Repeat("x", 1225) + "\" must be 2-1224 characters long (it has 1225)"},
		{"external id bad", ValidateExternalID, "a b", `external_id "a b" has ' ': only letters, digits and _+=,.@:/- are allowed`},
		{"role arn", ValidateRoleARN, "arn:aws:iam::123456789012:role/admin", ""},
		{"role arn path", ValidateRoleARN, "arn:aws:iam::123456789012:role/team/ops/admin", ""},
		{"role arn gov", ValidateRoleARN, "arn:aws-us-gov:iam::123456789012:role/admin", ""},
		{"role arn cn", ValidateRoleARN, "arn:aws-cn:iam::123456789012:role/admin", ""},
		{"role arn short account", ValidateRoleARN, "arn:aws:iam::12345678901:role/admin", `role_arn "arn:aws:iam::12345678901:role/admin" has account "12345678901" (want 12 digits)`},
		{"role arn user", ValidateRoleARN, "arn:aws:iam::123456789012:user/admin", `role_arn "arn:aws:iam::123456789012:user/admin" is not a role ARN (want arn:aws:iam::123456789012:role/NAME)`},
		{"role arn sts", ValidateRoleARN, "arn:aws:sts::123456789012:role/admin", `role_arn "arn:aws:sts::123456789012:role/admin" is not an IAM ARN (want arn:aws:iam::123456789012:role/NAME)`},
		{"role arn not arn", ValidateRoleARN, "admin", `role_arn "admin" is not an ARN (want arn:aws:iam::123456789012:role/NAME)`},
		{"role arn partition", ValidateRoleARN, "arn:gcp:iam::123456789012:role/admin", `role_arn "arn:gcp:iam::123456789012:role/admin" has partition "gcp" (want aws, aws-cn, aws-us-gov, ...)`},
		{"role arn empty name", ValidateRoleARN, "arn:aws:iam::123456789012:role/", `role_arn "arn:aws:iam::123456789012:role/": the role name must be 1-64 characters`},
		{"mfa arn", ValidateMFASerial, "arn:aws:iam::123456789012:mfa/alice", ""},
		{"mfa hardware", ValidateMFASerial, "GAHT12345678", ""},
		{"mfa short", ValidateMFASerial, "GAHT1234", `mfa_serial "GAHT1234" is neither an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) nor a 9-256 character hardware serial`},
		{"mfa bad arn", ValidateMFASerial, "arn:aws:iam::123456789012:user/alice", `mfa_serial "arn:aws:iam::123456789012:user/alice" is not a mfa ARN (want arn:aws:iam::123456789012:mfa/NAME)`},
		{"mfa space", ValidateMFASerial, "GAHT 12345678", `mfa_serial "GAHT 12345678" has ' ': a hardware serial holds only letters, digits and _+=/:,.@-`},
		{"source identity", ValidateSourceIdentity, "alice", ""},
		{"source identity aws", ValidateSourceIdentity, "aws:alice", `source_identity "aws:alice" must not start with aws:`},
		{"source identity short", ValidateSourceIdentity, "a", `source_identity "a" must be 2-64 characters long (it has 1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fn(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error, got nil")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateDurations(t *testing.T) {
	tests := []struct {
		fn   func(int) error
		in   int
		want bool
	}{
		{ValidateDuration, 899, false},
		{ValidateDuration, 900, true},
		{ValidateDuration, 43200, true},
		{ValidateDuration, 43201, false},
		{ValidateMFASessionDuration, 899, false},
		{ValidateMFASessionDuration, 900, true},
		{ValidateMFASessionDuration, 129600, true},
		{ValidateMFASessionDuration, 129601, false},
	}
	for _, tt := range tests {
		err := tt.fn(tt.in)
		if (err == nil) != tt.want {
			t.Errorf("%d: err = %v, want valid %v", tt.in, err, tt.want)
		}
	}
}

func TestParseSessionTags(t *testing.T) {
	many := strings.TrimSuffix(strings.Repeat("k=v,", 51), ",")
	var fifty []string
	for i := range 50 {
		fifty = append(fifty, "k"+string(rune('A'+i%26))+string(rune('a'+i/26))+"=v")
	}
	tests := []struct {
		in      string
		want    []Tag
		wantErr string
	}{
		{"", nil, ""},
		{"team=infra, env = prod", []Tag{{"team", "infra"}, {"env", "prod"}}, ""},
		{"empty=", []Tag{{"empty", ""}}, ""},
		{"team", nil, `session_tags entry "team" is not key=value`},
		{"=x", nil, `session_tags tag key "" must be 1-128 characters`},
		{"aws:x=1", nil, `session_tags tag key "aws:x" must not start with aws:`},
		{"a=1,A=2", nil, `session_tags tag key "A" appears twice`},
		{"a=b*c", nil, `session_tags tag "a": the value has '*': only letters, digits, spaces and _.:/=+-@ are allowed`},
		{strings.Repeat("k", 129) + "=v", nil, "session_tags tag key \"" + strings.Repeat("k", 129) + "\" must be 1-128 characters"},
		{"k=" + strings.Repeat("v", 257), nil, `session_tags tag "k": the value must be at most 256 characters`},
		{many, nil, "session_tags has 51 tags; STS allows at most 50"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 20)], func(t *testing.T) {
			got, err := ParseSessionTags(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if tags, err := ParseSessionTags(strings.Join(fifty, ",")); err != nil || len(tags) != 50 {
		t.Errorf("50 tags: %d, %v", len(tags), err)
	}
}

func TestParseTransitiveTags(t *testing.T) {
	got, err := ParseTransitiveTags("team, env")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"team", "env"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseTransitiveTags("team,,env"); err == nil {
		t.Error("empty key accepted")
	}
}

func TestARNHelpers(t *testing.T) {
	tests := []struct{ arn, account, role string }{
		{"arn:aws:iam::123456789012:role/admin", "123456789012", "admin"},
		{"arn:aws:iam::123456789012:role/team/ops/admin", "123456789012", "admin"},
		{"arn:aws:iam::123456789012:user/bob", "123456789012", ""},
		{"nonsense", "", ""},
	}
	for _, tt := range tests {
		if got := AccountFromARN(tt.arn); got != tt.account {
			t.Errorf("AccountFromARN(%q) = %q, want %q", tt.arn, got, tt.account)
		}
		if got := RoleNameFromARN(tt.arn); got != tt.role {
			t.Errorf("RoleNameFromARN(%q) = %q, want %q", tt.arn, got, tt.role)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"3600", 3600, true},
		{"1h", 3600, true},
		{"90m", 5400, true},
		{"1h30m", 5400, true},
		{" 900 ", 900, true},
		{"0", 0, false},
		{"-5", 0, false},
		{"1.5s", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseDuration(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestSessionPolicyLimits(t *testing.T) {
	stmt := `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}`
	big := `{"Version":"2012-10-17","Statement":[` + strings.TrimSuffix(strings.Repeat(stmt+",", 40), ",") + `]}`
	spaced := "{\n  \"Version\": \"2012-10-17\",\n" + strings.Repeat("  ", 2000) + "\"Statement\": []\n}"
	tests := []struct {
		name, policy, want, err string
	}{
		{"compacted", "{ \"Version\" : \"2012-10-17\" ,\n \"Statement\": [] }", `{"Version":"2012-10-17","Statement":[]}`, ""},
		{"white space does not count", spaced, `{"Version":"2012-10-17","Statement":[]}`, ""},
		{"not JSON", "{not json", "", "is not a JSON policy document"},
		{"not an object", `["a"]`, "", "is not a JSON policy document"},
		{"over 2048 characters", big, "", "over STS's 2048"},
		{"a character STS refuses", "{\"Version\":\"2012-10-17\",\"Sid\":\"caf\u0101\"}", "", "U+0020 to U+00FF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CompactPolicy(KeySessionPolicy, tt.policy)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("CompactPolicy: %q, %v; want an error with %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CompactPolicy = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	arns := []struct {
		name, in string
		n        int
		err      string
	}{
		{"AWS managed and customer managed", "arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::123456789012:policy/team/Extra", 2, ""},
		{"ten", strings.Repeat("arn:aws:iam::aws:policy/ReadOnlyAccess,", 10), 10, ""},
		{"eleven", strings.Repeat("arn:aws:iam::aws:policy/ReadOnlyAccess,", 11), 0, "at most 10"},
		{"a role ARN", "arn:aws:iam::123456789012:role/x", 0, "is not a policy ARN"},
		{"a short account", "arn:aws:iam::123:policy/x", 0, "want 12 digits"},
		{"none", " , ", 0, "names no policy ARN"},
	}
	for _, tt := range arns {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePolicyARNs(KeySessionPolicyARNs, tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParsePolicyARNs: %v, %v; want an error with %q", got, err, tt.err)
				}
				return
			}
			if err != nil || len(got) != tt.n {
				t.Fatalf("ParsePolicyARNs = %v, %v; want %d ARNs", got, err, tt.n)
			}
		})
	}
}

// TestPlanSessionPolicies: a hop's session_policy and session_policy_arns
// are its step's, the flags scope the final hop, and bad values are
// findings at their position.
func TestPlanSessionPolicies(t *testing.T) {
	c := load(t, `[profile a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = k
session_policy = {"Version":"2012-10-17","Statement":[]}
[profile b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = a
[profile bad]
role_arn = arn:aws:iam::123456789012:role/c
source_profile = k
session_policy = {oops
session_policy_arns = arn:aws:iam::123456789012:role/notapolicy
`, "[k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n")
	pl, err := c.Plan("b", PlanOptions{SessionPolicyARNs: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.Steps[0].Policy; got.Value == "" || got.Pos.Line != 4 {
		t.Errorf("hop a's policy %+v, want the one at config:4", got)
	}
	if got := pl.Steps[1].PolicyARNs; got.Value != "arn:aws:iam::aws:policy/ReadOnlyAccess" || got.Pos != FlagSessionPolicyARNs {
		t.Errorf("the final hop's ARNs %+v, want the flag's", got)
	}
	pl, err = c.Plan("bad", PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range pl.Findings {
		if f.Severity == SeverityError {
			keys = append(keys, f.Key+"@"+f.Pos.String())
		}
	}
	if diff := cmp.Diff([]string{"session_policy@config:11", "session_policy_arns@config:12"}, keys); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

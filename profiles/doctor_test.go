package profiles

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// summary renders findings as "file:line severity key: message".
func summary(fs []Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s: %s", f.Pos, f.Severity, f.Key, f.Message))
	}
	return out
}

func TestDoctorClean(t *testing.T) {
	c := load(t, chainConfig, chainCreds)
	for _, f := range c.Doctor() {
		if f.Severity == SeverityError {
			t.Errorf("unexpected error: %s: %s", f.Pos, f.Message)
		}
	}
}

func TestDoctorRules(t *testing.T) {
	tests := []struct {
		name          string
		config, creds string
		want          []string
	}{
		{
			name:   "cycle reported once",
			config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n[profile c]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = a\n",
			want:   []string{"config:6 error source_profile: source_profile cycle: a -> b -> a"},
		},
		{
			name:   "missing source",
			config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = nope\n",
			want:   []string{`config:3 error source_profile: source_profile "nope" names no profile in either file`},
		},
		{
			name:   "both source_profile and credential_source",
			config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = k\ncredential_source = Environment\n[profile k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n",
			want:   []string{"config:4 error credential_source: sets both source_profile (config:3) and credential_source (config:4); the AWS CLI refuses that"},
		},
		{
			name:   "unknown credential_source",
			config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\ncredential_source = Ec2\n",
			want:   []string{`config:3 error credential_source: credential_source "Ec2" is not one of Environment, Ec2InstanceMetadata, EcsContainer`},
		},
		{
			name:   "role_arn with no source",
			config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\n",
			want:   []string{"config:2 error role_arn: role_arn is set but nothing says which credentials call AssumeRole"},
		},
		{
			name:   "values outside STS limits",
			config: "[profile a]\nrole_arn = arn:aws:iam::123:role/a\ncredential_source = Environment\nduration_seconds = 50000\nrole_session_name = x\nexternal_id = a b\nsource_identity = aws:x\n",
			want: []string{
				`config:2 error role_arn: role_arn "arn:aws:iam::123:role/a" has account "123" (want 12 digits)`,
				"config:4 error duration_seconds: duration_seconds 50000 is outside STS's range 900-43200 seconds (15 minutes to 12 hours)",
				"config:4 warning duration_seconds: a asks for 50000s (13h53m20s); if the environment holds temporary credentials, AWS caps the session at 1h",
				`config:5 error role_session_name: role_session_name "x" must be 2-64 characters long (it has 1)`,
				`config:6 error external_id: external_id "a b" has ' ': only letters, digits and _+=,.@:/- are allowed`,
				`config:7 error source_identity: source_identity "aws:x" must not start with aws:`,
			},
		},
		{
			name:   "non-integer duration",
			config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\ncredential_source = Environment\nduration_seconds = 2h\n",
			want:   []string{`config:4 warning duration_seconds: duration_seconds "2h" is not a whole number of seconds: it is ignored (as the AWS CLI ignores it) and STS's default of 1h applies`},
		},
		{
			name:   "chained hop asking more than an hour",
			config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\ncredential_source = Ec2InstanceMetadata\nduration_seconds = 7200\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\nduration_seconds = 7200\n",
			want: []string{
				"config:4 warning duration_seconds: a asks for 7200s (2h) but this AssumeRole is signed by the EC2 instance role (credential_source of a, config:3), so AWS caps role chaining at 1h; switcher asks for 1h",
				"config:8 warning duration_seconds: b asks for 7200s (2h) but this AssumeRole is signed by role session of a (hop 1, role_arn at config:2), so AWS caps role chaining at 1h; switcher asks for 1h",
			},
		},
		{
			// dev alone gets 2h with MFA on AssumeRole; through top it is
			// signed by an MFA session and capped.
			name:   "hop capped only through a longer chain",
			config: "[profile k]\nmfa_serial = arn:aws:iam::123456789012:mfa/a\n[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = k\nduration_seconds = 7200\n[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = dev\n",
			creds:  "[k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n",
			want: []string{
				"config:6 warning duration_seconds: dev asks for 7200s (2h) but this AssumeRole is signed by MFA session of k (GetSessionToken with the keys at credentials:2), so AWS caps role chaining at 1h; switcher asks for 1h",
			},
		},
		{
			name:   "shadowed role profile",
			config: "[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/p\nsource_profile = k\n[profile k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n",
			creds:  "[prod]\naws_access_key_id = ASIAFAKE\naws_secret_access_key = x\naws_session_token = t\n",
			want:   []string{"credentials:1 warning : [prod] in the credentials file shadows role profile prod (config:1): the AWS CLI assumes the role, but tools that read only the credentials file use these keys instead"},
		},
		{
			name:   "differing mfa_serial",
			config: "[profile k]\nmfa_serial = arn:aws:iam::123456789012:mfa/a\n[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = k\nmfa_serial = arn:aws:iam::999999999999:mfa/b\n",
			creds:  "[k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n",
			want:   []string{"config:6 warning mfa_serial: mfa_serial arn:aws:iam::999999999999:mfa/b differs from arn:aws:iam::123456789012:mfa/a (config:2), so this hop needs a second MFA code"},
		},
		{
			name:   "section without profile prefix",
			config: "[dev]\nregion = us-east-1\n[plugins]\nx = y\n",
			want:   []string{"config:1 warning : the AWS CLI ignores [dev] in the config file: profiles there are written [profile NAME]"},
		},
		{
			name:   "duplicate sections and keys",
			config: "[profile a]\nregion = us-east-1\nregion = eu-west-1\n[profile a]\noutput = json\n[default]\n[profile default]\n",
			want: []string{
				"config:3 error region: region is set 2 times in [profile a] (lines 2, 3); the last one wins here, but the AWS CLI refuses to read the file",
				"config:4 error : section [profile a] appears twice in the config file (first at line 1); switcher merges them, later keys winning, but the AWS CLI refuses to read the file",
				"config:7 warning : profile default is defined by both [default] and [profile default]; switcher merges them, later keys winning",
			},
		},
		{
			name:   "source with role and keys",
			config: "[profile k]\nrole_arn = arn:aws:iam::123456789012:role/k\nsource_profile = k\n[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = k\n",
			creds:  "[k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n",
			want:   []string{"config:2 warning role_arn: k is used as a source_profile and has keys of its own: as a source its keys are used and its role_arn is ignored (as the AWS CLI does)"},
		},
		{
			name:   "source without credentials",
			config: "[profile k]\nregion = us-east-1\n[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = k\n[profile lonely]\nregion = us-east-1\n",
			want:   []string{"config:1 error : is used as a source_profile but has no credentials: no role_arn, static keys, keys in the keyring, credential_process, sso or login_session settings"},
		},
		{
			name:   "missing services section, bad mfa_session_duration",
			config: "[profile k]\nservices = nope\nmfa_session_duration = 200000\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n",
			want: []string{
				`config:2 warning services: services "nope" names no [services nope] section`,
				"config:3 error mfa_session_duration: mfa_session_duration 200000 is outside STS's range 900-129600 seconds (15 minutes to 36 hours)",
			},
		},
		{
			name:  "credentials section named profile X",
			creds: "[profile k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = x\n",
			want:  []string{`credentials:1 warning : in the credentials file a section is named after the profile itself: [profile k] defines a profile named "profile k"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := load(t, tt.config, tt.creds)
			got := summary(c.Doctor())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, f := range c.Doctor() {
				if f.Fix == "" {
					t.Errorf("finding without a fix: %s", f.Message)
				}
				if f.Pos.Line == 0 {
					t.Errorf("finding without a line: %s", f.Message)
				}
			}
		})
	}
}

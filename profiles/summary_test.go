package profiles

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkSummaries fails t unless Summarize gives, for every profile of c
// (and one unknown name), what Plan(name, PlanOptions{}) gives.
func checkSummaries(t *testing.T, c *Config) {
	t.Helper()
	names := []string{"no-such-profile"}
	for _, p := range c.Profiles() {
		names = append(names, p.Name)
	}
	for _, name := range names {
		got, err := c.Summarize(name)
		pl, planErr := c.Plan(name, PlanOptions{})
		if planErr != nil {
			if err == nil || err.Error() != planErr.Error() {
				t.Fatalf("Summarize(%q) error %v, Plan error %v", name, err, planErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Summarize(%q): %v; Plan succeeded", name, err)
		}
		want := Summary{Names: pl.Chain.Names, Source: pl.Chain.Source.Kind, Region: pl.Chain.Region.Value,
			MFA: pl.MFA, MFASerial: pl.MFASerial.Value}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Summarize(%q) (-Plan +Summarize):\n%s", name, diff)
		}
	}
}

func TestSummarizeMatchesPlan(t *testing.T) {
	config, creds := genFiles(200)
	tests := []struct{ name, config, creds string }{
		{"chains", chainConfig, chainCreds},
		{"plans", planConfig, planCreds},
		{"generated", string(config), string(creds)},
		{"web identity with mfa", "[profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /t\nmfa_serial = arn:aws:iam::123456789012:mfa/x\n", ""},
		{"credential_process with mfa", "[profile p]\ncredential_process = /bin/c\nmfa_serial = arn:aws:iam::123456789012:mfa/x\n", ""},
		{"single long hop", "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\nduration_seconds = 7200\n[profile k]\nmfa_serial = arn:aws:iam::123456789012:mfa/x\n",
			"[k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n"},
		{"errors", "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\n[profile b]\nrole_arn = x\nsource_profile = b\n[profile c]\nrole_arn = x\nsource_profile = nope\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSummaries(t, load(t, tt.config, tt.creds))
		})
	}
}

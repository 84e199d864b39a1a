package profiles

import (
	"strings"
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
		var wantProblem string
		for _, f := range pl.Findings {
			if f.Severity == SeverityError {
				wantProblem = f.Err().Error()
				break
			}
		}
		var gotProblem string
		if got.Problem != nil {
			gotProblem = got.Problem.Error()
		}
		if gotProblem != wantProblem {
			t.Fatalf("Summarize(%q).Problem = %q, Plan's first error %q", name, gotProblem, wantProblem)
		}
		got.Problem = nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Summarize(%q) (-Plan +Summarize):\n%s", name, diff)
		}
	}
	checkRowsAgree(t, c)
}

// checkRowsAgree: a profile doctor finds an error on is a row with an
// error (list and the picker mark it), and a row with an error is one
// Plan fails or finds an error for (export refuses it) and doctor reports.
func checkRowsAgree(t *testing.T, c *Config) {
	t.Helper()
	findings := c.Doctor()
	doctorErr := map[string]bool{}
	for _, f := range findings {
		if f.Severity == SeverityError {
			doctorErr[f.Profile] = true
		}
	}
	for _, r := range c.Rows() {
		if r.Source == SourceNone {
			continue
		}
		pl, err := c.Plan(r.Name, PlanOptions{})
		planBad := err != nil
		if err == nil {
			for _, f := range pl.Findings {
				planBad = planBad || f.Severity == SeverityError
			}
		}
		rowBad := r.Error != ""
		if rowBad != planBad {
			t.Fatalf("row %q error %q, but Plan fails: %v", r.Name, r.Error, planBad)
		}
		if doctorErr[r.Name] && !rowBad {
			t.Fatalf("doctor finds an error on %q, its row has none", r.Name)
		}
		if rowBad && len(doctorErr) == 0 {
			t.Fatalf("row %q has an error (%s), doctor finds none", r.Name, r.Error)
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
		{"bad values along chains", "[profile t]\nrole_arn = arn:aws:iam::123456789012:role/t\nsource_profile = h\n" +
			"[profile h]\nrole_arn = arn:aws:iam::123:role/h\nsource_profile = k\n[profile k]\nmfa_serial = nope\nmfa_session_duration = 5\n" +
			"[profile u]\nrole_arn = arn:aws:iam::123456789012:role/u\nsource_profile = k2\nrole_session_name = x\n" +
			"[profile k2]\nmfa_session_duration = abc\n[profile ok]\nrole_arn = arn:aws:iam::123456789012:role/ok\nsource_profile = k3\n" +
			"[profile dur]\nrole_arn = arn:aws:iam::123456789012:role/d\nsource_profile = k3\nduration_seconds = 50000\n",
			"[k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n[k2]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n" +
				"[k3]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n"},
		{"errors", "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\n[profile b]\nrole_arn = x\nsource_profile = b\n[profile c]\nrole_arn = x\nsource_profile = nope\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSummaries(t, load(t, tt.config, tt.creds))
		})
	}
}

// TestRowErrorsAlongTheChain: list marks a profile whose chain holds a
// value STS would reject, with the value's position, like the picker,
// plan and doctor (issue 12: `role_arn = not-an-arn` was "error": null).
func TestRowErrorsAlongTheChain(t *testing.T) {
	config := "[profile t]\nrole_arn = arn:aws:iam::123456789012:role/t\nsource_profile = h\n" + // 1-3
		"[profile h]\nrole_arn = not-an-arn\nsource_profile = k\n" + // 4-6
		"[profile k]\nmfa_serial = arn:aws:iam::123456789012:mfa/k\n" + // 7-8
		"[profile s]\nmfa_serial = nope\n" + // 9-10
		"[profile d]\nrole_arn = arn:aws:iam::123:role/d\nsource_profile = k\n" + // 11-13
		"[profile m]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = s\n" + // 14-16
		"[profile ok]\nrole_arn = arn:aws:iam::123456789012:role/ok\nsource_profile = k\n"
	creds := "[k]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n[s]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n"
	c := load(t, config, creds)
	got := map[string]string{}
	for _, r := range c.Rows() {
		got[r.Name] = r.Short
	}
	want := map[string]string{
		"t":  `role_arn "not-an-arn" is not an ARN`,
		"h":  `role_arn "not-an-arn" is not an ARN`,
		"d":  `has account "123"`,
		"s":  `mfa_serial "nope"`,
		"m":  `mfa_serial "nope"`,
		"ok": "",
		"k":  "",
	}
	for name, w := range want {
		if w == "" && got[name] != "" || !strings.Contains(got[name], w) {
			t.Errorf("row %s: %q, want %q", name, got[name], w)
		}
	}
	for _, name := range []string{"t", "h"} {
		if !strings.Contains(got[name], "config:5") {
			t.Errorf("row %s: %q does not say where (config:5)", name, got[name])
		}
	}
}

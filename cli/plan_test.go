package cli

import (
	"strings"
	"testing"
)

// A plan with an error finding is printed in full, and the exit code says
// the profile cannot be assumed as configured.
func TestPlanWithErrorsExitsOne(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		code    int
		stderr  string
	}{
		{"values outside STS limits", "limits", 1, "switcher: limits cannot be assumed as configured:"},
		{"clean plan", "base", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := withAWSFiles(t, "broken")
			r := runIn(t, home, "plan", tt.profile)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "profile "+tt.profile) {
				t.Errorf("stdout lacks the plan:\n%s", r.stdout)
			}
			if tt.stderr == "" && r.stderr != "" || !strings.HasPrefix(r.stderr, tt.stderr) {
				t.Errorf("stderr = %q, want prefix %q", r.stderr, tt.stderr)
			}
		})
	}
}

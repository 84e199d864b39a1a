package demo

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds/stssim"
	"github.com/switcher-cli/switcher/profiles"
)

func TestSeed(t *testing.T) {
	sim := stssim.New()
	if err := Seed(sim); err != nil {
		t.Fatal(err)
	}
	if _, ok := sim.CurrentCode(MFASerial); !ok {
		t.Errorf("no MFA device %s", MFASerial)
	}
	if err := Seed(sim); !errors.Is(err, stssim.ErrInvalidSeed) {
		t.Errorf("seeding twice: %v, want ErrInvalidSeed", err)
	}
}

// TestConfigProblems pins the sample's one deliberate mistake: the picker
// shows staging with its problem.
func TestConfigProblems(t *testing.T) {
	cfg, err := profiles.Load("config", Config(), "credentials", Credentials())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range cfg.Doctor() {
		if f.Severity == profiles.SeverityError {
			got = append(got, f.Profile+" "+f.Key)
		}
	}
	if diff := cmp.Diff([]string{"staging source_profile"}, got); diff != "" {
		t.Errorf("doctor errors (-want +got):\n%s", diff)
	}
	plan, err := cfg.Plan("analytics", profiles.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if last := plan.Steps[len(plan.Steps)-1]; !last.Capped || last.RequestedSeconds != 7200 {
		t.Errorf("analytics: %+v, want a capped 2h request", last)
	}
	if plan, err := cfg.Plan(MFAProfile, profiles.PlanOptions{}); err != nil || plan.MFASerial.Value != MFASerial {
		t.Errorf("%s: %v, %v", MFAProfile, plan, err)
	}
}

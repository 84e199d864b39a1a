// Package demo is the sample world of `switcher demo`: a config and
// credentials file for one IAM user and five roles across four accounts,
// and the simulated STS seeded to match, so the whole TUI runs with no AWS
// account and no network.
//
//	sim := stssim.New()
//	err := demo.Seed(sim)
//	cfg, creds := demo.Config(), demo.Credentials()
package demo

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/switcher-cli/switcher/creds/stssim"
)

//go:embed config
var config []byte

//go:embed credentials
var credentials []byte

// The demo's identities.
const (
	UserAccount = "111111111111"
	UserARN     = "arn:aws:iam::" + UserAccount + ":user/alice"
	MFASerial   = "arn:aws:iam::" + UserAccount + ":mfa/alice"
	MFAProfile  = "prod-admin"
)

// Config is the sample ~/.aws/config.
func Config() []byte { return append([]byte(nil), config...) }

// Credentials is the sample ~/.aws/credentials (fake keys).
func Credentials() []byte { return append([]byte(nil), credentials...) }

// Seed registers alice, her MFA device and the roles of the sample config.
func Seed(sim *stssim.Sim) error {
	user := stssim.User{
		Name: "alice", Account: UserAccount, MFASerial: MFASerial,
		AccessKeyID: "AKIADEMOALICE0000001", SecretAccessKey: "demo-secret-not-a-real-key-0000000000000",
	}
	if err := sim.AddUser(user); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	roles := []stssim.Role{
		{ARN: "arn:aws:iam::222222222222:role/developer", Trust: []string{UserARN}},
		{ARN: "arn:aws:iam::222222222222:role/staging", Trust: []string{UserARN}},
		{ARN: "arn:aws:iam::333333333333:role/ops", Trust: []string{UserARN}},
		{ARN: "arn:aws:iam::444444444444:role/analytics", Trust: []string{"arn:aws:iam::333333333333:role/ops"},
			MaxSessionDuration: 12 * time.Hour},
		{ARN: "arn:aws:iam::555555555555:role/admin", Trust: []string{UserARN}, RequireMFA: true,
			MaxSessionDuration: 4 * time.Hour},
		{ARN: "arn:aws:iam::555555555555:role/audit", Trust: []string{"arn:aws:iam::999999999999:root"}},
	}
	for _, r := range roles {
		if err := sim.AddRole(r); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awsCLI is the AWS CLI v2 from Debian's awscli package (.ci/run installs
// it); the `aws` on PATH may be the pyenv CLI v1.
const awsCLI = "/usr/bin/aws"

// account is moto's default account id.
const account = "123456789012"

// requireEnv makes missing tools a failure instead of a skip (CI sets it).
const requireEnv = "SWITCHER_REQUIRE_INTEGRATION"

// suite is what every test shares: one switcher binary, one moto server.
// TestMain fills it once; tests only read it.
type suite struct {
	bin  string      // the switcher binary built for this run
	moto *motoServer // nil when skipped or failed
	skip string      // why the tests cannot run here (tool missing)
	err  error       // setup failed although the tools are present
}

var shared suite

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "switcher-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	shared = setUp(dir)
	if shared.moto != nil {
		defer shared.moto.stop()
	}
	return m.Run()
}

func setUp(dir string) suite {
	if _, err := exec.LookPath("moto_server"); err != nil {
		return suite{skip: "moto_server is not on PATH (see shared/docs/test-servers.md)"}
	}
	if _, err := os.Stat(awsCLI); err != nil {
		return suite{skip: awsCLI + " (AWS CLI v2) is missing: apt-get install -y awscli"}
	}
	bin, err := buildSwitcher(dir)
	if err != nil {
		return suite{err: err}
	}
	m, err := startMoto(dir, fixtures())
	if err != nil {
		return suite{bin: bin, err: err}
	}
	return suite{bin: bin, moto: m}
}

// need returns the shared suite, or skips (fails under CI) when it cannot run.
func need(t *testing.T) *suite {
	t.Helper()
	switch {
	case shared.err != nil:
		t.Fatalf("integration setup: %v", shared.err)
	case shared.skip != "" && os.Getenv(requireEnv) == "1":
		t.Fatalf("%s and %s=1", shared.skip, requireEnv)
	case shared.skip != "":
		t.Skipf("skipping integration test: %s (set %s=1 to fail instead)", shared.skip, requireEnv)
	}
	return &shared
}

// buildSwitcher builds the module's main package into dir.
func buildSwitcher(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build switcher: %w", err)
	}
	bin := filepath.Join(dir, "bin", "switcher")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	cmd.Dir = ".." // the module root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// seed describes the IAM users and roles the launcher creates while auth is
// still off (field names are the launcher's).
type seed struct {
	Users        []seedUser `json:"users"`
	Roles        []seedRole `json:"roles"`
	Buckets      []string   `json:"buckets"`
	Organization *seedOrg   `json:"organization,omitempty"`
}

// seedOrg is an AWS Organization with the seeding account as its
// management account: accounts by name, and those of them to close.
type seedOrg struct {
	Accounts []string `json:"accounts"`
	Closed   []string `json:"closed"`
}

type seedUser struct {
	Name   string `json:"name"`
	Policy policy `json:"policy,omitzero"`
}

type seedRole struct {
	Name   string `json:"name"`
	Trust  policy `json:"trust"`
	Policy policy `json:"policy,omitzero"`
}

type policy struct {
	Version   string      `json:"Version,omitempty"`
	Statement []statement `json:"Statement,omitempty"`
}

type statement struct {
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    string         `json:"Action"`
	Resource  string         `json:"Resource,omitempty"`
}

func allow(action, resource string) policy {
	return policy{Version: "2012-10-17", Statement: []statement{{Effect: "Allow", Action: action, Resource: resource}}}
}

func trust(principals ...string) policy {
	return policy{Version: "2012-10-17", Statement: []statement{{
		Effect: "Allow", Action: "sts:AssumeRole", Principal: map[string]any{"AWS": principals},
	}}}
}

func userARN(name string) string { return "arn:aws:iam::" + account + ":user/" + name }
func roleARN(name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// assumedARN is the identity STS reports for a role session.
func assumedARN(role, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session
}

// fixtures: dev may call sts:AssumeRole on any role; deploy trusts dev and
// may list buckets; untrusted trusts only ops, so dev is denied by its trust
// policy; admin trusts deploy's session (role chaining).
func fixtures() seed {
	return seed{
		Users: []seedUser{
			{Name: "dev", Policy: allow("sts:AssumeRole", "*")},
			{Name: "ops"},
			// orgadmin lists the organization's accounts and assumes
			// their OrganizationAccountAccessRole.
			{Name: "orgadmin", Policy: policy{Version: "2012-10-17", Statement: []statement{
				{Effect: "Allow", Action: "sts:AssumeRole", Resource: "*"},
				{Effect: "Allow", Action: "organizations:ListAccounts", Resource: "*"},
			}}},
			// rotator may assume deploy and manage its own access keys.
			{Name: "rotator", Policy: policy{Version: "2012-10-17", Statement: []statement{
				{Effect: "Allow", Action: "sts:AssumeRole", Resource: "*"},
				{Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*"},
				{Effect: "Allow", Action: "iam:CreateAccessKey", Resource: "*"}, // moto matches IAM actions on "*" only
				{Effect: "Allow", Action: "iam:DeleteAccessKey", Resource: "*"},
				{Effect: "Allow", Action: "iam:ListAccessKeys", Resource: "*"},
			}}},
		},
		Roles: []seedRole{
			{Name: "deploy", Trust: trust(userARN("dev"), userARN("rotator")), Policy: policy{Version: "2012-10-17", Statement: []statement{
				{Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*"},
				{Effect: "Allow", Action: "sts:AssumeRole", Resource: "*"},
			}}},
			{Name: "untrusted", Trust: trust(userARN("ops"))},
			{Name: "admin", Trust: trust(assumedARN("deploy", sessionName))},
		},
		Buckets:      []string{"switcher-integration"},
		Organization: &seedOrg{Accounts: []string{"dev team", "Prod", "$(old)"}, Closed: []string{"$(old)"}},
	}
}

// accessKey is a user's long-term key created by the launcher.
type accessKey struct {
	ARN             string `json:"arn"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// motoServer is a running moto_launcher.py.
type motoServer struct {
	Endpoint string               `json:"endpoint"`
	PID      int                  `json:"pid"`
	Keys     map[string]accessKey `json:"keys"`
	Accounts map[string]string    `json:"accounts"` // organization accounts: name → id
	cmd      *exec.Cmd
	stdin    io.Closer
}

// startMoto runs moto through testdata/moto_launcher.py (moto's own server
// application, with STS's real error shape), seeded, with auth on.
func startMoto(dir string, s seed) (*motoServer, error) {
	launcher, err := filepath.Abs(filepath.Join("testdata", "moto_launcher.py"))
	if err != nil {
		return nil, err
	}
	spec, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	specPath := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(specPath, spec, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", launcher, specPath)
	cmd.Env = cleanEnv(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto launcher: %w", err)
	}
	ready := make(chan error, 1)
	m := &motoServer{cmd: cmd, stdin: stdin}
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, m)
		}
		ready <- err
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case err = <-ready:
	case <-time.After(30 * time.Second):
		err = errors.New("not ready after 30s")
	}
	if err != nil {
		m.stop()
		return nil, fmt.Errorf("moto launcher: %w\n%s", err, stderr.String())
	}
	return m, nil
}

// stop ends the launcher by its pid (closing stdin also ends it).
func (m *motoServer) stop() {
	m.stdin.Close()
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
}

// cleanEnv drops everything that would make a child use other credentials,
// another config, another cache or the CLI v1's data path.
func cleanEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "SWITCHER_"), strings.HasPrefix(k, "XDG_"),
			strings.HasPrefix(k, "DBUS_"), // never the machine's keyring
			k == "HOME", k == "SHELL", k == "ENV", k == "BASH_ENV", k == "ZDOTDIR":
			continue
		}
		out = append(out, kv)
	}
	return out
}

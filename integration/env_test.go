package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sessionName is the role_session_name of the test profiles, so the
// assumed-role ARNs are known exactly.
const sessionName = "switcher-it"

// configTemplate is ~/.aws/config for every test; {{bin}} and {{endpoint}}
// are replaced. The credentials file holds dev's key.
const configTemplate = `[default]
region = us-east-1

[profile dev]
region = us-east-1

[profile deploy]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = dev
role_session_name = switcher-it
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = deploy
role_session_name = switcher-it

[profile untrusted]
role_arn = arn:aws:iam::123456789012:role/untrusted
source_profile = dev
role_session_name = switcher-it

# The AWS CLI runs this without a shell and signs its own calls with what it prints.
[profile via-process]
credential_process = {{bin}} --endpoint-url {{endpoint}} credential-process deploy
region = us-east-1
`

// home is one test's HOME with its own ~/.aws and caches (the CLI's cache in
// ~/.aws/cli/cache is keyed on the role, not the endpoint or the keys).
type home struct {
	t           *testing.T
	s           *suite
	dir         string
	config      string
	credentials string
	env         []string
}

func newHome(t *testing.T, s *suite) *home {
	t.Helper()
	dir := t.TempDir()
	aws := filepath.Join(dir, ".aws")
	if err := os.MkdirAll(aws, 0o700); err != nil {
		t.Fatal(err)
	}
	h := &home{
		t: t, s: s, dir: dir,
		config:      filepath.Join(aws, "config"),
		credentials: filepath.Join(aws, "credentials"),
	}
	config := strings.NewReplacer("{{bin}}", s.bin, "{{endpoint}}", s.moto.Endpoint).Replace(configTemplate)
	dev := s.moto.Keys["dev"]
	credentials := "# long-term keys\n[dev]\naws_access_key_id = " + dev.AccessKeyID +
		"\naws_secret_access_key = " + dev.SecretAccessKey + "\n"
	if err := os.WriteFile(h.config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.credentials, []byte(credentials), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env = append(cleanEnv(os.Environ()),
		"HOME="+dir,
		"AWS_CONFIG_FILE="+h.config,
		"AWS_SHARED_CREDENTIALS_FILE="+h.credentials,
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
		"PATH="+filepath.Dir(s.bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	return h
}

// with returns a copy of h whose children also get vars (KEY=VALUE).
func (h *home) with(vars ...string) *home {
	c := *h
	c.env = append(append([]string(nil), h.env...), vars...)
	return &c
}

// result is what a child process did.
type result struct {
	stdout, stderr string
	code           int
}

// run runs name with args in h's environment, stdin empty.
func (h *home) run(name string, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = h.env
	cmd.Dir = h.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		h.t.Fatalf("run %s: %v", name, err)
	}
	if ctx.Err() != nil {
		h.t.Fatalf("run %s %s: timed out\nstderr:\n%s", name, strings.Join(args, " "), r.stderr)
	}
	return r
}

// switcher runs the switcher binary pointed at moto.
func (h *home) switcher(args ...string) result {
	h.t.Helper()
	return h.run(h.s.bin, append([]string{"--endpoint-url", h.s.moto.Endpoint}, args...)...)
}

// aws runs the AWS CLI v2 against moto.
func (h *home) aws(args ...string) result {
	h.t.Helper()
	return h.run(awsCLI, append([]string{"--endpoint-url", h.s.moto.Endpoint}, args...)...)
}

// mustSucceed fails the test, showing both streams, unless r exited 0.
func (r result) mustSucceed(t *testing.T, what string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.stdout, r.stderr)
	}
	return r
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

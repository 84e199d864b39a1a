//go:build linux

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"
)

// secretService is a Secret Service of the test's own: a private D-Bus
// session bus and gnome-keyring-daemon on it, unlocked with a throwaway
// password, with its own HOME and data directories: nothing of the
// machine's keyring is read or written.
type secretService struct {
	env []string // DBUS_SESSION_BUS_ADDRESS and the daemon's directories
}

// startSecretService starts one for t, or skips (fails under CI) when the
// tools are missing.
func startSecretService(t *testing.T, h *home) *secretService {
	t.Helper()
	for _, tool := range []string{"dbus-daemon", "gnome-keyring-daemon", "secret-tool", "dbus-send"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv(requireEnv) == "1" {
				t.Fatalf("%s is missing (apt-get install -y gnome-keyring dbus-daemon dbus-bin libsecret-tools) and %s=1", tool, requireEnv)
			}
			t.Skipf("%s is missing: apt-get install -y gnome-keyring dbus-daemon dbus-bin libsecret-tools", tool)
		}
	}
	run := filepath.Join(h.dir, "run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	base := []string{"HOME=" + h.dir, "XDG_RUNTIME_DIR=" + run, "XDG_DATA_HOME=" + filepath.Join(h.dir, ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(h.dir, ".config"), "PATH=" + os.Getenv("PATH")}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1", "--address=unix:path="+filepath.Join(run, "bus"))
	bus.Env = base
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Process.Kill(); _ = bus.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	env := append(base, "DBUS_SESSION_BUS_ADDRESS="+strings.TrimSpace(line))
	keyring := exec.Command("gnome-keyring-daemon", "--unlock", "--components=secrets", "--foreground")
	keyring.Env = env
	keyring.Stdin = strings.NewReader("throwaway-test-password")
	if err := keyring.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = keyring.Process.Kill(); _ = keyring.Wait() })
	ss := &secretService{env: env}
	deadline := time.Now().Add(15 * time.Second)
	for !ss.ready() {
		if time.Now().After(deadline) {
			t.Fatal("gnome-keyring-daemon did not take org.freedesktop.secrets within 15s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ss
}

func (ss *secretService) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = ss.env
	return c
}

func (ss *secretService) ready() bool {
	out, err := ss.cmd("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets").Output()
	return err == nil && strings.Contains(string(out), "boolean true")
}

// item is what `secret-tool lookup` finds for switcher's item of profile,
// "" when there is none: the independent check of what switcher stored.
func (ss *secretService) item(t *testing.T, profile string) string {
	t.Helper()
	out, err := ss.cmd("secret-tool", "lookup", "service", "switcher", "username", profile).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return ""
	}
	if err != nil {
		t.Fatalf("secret-tool lookup: %v", err)
	}
	return string(out)
}

// lock locks the login collection, as a screen lock does.
func (ss *secretService) lock(t *testing.T) {
	t.Helper()
	if out, err := ss.cmd("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
		"org.freedesktop.Secret.Service.Lock", "array:objpath:/org/freedesktop/secrets/collection/login").CombinedOutput(); err != nil {
		t.Fatalf("lock: %v\n%s", err, out)
	}
}

// inKeyring is h with the Secret Service's environment.
func (h *home) inKeyring(ss *secretService) *home { return h.with(ss.env...) }

func keyringItem(t *testing.T, raw string) (id, secret string) {
	t.Helper()
	var it struct{ AccessKeyId, SecretAccessKey string }
	if err := json.Unmarshal([]byte(raw), &it); err != nil {
		t.Fatalf("the item is not JSON: %v", err)
	}
	return it.AccessKeyId, it.SecretAccessKey
}

// TestKeysInSecretService: keys add stores the key pair in the Secret
// Service (secret-tool sees it), roles assume from it against moto, list
// shows it, remove deletes it.
func TestKeysInSecretService(t *testing.T) {
	s := need(t)
	h := newHome(t, s)
	ss := startSecretService(t, h)
	h = h.inKeyring(ss)
	dev := s.moto.Keys["dev"]
	writeFile(t, h.credentials, "") // no keys in the file at all
	r := h.with("AWS_ACCESS_KEY_ID="+dev.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+dev.SecretAccessKey).
		switcher("keys", "add", "dev", "--env").mustSucceed(t, "keys add")
	if !strings.Contains(r.stderr, "in the keyring (secret-service)") || !strings.Contains(r.stderr, userARN("dev")) {
		t.Errorf("keys add said %q", r.stderr)
	}
	id, secret := keyringItem(t, ss.item(t, "dev"))
	if id != dev.AccessKeyID || secret != dev.SecretAccessKey {
		t.Errorf("secret-tool finds key …%s, not dev's", id[len(id)-4:])
	}
	list := h.switcher("keys", "list").mustSucceed(t, "keys list")
	if !strings.Contains(list.stdout, "dev      secret-service  …"+dev.AccessKeyID[len(dev.AccessKeyID)-4:]) || strings.Contains(list.stdout, dev.SecretAccessKey) {
		t.Errorf("keys list:\n%s", list.stdout)
	}
	r = h.switcher("export", "deploy", "--format", "json").mustSucceed(t, "export deploy")
	var vars map[string]*string
	if err := json.Unmarshal([]byte(r.stdout), &vars); err != nil || vars["AWS_SESSION_TOKEN"] == nil {
		t.Fatalf("export deploy printed %q", r.stdout)
	}
	who := h.with("AWS_ACCESS_KEY_ID="+*vars["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY="+*vars["AWS_SECRET_ACCESS_KEY"],
		"AWS_SESSION_TOKEN="+*vars["AWS_SESSION_TOKEN"]).aws("sts", "get-caller-identity", "--query", "Arn", "--output", "text").mustSucceed(t, "aws sts")
	if diff := cmp.Diff(assumedARN("deploy", sessionName), strings.TrimSpace(who.stdout)); diff != "" {
		t.Errorf("identity of the exported session (-want +got):\n%s", diff)
	}
	h.switcher("keys", "remove", "dev", "--yes").mustSucceed(t, "keys remove")
	if got := ss.item(t, "dev"); got != "" {
		t.Error("secret-tool still finds the item after keys remove")
	}
}

// TestKeysImportThenExport: keys import moves dev's keys from the
// credentials file into the keyring (Secret Service, and the file
// keyring), after which export of a role profile works against moto with
// the secret gone from the file.
func TestKeysImportThenExport(t *testing.T) {
	s := need(t)
	for _, backend := range []string{"secret-service", "file"} {
		t.Run(backend, func(t *testing.T) {
			h := newHome(t, s)
			ss := startSecretService(t, h)
			h = h.inKeyring(ss).with("SWITCHER_KEYRING_PASSPHRASE=throwaway")
			dev := s.moto.Keys["dev"]
			r := h.switcher("keys", "import", "dev", "--keyring-backend", backend).mustSucceed(t, "keys import")
			if !strings.Contains(r.stderr, "into the keyring ("+backend+")") {
				t.Errorf("keys import said %q", r.stderr)
			}
			data, err := os.ReadFile(h.credentials)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), dev.SecretAccessKey) || strings.Contains(string(data), dev.AccessKeyID) {
				t.Errorf("the credentials file still holds dev's keys:\n%s", data)
			}
			if got := ss.item(t, "dev"); (got != "") != (backend == "secret-service") {
				t.Errorf("secret-tool finds %q", got)
			}
			r = h.switcher("exec", "deploy", "--", awsCLI, "--endpoint-url", s.moto.Endpoint, "sts", "get-caller-identity",
				"--query", "Arn", "--output", "text").mustSucceed(t, "exec deploy -- aws")
			if diff := cmp.Diff(assumedARN("deploy", sessionName), strings.TrimSpace(r.stdout)); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeysLockedKeyring: a locked keyring is one clear line and exit 1,
// at once, with nothing assumed.
func TestKeysLockedKeyring(t *testing.T) {
	s := need(t)
	h := newHome(t, s)
	ss := startSecretService(t, h)
	h = h.inKeyring(ss)
	h.switcher("keys", "import", "dev").mustSucceed(t, "keys import")
	ss.lock(t)
	start := time.Now()
	r := h.switcher("export", "deploy", "--no-cache")
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "keyring secret-service: get dev: the keyring is locked (unlock it") {
		t.Errorf("export with a locked keyring: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
		t.Errorf("%d lines on stderr, want one", n+1)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("it took %s", d)
	}
}

// TestKeysRotateMoto: keys rotate against moto's IAM leaves the user with
// exactly one access key, the new one, which is in the keyring and works;
// the old one is refused.
func TestKeysRotateMoto(t *testing.T) {
	s := need(t)
	h := newHome(t, s)
	ss := startSecretService(t, h)
	h = h.inKeyring(ss).with("AWS_ENDPOINT_URL_IAM=" + s.moto.Endpoint)
	rot := s.moto.Keys["rotator"]
	writeFile(t, h.config, `[profile rotator]
region = us-east-1

[profile deploy]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = rotator
role_session_name = switcher-it
`)
	writeFile(t, h.credentials, "[rotator]\naws_access_key_id = "+rot.AccessKeyID+"\naws_secret_access_key = "+rot.SecretAccessKey+"\n")
	h.switcher("keys", "import", "rotator").mustSucceed(t, "keys import")
	r := h.switcher("keys", "rotate", "rotator").mustSucceed(t, "keys rotate")
	if !strings.Contains(r.stderr, "rotated the key of rotator") {
		t.Errorf("keys rotate said %q", r.stderr)
	}
	newID, newSecret := keyringItem(t, ss.item(t, "rotator"))
	if newID == rot.AccessKeyID {
		t.Fatal("the keyring still holds the old key")
	}
	client := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.moto.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(newID, newSecret, "")})
	out, err := client.ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String("rotator")})
	if err != nil {
		t.Fatalf("ListAccessKeys with the new key: %v", err)
	}
	var ids []string
	for _, k := range out.AccessKeyMetadata {
		ids = append(ids, aws.ToString(k.AccessKeyId))
	}
	if diff := cmp.Diff([]string{newID}, ids); diff != "" {
		t.Errorf("rotator's access keys in IAM (-want +got):\n%s", diff)
	}
	r = h.switcher("export", "deploy", "--no-cache", "--format", "json").mustSucceed(t, "export deploy with the new key")
	if !strings.Contains(r.stdout, "AWS_SESSION_TOKEN") {
		t.Errorf("export printed %q", r.stdout)
	}
	list := h.switcher("keys", "list", "--json").mustSucceed(t, "keys list")
	if !strings.Contains(list.stdout, `"rotated": "`) || !strings.Contains(list.stdout, fmt.Sprintf("…%s", newID[len(newID)-4:])) {
		t.Errorf("keys list after rotate: %s", list.stdout)
	}
}

// TestKeysAddOnTerminal: keys add asks on the terminal, the key id echoed
// and the secret not; the pane never shows the secret.
func TestKeysAddOnTerminal(t *testing.T) {
	s := need(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("tmux is missing and %s=1", requireEnv)
		}
		t.Skip("tmux is missing")
	}
	h := newHome(t, s)
	ss := startSecretService(t, h)
	h = h.inKeyring(ss)
	dev := s.moto.Keys["dev"]
	socket := fmt.Sprintf("switcher-keys-%d", os.Getpid())
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	script := fmt.Sprintf("env -i %s %s --endpoint-url %s keys add dev; echo EXIT=$?; sleep 30",
		shellQuote(h.env), s.bin, s.moto.Endpoint)
	tmux("new-session", "-d", "-s", "keys", "-x", "100", "-y", "20", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", socket, "kill-server").Run() })
	wait := func(text string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			screen := tmux("capture-pane", "-p", "-t", "keys")
			if strings.Contains(screen, text) {
				return screen
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %q on the screen:\n%s", text, screen)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wait("Access key ID for dev:") // the pane trims trailing blanks
	tmux("send-keys", "-t", "keys", "-l", dev.AccessKeyID)
	tmux("send-keys", "-t", "keys", "Enter")
	wait("Secret access key (not shown):")
	tmux("send-keys", "-t", "keys", "-l", dev.SecretAccessKey)
	tmux("send-keys", "-t", "keys", "Enter")
	screen := wait("EXIT=")
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, dev.AccessKeyID) {
		t.Errorf("keys add on the terminal:\n%s", screen)
	}
	if strings.Contains(screen, dev.SecretAccessKey) {
		t.Errorf("the secret was shown on the terminal")
	}
	if id, _ := keyringItem(t, ss.item(t, "dev")); id != dev.AccessKeyID {
		t.Errorf("the keyring holds …%s", id)
	}
}

// shellQuote quotes each word for sh.
func shellQuote(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

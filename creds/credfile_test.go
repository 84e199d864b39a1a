package creds

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/profiles"
)

var credfileNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func testCredentialsFile(path string) CredentialsFile {
	return CredentialsFile{Path: path, Now: func() time.Time { return credfileNow }}
}

func sessionCreds() Credentials {
	return Credentials{
		AccessKeyID:     "ASIANEWNEWNEWEXAMPLE",
		SecretAccessKey: "new/secret/EXAMPLE+KEY",
		SessionToken:    "FAKE//new+session/token==",
		Expiration:      credfileNow.Add(time.Hour).In(time.FixedZone("CET", 3600)),
	}
}

// copyBefore copies testdata/credfile/<name>.before.ini to dir/credentials.
func copyBefore(t *testing.T, name, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "credentials")
	if name == "" {
		return path
	}
	data, err := os.ReadFile(filepath.Join("testdata", "credfile", name+".before.ini"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCredentialsFileGolden(t *testing.T) {
	tests := []struct {
		name   string
		before string // testdata/credfile/<before>.before.ini; "" for no file
		edit   func(CredentialsFile) error
	}{
		{name: "replace", before: "replace", edit: func(f CredentialsFile) error {
			return f.WriteSection("prod", sessionCreds(), "eu-west-1")
		}},
		{name: "replace-static", before: "replace", edit: func(f CredentialsFile) error {
			return f.WriteSection("default", Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: "rotated/EXAMPLE"}, "")
		}},
		{name: "append", before: "append", edit: func(f CredentialsFile) error {
			return f.WriteSection("new", sessionCreds(), "")
		}},
		{name: "crlf", before: "crlf", edit: func(f CredentialsFile) error {
			return f.WriteSection("prod", sessionCreds(), "us-east-2")
		}},
		{name: "crlf-append", before: "crlf", edit: func(f CredentialsFile) error {
			return f.WriteSection("new", sessionCreds(), "")
		}},
		{name: "duplicate", before: "duplicate", edit: func(f CredentialsFile) error {
			return f.WriteSection("prod", sessionCreds(), "")
		}},
		{name: "last", before: "last", edit: func(f CredentialsFile) error {
			return f.WriteSection("prod", sessionCreds(), "")
		}},
		{name: "remove", before: "remove", edit: func(f CredentialsFile) error {
			return f.RemoveSection("prod")
		}},
		{name: "remove-duplicate", before: "duplicate", edit: func(f CredentialsFile) error {
			return f.RemoveSection("prod")
		}},
		{name: "create", edit: func(f CredentialsFile) error {
			return f.WriteSection("default", sessionCreds(), "eu-central-1")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := copyBefore(t, tt.before, t.TempDir())
			if err := tt.edit(testCredentialsFile(path)); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("credfile", tt.name+".after.ini"), got)
		})
	}
}

// TestCredentialsFileReadBySDK checks that aws-sdk-go-v2 reads a written
// section (the expiration key is ignored, not an error) and that the
// untouched sections still read the same.
func TestCredentialsFileReadBySDK(t *testing.T) {
	path := copyBefore(t, "replace", t.TempDir())
	c := sessionCreds()
	if err := testCredentialsFile(path).WriteSection("prod", c, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		profile string
		want    [3]string
	}{
		{profile: "prod", want: [3]string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken}},
		{profile: "default", want: [3]string{fakeKeyID, fakeSecret, ""}},
		{profile: "ci", want: [3]string{"AKIACICICICIEXAMPLE", "ci/secret/EXAMPLE", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			sc, err := config.LoadSharedConfigProfile(context.Background(), tt.profile, func(o *config.LoadSharedConfigOptions) {
				o.CredentialsFiles = []string{path}
				o.ConfigFiles = []string{}
			})
			if err != nil {
				t.Fatal(err)
			}
			got := [3]string{sc.Credentials.AccessKeyID, sc.Credentials.SecretAccessKey, sc.Credentials.SessionToken}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SDK read (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCredentialsFileReadByAWSCLI runs the AWS CLI (v2 at /usr/bin/aws,
// else any aws on PATH) on a written file.
func TestCredentialsFileReadByAWSCLI(t *testing.T) {
	aws := "/usr/bin/aws"
	if _, err := os.Stat(aws); err != nil {
		if aws, err = exec.LookPath("aws"); err != nil {
			if os.Getenv("SWITCHER_REQUIRE_INTEGRATION") == "1" {
				t.Fatal("the AWS CLI is required (SWITCHER_REQUIRE_INTEGRATION=1) but not installed")
			}
			t.Skip("the AWS CLI is not installed (apt-get install -y awscli); skipping")
		}
	}
	dir := t.TempDir()
	path := copyBefore(t, "crlf", dir)
	c := sessionCreds()
	if err := testCredentialsFile(path).WriteSection("prod", c, "eu-west-3"); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"aws_access_key_id":     c.AccessKeyID,
		"aws_secret_access_key": c.SecretAccessKey,
		"aws_session_token":     c.SessionToken,
	} {
		t.Run(key, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), aws, "configure", "get", key, "--profile", "prod")
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
				"AWS_SHARED_CREDENTIALS_FILE=" + path, "AWS_CONFIG_FILE=" + filepath.Join(dir, "config")}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("aws configure get: %v\n%s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != want {
				t.Errorf("aws read %s = %q, want %q", key, got, want)
			}
		})
	}
}

func TestCredentialsFileModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX modes on windows")
	}
	t.Run("new file and directories", func(t *testing.T) {
		root := t.TempDir()
		path := filepath.Join(root, "home", ".aws", "credentials")
		if err := testCredentialsFile(path).WriteSection("a", sessionCreds(), ""); err != nil {
			t.Fatal(err)
		}
		assertMode(t, path, 0o600)
		assertMode(t, filepath.Join(root, "home", ".aws"), 0o700)
		assertMode(t, filepath.Join(root, "home"), 0o700)
	})
	for _, tc := range []struct{ before, want os.FileMode }{{0o644, 0o600}, {0o666, 0o600}, {0o600, 0o600}, {0o400, 0o400}} {
		t.Run(fmt.Sprintf("existing %04o", tc.before), func(t *testing.T) {
			dir := t.TempDir()
			path := copyBefore(t, "replace", dir)
			if err := os.Chmod(path, tc.before); err != nil {
				t.Fatal(err)
			}
			if err := testCredentialsFile(path).WriteSection("prod", sessionCreds(), ""); err != nil {
				t.Fatal(err)
			}
			assertMode(t, path, tc.want)
			if diff := cmp.Diff([]string{"credentials", "credentials.lock"}, dirNames(t, dir)); diff != "" {
				t.Errorf("files next to the credentials file (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCredentialsFileSymlink(t *testing.T) {
	t.Run("existing target", func(t *testing.T) {
		dir := t.TempDir()
		real := copyBefore(t, "replace", filepath.Join(dir))
		link := filepath.Join(dir, "link")
		if err := os.Symlink("credentials", link); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
		if err := testCredentialsFile(link).WriteSection("prod", sessionCreds(), ""); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("link replaced by a file: %v, %v", fi.Mode(), err)
		}
		data, err := os.ReadFile(real)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "ASIANEWNEWNEWEXAMPLE") {
			t.Errorf("target not written:\n%s", data)
		}
		if _, err := os.Stat(real + ".lock"); err != nil {
			t.Errorf("lock not taken next to the target: %v", err)
		}
	})
	t.Run("dangling link into another directory", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "dotfiles", "aws", "credentials")
		link := filepath.Join(dir, "credentials")
		if err := os.Symlink(target, link); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
		if err := testCredentialsFile(link).WriteSection("a", sessionCreds(), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(target); err != nil {
			t.Errorf("target not created: %v", err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("link replaced: %v", err)
		}
	})
}

func TestCredentialsFileConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	path := copyBefore(t, "replace", dir)
	f := testCredentialsFile(path)
	const writers = 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			c := sessionCreds()
			c.AccessKeyID = fmt.Sprintf("ASIAWRITER%02dEXAMPLE", i)
			errs <- f.WriteSection(fmt.Sprintf("w%02d", i), c, "")
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range writers {
		sc, err := config.LoadSharedConfigProfile(context.Background(), fmt.Sprintf("w%02d", i), func(o *config.LoadSharedConfigOptions) {
			o.CredentialsFiles = []string{path}
			o.ConfigFiles = []string{}
		})
		if err != nil {
			t.Errorf("section w%02d: %v", i, err)
			continue
		}
		if want := fmt.Sprintf("ASIAWRITER%02dEXAMPLE", i); sc.Credentials.AccessKeyID != want {
			t.Errorf("section w%02d key = %q, want %q", i, sc.Credentials.AccessKeyID, want)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join("testdata", "credfile", "replace.before.ini"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), string(before)) {
		t.Errorf("the original content changed:\n%s", data)
	}
	if diff := cmp.Diff([]string{"credentials", "credentials.lock"}, dirNames(t, dir)); diff != "" {
		t.Errorf("leftover files (-want +got):\n%s", diff)
	}
}

func TestCredentialsFileRejects(t *testing.T) {
	tests := []struct {
		name    string
		section string
		creds   Credentials
		region  string
		wantErr error
		notIn   string // must not appear in the message
	}{
		{name: "closing bracket", section: "a]b", creds: sessionCreds(), wantErr: ErrInvalidSectionName},
		{name: "opening bracket", section: "[a", creds: sessionCreds(), wantErr: ErrInvalidSectionName},
		{name: "newline", section: "a\n[default]", creds: sessionCreds(), wantErr: ErrInvalidSectionName},
		{name: "carriage return", section: "a\r", creds: sessionCreds(), wantErr: ErrInvalidSectionName},
		{name: "equals", section: "a=b", creds: sessionCreds(), wantErr: ErrInvalidSectionName},
		{name: "empty", section: "", creds: sessionCreds(), wantErr: ErrInvalidSectionName},
		{name: "padded", section: " prod", creds: sessionCreds(), wantErr: ErrInvalidSectionName},
		{name: "expired", section: "prod", creds: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret, Expiration: credfileNow.Add(-time.Second)}, wantErr: ErrAlreadyExpired},
		{name: "secret with newline", section: "prod", creds: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: "hunter2\n[x]"}, notIn: "hunter2"},
		{name: "token with space", section: "prod", creds: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret, SessionToken: "secr3t en"}, notIn: "secr3t"},
		{name: "no secret", section: "prod", creds: Credentials{AccessKeyID: fakeKeyID}},
		{name: "region with newline", section: "prod", creds: sessionCreds(), region: "eu\nrole_arn = x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "credentials")
			err := testCredentialsFile(path).WriteSection(tt.section, tt.creds, tt.region)
			if err == nil {
				t.Fatal("WriteSection succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if tt.notIn != "" && strings.Contains(err.Error(), tt.notIn) {
				t.Errorf("error %q shows a secret", err)
			}
			if diff := cmp.Diff([]string{}, dirNames(t, dir)); diff != "" {
				t.Errorf("files written despite the error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCredentialsFileRemoveMissing(t *testing.T) {
	tests := []struct{ name, before string }{
		{name: "no file"},
		{name: "no section", before: "append"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := copyBefore(t, tt.before, dir)
			var before []byte
			if tt.before != "" {
				before, _ = os.ReadFile(path)
			}
			err := testCredentialsFile(path).RemoveSection("prod")
			if !errors.Is(err, ErrSectionNotFound) {
				t.Fatalf("RemoveSection = %v, want ErrSectionNotFound", err)
			}
			after, _ := os.ReadFile(path)
			if diff := cmp.Diff(string(before), string(after)); diff != "" {
				t.Errorf("file changed (-want +got):\n%s", diff)
			}
			if tt.before == "" {
				if diff := cmp.Diff([]string{}, dirNames(t, dir)); diff != "" {
					t.Errorf("files created for nothing (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestSpacedHeaderIsAnotherSection pins issue 9: the reader reads "[ prod ]"
// as the section " prod " (as the AWS CLI does), so writing prod must not
// rewrite that section as [prod]: it is left byte for byte, and [prod] is
// appended.
func TestSpacedHeaderIsAnotherSection(t *testing.T) {
	before := "[ prod ]\naws_access_key_id = AKIASPACEDEXAMPLE\naws_secret_access_key = spaced/EXAMPLE\n"
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := testCredentialsFile(path).WriteSection("prod", sessionCreds(), ""); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), before+"\n[prod]\n") {
		t.Errorf("file after writing [prod]:\n%s", got)
	}
	cfg, err := profiles.Load("config", nil, path, got)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]string{" prod ": "AKIASPACEDEXAMPLE", "prod": "ASIANEWNEWNEWEXAMPLE"} {
		p, ok := cfg.Profile(name)
		if !ok || p.Value(profiles.KeyAccessKeyID) != key {
			t.Errorf("profile %q reads key %v, want %s", name, p, key)
		}
	}
}

// TestWriteRemovesStaleTemps: a temporary copy that a killed writer left
// next to the file (long-term keys included) is removed by the next write,
// and only the copies of this file.
func TestWriteRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	// What a writer killed between CreateTemp and the rename leaves: a
	// file named as WriteFileAtomic names them, holding the new content.
	crashed := func(target string) {
		t.Helper()
		f, err := os.CreateTemp(dir, tempPattern(target))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("[dev]\naws_secret_access_key = " + fakeSecret + "\n"); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	crashed(path)
	crashed(filepath.Join(dir, "credentials-ci")) // another file's: kept
	other, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"credentials-ci-*"))
	if len(other) != 1 {
		t.Fatalf("leftovers of credentials-ci: %v", other)
	}
	if err := testCredentialsFile(path).WriteSection("prod", sessionCreds(), ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{filepath.Base(other[0]), "credentials", "credentials.lock"}, dirNames(t, dir)); diff != "" {
		t.Errorf("files after the write (-want +got):\n%s", diff)
	}
}

func TestRemoveKeys(t *testing.T) {
	tests := []struct {
		name, before, want string
	}{
		{
			name: "keys only: the section goes, the rest stays byte for byte",
			before: "# my keys\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = o\n\n" +
				"[dev]\r\naws_access_key_id = AKIADEV\r\naws_secret_access_key = d\r\n\r\n; tail comment\n[tail]\nregion = x\n",
			want: "# my keys\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = o\n\n" +
				"; tail comment\n[tail]\nregion = x\n",
		},
		{
			name:   "other settings stay",
			before: "[dev]\nregion = eu-west-1\nAWS_ACCESS_KEY_ID = AKIADEV\naws_secret_access_key=d\noutput = json\n",
			want:   "[dev]\nregion = eu-west-1\noutput = json\n",
		},
		{
			name:   "every occurrence",
			before: "[dev]\naws_access_key_id = A\n[x]\nk = v\n[dev]\naws_secret_access_key = B\nregion = r\n",
			want:   "[x]\nk = v\n[dev]\nregion = r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "credentials")
			if err := os.WriteFile(path, []byte(tt.before), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := testCredentialsFile(path).RemoveKeys("dev"); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("file (-want +got):\n%s", diff)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[other]\nk = v\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := testCredentialsFile(path).RemoveKeys("dev"); !errors.Is(err, ErrSectionNotFound) {
		t.Errorf("RemoveKeys of a missing section = %v, want ErrSectionNotFound", err)
	}
}

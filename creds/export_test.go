package creds

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// update rewrites golden files: go test ./creds/ -run Golden -update
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Obviously fake keys (the AWS documentation's examples).
const (
	fakeKeyID  = "AKIAIOSFODNN7EXAMPLE"
	fakeSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	fakeToken  = "FAKE//session+token/for/tests=="
)

// hostile is a value that breaks any quoting that is not exact.
const hostile = "it's \"x\" $(touch pwned) `touch pwned` ${HOME} ; touch pwned & | < > % ! ^ \\ \\' \\\\ \n" +
	"line2\r\ttab 日本語 ‘curly’ ’ ‚ ‛ 🦊 #comment\n"

// golden compares got with testdata/<name>, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func exportSessions() map[string]*Session {
	exp := time.Date(2026, 11, 22, 13, 4, 5, 0, time.FixedZone("CET", 3600))
	return map[string]*Session{
		"role": {
			Profile:     "prod-admin",
			Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret, SessionToken: fakeToken, Expiration: exp},
			Region:      "eu-west-1",
		},
		"static": {
			Profile:     "ci",
			Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret},
		},
		"hostile": {
			Profile:     "p" + hostile,
			Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret, SessionToken: fakeToken, Expiration: exp},
			Region:      "r" + hostile,
		},
	}
}

func TestExportGolden(t *testing.T) {
	for name, s := range exportSessions() {
		for _, f := range Formats() {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				var b bytes.Buffer
				err := WriteExports(&b, f, s)
				if f == FormatCmd && name == "hostile" {
					if !errors.Is(err, ErrUnrepresentable) {
						t.Fatalf("WriteExports(cmd, hostile) = %v, want ErrUnrepresentable", err)
					}
					if b.Len() != 0 {
						t.Fatalf("wrote %q despite the error", b.String())
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("export", name+"."+string(f)), b.Bytes())
			})
		}
	}
}

func TestUnsetGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			err := WriteUnset(&b, f)
			if f == FormatDotenv {
				if !errors.Is(err, ErrCannotUnset) {
					t.Fatalf("WriteUnset(dotenv) = %v, want ErrCannotUnset", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("export", "unset."+string(f)), b.Bytes())
		})
	}
}

func TestExportErrors(t *testing.T) {
	good := Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret}
	tests := []struct {
		name    string
		format  Format
		session *Session
		wantErr error
		notIn   string // must not appear in the error text
	}{
		{name: "nul in profile", format: FormatSh, session: &Session{Profile: "a\x00b", Credentials: good}, wantErr: ErrUnrepresentable},
		{name: "cmd percent", format: FormatCmd, session: &Session{Profile: "a%PATH%", Credentials: good}, wantErr: ErrUnrepresentable},
		{name: "cmd newline in region", format: FormatCmd, session: &Session{Profile: "a", Region: "x\ny", Credentials: good}, wantErr: ErrUnrepresentable},
		{name: "cmd quote", format: FormatCmd, session: &Session{Profile: `a"&calc`, Credentials: good}, wantErr: ErrUnrepresentable},
		{name: "cmd secret not echoed", format: FormatCmd, session: &Session{Profile: "a", Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: "hunter2%x"}}, wantErr: ErrUnrepresentable, notIn: "hunter2"},
		{name: "unknown format", format: Format("tcsh"), session: &Session{Profile: "a", Credentials: good}, wantErr: ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := WriteExports(&b, tt.format, tt.session)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("WriteExports = %v, want %v", err, tt.wantErr)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %q despite the error", b.String())
			}
			if tt.notIn != "" && strings.Contains(err.Error(), tt.notIn) {
				t.Errorf("error %q shows %q", err, tt.notIn)
			}
		})
	}
	t.Run("nil session", func(t *testing.T) {
		if err := WriteExports(&bytes.Buffer{}, FormatSh, nil); err == nil {
			t.Fatal("WriteExports(nil) = nil error")
		}
	})
	t.Run("no keys", func(t *testing.T) {
		if err := WriteExports(&bytes.Buffer{}, FormatSh, &Session{Profile: "a"}); err == nil {
			t.Fatal("WriteExports(no keys) = nil error")
		}
	})
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		err  bool
	}{
		{in: "sh", want: FormatSh},
		{in: "bash", want: FormatSh},
		{in: "ZSH", want: FormatSh},
		{in: "fish", want: FormatFish},
		{in: "powershell", want: FormatPowerShell},
		{in: "pwsh", want: FormatPowerShell},
		{in: "cmd", want: FormatCmd},
		{in: "dotenv", want: FormatDotenv},
		{in: "json", want: FormatJSON},
		{in: "csh", err: true},
		{in: "", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFormat(tt.in)
			if tt.err {
				if !errors.Is(err, ErrUnknownFormat) {
					t.Fatalf("ParseFormat(%q) error = %v, want ErrUnknownFormat", tt.in, err)
				}
				for _, f := range Formats() {
					if !strings.Contains(err.Error(), string(f)) {
						t.Errorf("error %q does not list %q", err, f)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatForShell(t *testing.T) {
	tests := map[string]Format{
		"":                                       FormatSh,
		"/bin/bash":                              FormatSh,
		"/usr/bin/zsh":                           FormatSh,
		"/bin/sh":                                FormatSh,
		"/usr/local/bin/fish":                    FormatFish,
		"/opt/homebrew/bin/pwsh":                 FormatPowerShell,
		`C:\Program Files\PowerShell\7\pwsh.exe`: FormatPowerShell,
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`: FormatPowerShell,
		`C:\WINDOWS\system32\cmd.exe`:                               FormatCmd,
		"/usr/bin/nu":                                               FormatSh,
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := FormatForShell(in); got != want {
				t.Errorf("FormatForShell(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestWriteCredentialProcess(t *testing.T) {
	exp := time.Date(2026, 11, 22, 13, 4, 5, 999, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		in   Credentials
		want string
	}{
		{
			name: "session",
			in:   Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret, SessionToken: fakeToken, Expiration: exp},
			want: `{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","SessionToken":"FAKE//session+token/for/tests==","Expiration":"2026-11-22T12:04:05Z"}` + "\n",
		},
		{
			name: "static",
			in:   Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: fakeSecret},
			want: `{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteCredentialProcess(&b, tt.in); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("missing secret", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteCredentialProcess(&b, Credentials{AccessKeyID: fakeKeyID}); err == nil {
			t.Fatal("no error for credentials without a secret")
		}
		if b.Len() != 0 {
			t.Errorf("wrote %q", b.String())
		}
	})
}

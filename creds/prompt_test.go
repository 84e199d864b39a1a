package creds

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestProcessPrompter(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the commands below are POSIX sh")
	}
	tests := []struct {
		name     string
		command  string
		timeout  time.Duration
		want     string
		errIs    error
		contains []string
		absent   []string
	}{
		{name: "plain code", command: "echo 123456", want: "123456"},
		{name: "trimmed", command: `printf '  654321 \n\n'`, want: "654321"},
		{name: "shell features", command: `x=12; echo "${x}3456" | cat`, want: "123456"},
		{name: "not configured", command: "  ", errIs: ErrNoMFAPrompt},
		{name: "failure shows stderr", command: "echo 'no yubikey found' >&2; exit 3",
			contains: []string{"profile p: mfa_process failed", "exit status 3", "no yubikey found"}},
		{name: "not a code is not echoed", command: "echo hunter2-password",
			errIs: ErrInvalidMFACode, absent: []string{"hunter2"}},
		{name: "too long", command: "echo 1234567", errIs: ErrInvalidMFACode},
		{name: "timeout", command: "sleep 5", timeout: 100 * time.Millisecond, contains: []string{"within 100ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ProcessPrompter{Command: tt.command, Timeout: tt.timeout}
			got, err := p.MFACode(context.Background(), "p", "arn:aws:iam::111111111111:mfa/dev")
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Fatalf("err = %v, want %v", err, tt.errIs)
			}
			if tt.errIs == nil && len(tt.contains) == 0 && err != nil {
				t.Fatalf("err = %v", err)
			}
			if len(tt.contains) > 0 && err == nil {
				t.Fatalf("err = nil, want an error")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("code (-want +got):\n%s", diff)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			for _, s := range tt.absent {
				if err != nil && strings.Contains(err.Error(), s) {
					t.Errorf("error %q shows %q", err, s)
				}
			}
		})
	}
}

func TestChainPrompter(t *testing.T) {
	unavailable := PrompterFunc(func(context.Context, string, string) (string, error) { return "", ErrNoMFAPrompt })
	code := func(c string) Prompter {
		return PrompterFunc(func(context.Context, string, string) (string, error) { return c, nil })
	}
	broken := errors.New("device unplugged")
	failing := PrompterFunc(func(context.Context, string, string) (string, error) { return "", broken })
	tests := []struct {
		name  string
		chain ChainPrompter
		want  string
		errIs error
	}{
		{"first wins", ChainPrompter{code("111111"), code("222222")}, "111111", nil},
		{"unavailable passes on", ChainPrompter{unavailable, nil, code("222222")}, "222222", nil},
		{"other errors stop", ChainPrompter{failing, code("222222")}, "", broken},
		{"nothing left", ChainPrompter{unavailable}, "", ErrNoMFAPrompt},
		{"empty", nil, "", ErrNoMFAPrompt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.chain.MFACode(context.Background(), "p", "serial")
			if !errors.Is(err, tt.errIs) {
				t.Fatalf("err = %v, want %v", err, tt.errIs)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("code (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTTYPrompterWithoutTerminal(t *testing.T) {
	p := TTYPrompter{Path: filepath.Join(t.TempDir(), "no-tty")}
	_, err := p.MFACode(context.Background(), "p", "serial")
	if !errors.Is(err, ErrNoMFAPrompt) {
		t.Fatalf("err = %v, want ErrNoMFAPrompt", err)
	}
}

func TestValidateMFACode(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"123456", true}, {"000000", true}, {"12345", false}, {"1234567", false},
		{"12345a", false}, {" 123456", false}, {"１２３４５６", false}, {"", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			err := ValidateMFACode(tt.code)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateMFACode(%q) = %v, want ok=%t", tt.code, err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), tt.code) && tt.code != "" {
				t.Errorf("error %q shows the code", err)
			}
		})
	}
}

package creds

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestConfigFileReplace: the write happens only over the content it was
// planned against; the mode and a symlink are kept.
func TestConfigFileReplace(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "aws-config")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	f := ConfigFile{Path: link}
	for _, tt := range []struct {
		name     string
		old, new string
		wantErr  error
		wantData string
	}{
		{"changed since read", "other\n", "new\n", ErrConfigChanged, "old\n"},
		{"as planned", "old\n", "new\n", nil, "new\n"},
		{"again from the old content", "old\n", "newer\n", ErrConfigChanged, "new\n"},
	} {
		err := f.Replace([]byte(tt.old), []byte(tt.new))
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.wantErr)
		}
		data, _ := os.ReadFile(target)
		if string(data) != tt.wantData {
			t.Errorf("%s: file holds %q, want %q", tt.name, data, tt.wantData)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", fi, err)
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode after the write: %v %v", fi, err)
	}
}

func TestOrgError(t *testing.T) {
	for _, tt := range []struct {
		status   int
		body     string
		code     string
		retrying bool
	}{
		{400, `{"__type":"AWSOrganizationsNotInUseException","message":"not in one"}`, "AWSOrganizationsNotInUseException", false},
		{403, `{"__type":"com.amazonaws.organizations#AccessDeniedException","Message":"no"}`, "AccessDeniedException", false},
		{400, `{"__type":"TooManyRequestsException","Message":"slow down"}`, "TooManyRequestsException", true},
		{http.StatusServiceUnavailable, `<html>busy</html>`, http.StatusText(http.StatusServiceUnavailable), true},
	} {
		err := orgError(tt.status, []byte(tt.body))
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != tt.code || ae.Status != tt.status {
			t.Errorf("orgError(%d, %s) = %#v, want code %s", tt.status, tt.body, err, tt.code)
			continue
		}
		c := newSignedClient(Credentials{}, "http://127.0.0.1:1", "organizations", "us-east-1", nil, nil, orgError)
		if got := c.retryer.IsErrorRetryable(err); got != tt.retrying {
			t.Errorf("%s: retryable %v, want %v", tt.code, got, tt.retrying)
		}
	}
}

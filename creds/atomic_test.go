package creds

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	tests := []struct {
		name     string
		existing *string // content already at the path
		perm     os.FileMode
	}{
		{name: "new file 0600", perm: 0o600},
		{name: "new file 0644", perm: 0o644},
		{name: "replaces existing", existing: new("old content that is longer than the new"), perm: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			if tt.existing != nil {
				if err := os.WriteFile(path, []byte(*tt.existing), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFileAtomic(path, []byte("new"), tt.perm); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff("new", string(got)); diff != "" {
				t.Errorf("content (-want +got):\n%s", diff)
			}
			if runtime.GOOS != "windows" {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != tt.perm {
					t.Errorf("mode = %04o, want %04o", fi.Mode().Perm(), tt.perm)
				}
			}
			if diff := cmp.Diff([]string{"f"}, dirNames(t, dir)); diff != "" {
				t.Errorf("directory holds leftovers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteFileAtomicFailureLeavesNothing(t *testing.T) {
	t.Run("rename over a directory", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "target")
		if err := os.Mkdir(target, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(target, "inside"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(target, []byte("x"), 0o600); err == nil {
			t.Fatal("WriteFileAtomic over a non-empty directory succeeded")
		}
		if diff := cmp.Diff([]string{"target"}, dirNames(t, dir)); diff != "" {
			t.Errorf("temporary file left behind (-want +got):\n%s", diff)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := WriteFileAtomic(filepath.Join(dir, "no", "such"), []byte("x"), 0o600); err == nil {
			t.Fatal("WriteFileAtomic into a missing directory succeeded")
		}
		if diff := cmp.Diff([]string{}, dirNames(t, dir)); diff != "" {
			t.Errorf("unexpected files (-want +got):\n%s", diff)
		}
	})
}

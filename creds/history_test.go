package creds

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func TestUsageHistory(t *testing.T) {
	tests := []struct {
		name string
		uses []string
		want map[string]Usage
	}{
		{"none", nil, map[string]Usage{}},
		{"counts", []string{"a", "b", "a"}, map[string]Usage{"a": {Count: 2, Last: t0}, "b": {Count: 1, Last: t0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state", "switcher")
			h := UsageHistory{Path: filepath.Join(dir, "history.json"), Now: func() time.Time { return t0 }}
			for _, u := range tt.uses {
				if err := h.Record(u); err != nil {
					t.Fatal(err)
				}
			}
			got, err := h.Load()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "history.json" {
					t.Errorf("left behind %s", e.Name())
				}
			}
		})
	}
	t.Run("no path keeps nothing", func(t *testing.T) {
		h := UsageHistory{Now: func() time.Time { return t0 }}
		if err := h.Record("a"); err != nil {
			t.Fatal(err)
		}
	})
}

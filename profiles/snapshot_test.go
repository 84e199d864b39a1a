package profiles

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// snapshotCases are config and credentials pairs covering what a Config
// holds: every section kind, nested values, notes, profiles in one file,
// the other or both, and absent files.
func snapshotCases(t *testing.T) map[string][2]string {
	t.Helper()
	cases := map[string][2]string{
		"empty":            {"", ""},
		"credentials only": {"", "[dev]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = fake\n"},
		"config only":      {"[default]\nregion = us-east-1\n", ""},
		"both files, merged": {"[profile dev]\nregion = eu-west-1\n[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/p\nsource_profile = dev\n",
			"[dev]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = fake\nregion = us-east-2\n"},
		"sso and services with nested values": {"[profile s]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = R\nservices = local\n" +
			"[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n" +
			"[services local]\nsts =\n  endpoint_url = http://127.0.0.1:4566\n  region = us-east-1\ns3 =\n  addressing_style = path\n", ""},
		"notes: duplicate sections and keys, ignored sections": {"[profile a]\nregion = x\nregion = y\n[profile a]\noutput = json\n[a]\nregion = z\n[plugins]\nk = v\n",
			"[profile b]\naws_access_key_id = AKIAEXAMPLE000000002\n"},
		"quoted names and odd keys": {"[profile \"with space\"]\nRegion = eu-west-1\nCUSTOM_Key : v\n# comment\n; other\n[profile   spaced]\nregion = a\n", ""},
		"generated":                 func() [2]string { c, k := genFiles(300); return [2]string{string(c), string(k)} }(),
	}
	for _, name := range []string{"sample", "broken"} {
		dir := filepath.Join("testdata", name)
		c, err := os.ReadFile(filepath.Join(dir, "config"))
		if err != nil {
			t.Fatal(err)
		}
		k, err := os.ReadFile(filepath.Join(dir, "credentials"))
		if err != nil {
			t.Fatal(err)
		}
		cases["testdata/config/"+name] = [2]string{string(c), string(k)}
	}
	return cases
}

// TestSnapshotRoundTrip: LoadAndSnapshot and LoadFromSnapshot give exactly
// what Load gives, unexported fields included.
func TestSnapshotRoundTrip(t *testing.T) {
	for name, files := range snapshotCases(t) {
		t.Run(name, func(t *testing.T) {
			want, err := Load("config", []byte(files[0]), "credentials", []byte(files[1]))
			if err != nil {
				t.Skipf("Load fails (%v): nothing to snapshot", err)
			}
			got, snap, err := LoadAndSnapshot("config", []byte(files[0]), "credentials", []byte(files[1]))
			if err != nil {
				t.Fatal(err)
			}
			opt := cmp.AllowUnexported(Config{})
			if diff := cmp.Diff(want, got, opt); diff != "" {
				t.Errorf("LoadAndSnapshot (-Load +got):\n%s", diff)
			}
			if snap == nil {
				t.Fatal("no snapshot for a config without secrets")
			}
			back, err := LoadFromSnapshot(snap, "credentials", []byte(files[1]))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, back, opt); diff != "" {
				t.Errorf("LoadFromSnapshot (-Load +got):\n%s", diff)
			}
		})
	}
}

// TestSnapshotKnowsConfigFields fails when Config gains a field: the
// snapshot must learn to carry it (encodeSnapshot, decodeSnapshot), or
// LoadFromSnapshot would quietly drop it.
func TestSnapshotKnowsConfigFields(t *testing.T) {
	known := []string{"ConfigFile", "CredentialsFile", "profiles", "byName", "sso", "ssoList", "services", "svcList", "notes", "broken", "continued"}
	var got []string
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	if diff := cmp.Diff(known, got); diff != "" {
		t.Errorf("Config fields changed; update snapshot.go (-known +now):\n%s", diff)
	}
}

// TestSnapshotNeverHoldsSecrets: secrets of the credentials file are not
// in the snapshot, and a config file holding one gets no snapshot.
func TestSnapshotNeverHoldsSecrets(t *testing.T) {
	const secret = "fake-secret-never-copied"
	tests := []struct {
		name         string
		config       string
		wantSnapshot bool
	}{
		{"secret in credentials", "[profile dev]\nregion = eu-west-1\n", true},
		{"secret key in config", "[profile dev]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = " + secret + "\n", false},
		{"session token in config", "[profile dev]\naws_session_token = " + secret + "\n", false},
		{"secret nested in config", "[services x]\nsts =\n  aws_secret_access_key = " + secret + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := "[dev]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = " + secret + "\n"
			_, snap, err := LoadAndSnapshot("config", []byte(tt.config), "credentials", []byte(creds))
			if err != nil {
				t.Fatal(err)
			}
			if got := snap != nil; got != tt.wantSnapshot {
				t.Fatalf("snapshot made: %t, want %t", got, tt.wantSnapshot)
			}
			if bytes.Contains(snap, []byte(secret)) {
				t.Error("the snapshot holds the secret")
			}
		})
	}
}

// TestSnapshotCorrupt: every truncation and every single-byte change either
// fails with ErrBadSnapshot or decodes; nothing panics.
func TestSnapshotCorrupt(t *testing.T) {
	files := snapshotCases(t)["both files, merged"]
	_, snap, err := LoadAndSnapshot("config", []byte(files[0]), "credentials", nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, data []byte) {
		t.Helper()
		if _, err := LoadFromSnapshot(data, "credentials", nil); err != nil && !errors.Is(err, ErrBadSnapshot) {
			t.Fatalf("error %v does not wrap ErrBadSnapshot", err)
		}
	}
	t.Run("truncated", func(t *testing.T) {
		for n := range len(snap) {
			if _, err := LoadFromSnapshot(snap[:n], "credentials", nil); !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("%d of %d bytes: err = %v, want ErrBadSnapshot", n, len(snap), err)
			}
		}
	})
	t.Run("one byte changed", func(t *testing.T) {
		for i := range snap {
			for _, b := range []byte{0x00, 0x7f, 0xff} {
				data := bytes.Clone(snap)
				data[i] = b
				check(t, data)
			}
		}
	})
	t.Run("other version", func(t *testing.T) {
		data := bytes.Clone(snap)
		data[len(snapshotMagic)-1]++
		if _, err := LoadFromSnapshot(data, "credentials", nil); !errors.Is(err, ErrBadSnapshot) {
			t.Fatalf("err = %v, want ErrBadSnapshot", err)
		}
	})
}

func FuzzLoadFromSnapshot(f *testing.F) {
	_, snap, err := LoadAndSnapshot("config", []byte("[profile a]\nregion = x\n[sso-session s]\nk = v\n"), "", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(snap)
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := LoadFromSnapshot(data, "credentials", nil); err != nil && !errors.Is(err, ErrBadSnapshot) {
			t.Fatalf("error %v does not wrap ErrBadSnapshot", err)
		}
	})
}

// TestLoadFromSnapshotFor: a partial decode plans every named profile as
// the whole Config does.
func TestLoadFromSnapshotFor(t *testing.T) {
	for name, files := range snapshotCases(t) {
		t.Run(name, func(t *testing.T) {
			full, snap, err := LoadAndSnapshot("config", []byte(files[0]), "credentials", []byte(files[1]))
			if err != nil {
				t.Skipf("Load fails (%v)", err)
			}
			for _, p := range full.Profiles() {
				part, err := LoadFromSnapshotFor(snap, []string{p.Name}, "credentials", []byte(files[1]))
				if err != nil {
					t.Fatal(err)
				}
				want, wantErr := full.Plan(p.Name, PlanOptions{})
				got, gotErr := part.Plan(p.Name, PlanOptions{})
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Plan(%s) (-whole +partial):\n%s", p.Name, diff)
				}
				if diff := cmp.Diff(fmt.Sprint(wantErr), fmt.Sprint(gotErr)); diff != "" {
					t.Errorf("Plan(%s) error (-whole +partial):\n%s", p.Name, diff)
				}
				if len(part.Profiles()) > len(full.Profiles()) {
					t.Errorf("partial decode has %d profiles, the whole %d", len(part.Profiles()), len(full.Profiles()))
				}
			}
			if _, err := LoadFromSnapshotFor(snap, []string{"no-such-profile"}, "credentials", []byte(files[1])); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("only the chain is decoded", func(t *testing.T) {
		config, creds := genFiles(1000)
		_, snap, err := LoadAndSnapshot("config", config, "credentials", creds)
		if err != nil {
			t.Fatal(err)
		}
		part, err := LoadFromSnapshotFor(snap, []string{"acct-00995"}, "credentials", creds)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range part.Profiles() {
			if p.InConfig {
				got = append(got, p.Name)
			}
		}
		if diff := cmp.Diff([]string{"acct-00990", "acct-00991", "acct-00995"}, got); diff != "" {
			t.Errorf("config profiles decoded (-want +got):\n%s", diff)
		}
	})
}

package profiles

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func loadTestdata(t *testing.T, name string) *Config {
	t.Helper()
	read := func(f string) []byte {
		data, err := os.ReadFile("testdata/" + name + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	cfg, err := Load("config", read("config"), "credentials", read("credentials"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// filledRow sets every field of a Row, so that a field the index does not
// know shows up as a difference.
func filledRow(t *testing.T) Row {
	t.Helper()
	var r Row
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString(name + ` "quoted" \ <b>&</b>`)
		case reflect.Int:
			f.SetInt(int64(42 + i))
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{name + "-1", name + "-2"}))
		default:
			t.Fatalf("Row.%s is a %s: teach EncodeRows and this test about it", name, f.Kind())
		}
	}
	return r
}

// TestRowFields fails when Row gains a field: the rows index (EncodeRows,
// DecodeRows) and list's JSON writer must learn it.
func TestRowFields(t *testing.T) {
	known := []string{"Name", "RoleARN", "Account", "Role", "SourceProfile", "Chain", "Region", "MFASerial", "MFA", "Source", "Pos", "CachedLeftSeconds", "Error", "Short"}
	var got []string
	typ := reflect.TypeFor[Row]()
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	if diff := cmp.Diff(known, got); diff != "" {
		t.Errorf("Row fields changed; update rows.go and cli's writeListJSON (-known +now):\n%s", diff)
	}
}

func TestRowsIndexRoundTrip(t *testing.T) {
	filled := filledRow(t)
	filled.CachedLeftSeconds = 0 // not stored
	tests := []struct {
		name string
		rows []Row
	}{
		{"none", []Row{}},
		{"every field", []Row{filled, {Name: "nil chain"}, {Name: "empty chain", Chain: []string{}}}},
		{"sample", loadTestdata(t, "sample").Rows()},
		{"broken", loadTestdata(t, "broken").Rows()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := EncodeRows(tt.rows)
			got, err := DecodeRows(data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.rows, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			for n := range len(data) {
				if _, err := DecodeRows(data[:n]); err == nil {
					t.Fatalf("%d of %d bytes decoded without error", n, len(data))
				}
			}
		})
	}
}

// TestRowsSplit: rows computed by several workers (a large config) are the
// rows computed one by one, in the same order.
func TestRowsSplit(t *testing.T) {
	var config, creds strings.Builder
	for i := range 5000 {
		switch i % 50 {
		case 0:
			fmt.Fprintf(&config, "[profile user-%d]\nmfa_serial = arn:aws:iam::%012d:mfa/u\n", i, i)
			fmt.Fprintf(&creds, "[user-%d]\naws_access_key_id = AKIAEXAMPLE%09d\naws_secret_access_key = fake\n", i, i)
		case 7:
			fmt.Fprintf(&config, "[profile broken-%d]\nrole_arn = arn:aws:iam::%012d:role/B\nsource_profile = missing\n", i, i)
		case 9:
			fmt.Fprintf(&config, "[profile plain-%d]\nregion = eu-west-1\n", i)
		default:
			fmt.Fprintf(&config, "[profile p-%d]\nrole_arn = arn:aws:iam::%012d:role/R\nsource_profile = user-%d\n", i, i, i-i%50)
		}
	}
	cfg, err := Load("config", []byte(config.String()), "credentials", []byte(creds.String()))
	if err != nil {
		t.Fatal(err)
	}
	var want []Row
	for _, roles := range []bool{true, false} {
		for _, p := range cfg.Profiles() {
			if p.IsRole() == roles {
				want = append(want, cfg.RowFor(p))
			}
		}
	}
	for _, workers := range []int{1, 2, 4} {
		if diff := cmp.Diff(want, cfg.rowsSplit(workers)); diff != "" {
			t.Errorf("%d workers: rows (-one by one +split):\n%s", workers, diff)
		}
	}
}

package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switcher-cli/switcher/profiles"
)

// Cheaper parts of `switcher list` for large configs.

// addCachedLeftIndexed is addCachedLeft in O(cache entries) instead of
// O(profiles): every session the engine stores names the profile asked
// for (Session.Profile), so one pass over the cache directory finds the
// few profiles that can have a live session, and only those are asked of
// the engine (which checks that the entry is the one for the profile's
// current chain). Rows and values are those addCachedLeft gives.
func (a *app) addCachedLeftIndexed(rows []listRow, cfg *profiles.Config) {
	if a.noCache {
		return
	}
	dir, err := a.cacheDir()
	if err != nil {
		a.debugf("list: no cached times: %v", err)
		return
	}
	live := liveSessionProfiles(dir, a.clock())
	if len(live) == 0 {
		return
	}
	var some []listRow
	var at []int
	for i := range rows {
		if live[rows[i].Name] {
			some = append(some, rows[i])
			at = append(at, i)
		}
	}
	a.addCachedLeft(some, cfg)
	for j, i := range at {
		rows[i].CachedLeftSeconds = some[j].CachedLeftSeconds
	}
}

// liveSessionProfiles lists the profiles named by unexpired cache entries.
func liveSessionProfiles(dir string, now time.Time) map[string]bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	live := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		var s struct {
			Profile    string
			Expiration time.Time
		}
		if json.Unmarshal(data, &s) == nil && s.Profile != "" && s.Expiration.After(now) {
			live[s.Profile] = true
		}
	}
	return live
}

// writeListJSON writes rows exactly as writeDataJSON does (two-space
// indent, no HTML escaping, final newline), without reflection or a
// re-indenting pass. TestWriteListJSONMatches holds it to that.
func writeListJSON(w io.Writer, rows []listRow) error {
	if rows == nil {
		_, err := io.WriteString(w, "null\n")
		return err
	}
	if len(rows) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	b := make([]byte, 0, 400*len(rows))
	b = append(b, "[\n"...)
	for i := range rows {
		r := &rows[i]
		b = append(b, "  {\n"...)
		b = appendField(b, "name", r.Name)
		b = appendField(b, "role_arn", r.RoleARN)
		b = appendField(b, "account", r.Account)
		b = appendField(b, "role", r.Role)
		b = appendField(b, "source_profile", r.SourceProfile)
		b = append(b, `    "chain": `...)
		switch {
		case r.Chain == nil:
			b = append(b, "null"...)
		case len(r.Chain) == 0:
			b = append(b, "[]"...)
		default:
			b = append(b, "[\n"...)
			for j, c := range r.Chain {
				b = append(b, "      "...)
				b = appendJSONString(b, c)
				if j < len(r.Chain)-1 {
					b = append(b, ',')
				}
				b = append(b, '\n')
			}
			b = append(b, "    ]"...)
		}
		b = append(b, ",\n"...)
		b = appendField(b, "region", r.Region)
		b = appendField(b, "mfa_serial", r.MFASerial)
		b = appendField(b, "mfa", r.MFA)
		b = appendField(b, "source", r.Source)
		b = appendField(b, "pos", r.Pos)
		b = append(b, `    "cached_left_seconds": `...)
		b = strconv.AppendInt(b, int64(r.CachedLeftSeconds), 10)
		if r.Error != "" {
			b = append(b, ",\n"...)
			b = append(b, `    "error": `...)
			b = appendJSONString(b, r.Error)
		}
		b = append(b, "\n  }"...)
		if i < len(rows)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		if len(b) > 1<<20 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	b = append(b, "]\n"...)
	_, err := w.Write(b)
	return err
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, `    "`...)
	b = append(b, name...)
	b = append(b, `": `...)
	b = appendJSONString(b, value)
	return append(b, ",\n"...)
}

// appendJSONString quotes s as encoding/json does with SetEscapeHTML(false):
// plain printable ASCII is copied; anything else goes through json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendJSONSlow(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONSlow(b []byte, s string) []byte {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil { // a string always encodes
		return append(b, `""`...)
	}
	return append(b, strings.TrimSuffix(sb.String(), "\n")...)
}

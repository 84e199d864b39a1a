package profiles

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// The line index: ini.v1 gives values but no line numbers, so one cheap pass
// over the same bytes records where each section header, key and nested
// value is. It classifies lines exactly as ini.v1's parser does (with the
// options in loadOptions), so its sections and keys line up one to one with
// ini.v1's, and it reports malformed lines with their line number, which
// ini.v1 cannot.

// idxKey is one distinct key of a section occurrence, in first-seen order
// (ini.v1's key order).
type idxKey struct {
	name   string // lower-cased, as ini.v1 stores it
	line   int    // the first line that set it
	dups   []int  // later lines that set it again (the last one wins)
	nested []int  // lines of nested values, in ini.v1's NestedValues order
}

// idxSection is one section header occurrence.
type idxSection struct {
	header string // raw name between the brackets
	line   int
	keys   []idxKey
	byName map[string]int // built only for large sections
}

// lineIndex is the result of indexing one file.
type lineIndex struct {
	sections []idxSection
	// preamble holds lines of settings before any section header.
	preamble []int
}

const bigSection = 32

func (s *idxSection) find(name string) int {
	if s.byName != nil {
		if i, ok := s.byName[name]; ok {
			return i
		}
		return -1
	}
	for i := range s.keys {
		if s.keys[i].name == name {
			return i
		}
	}
	return -1
}

func (s *idxSection) add(name string, line int) int {
	if i := s.find(name); i >= 0 {
		s.keys[i].dups = append(s.keys[i].dups, line)
		return i
	}
	if s.keys == nil {
		s.keys = make([]idxKey, 0, 8)
	}
	s.keys = append(s.keys, idxKey{name: name, line: line})
	i := len(s.keys) - 1
	if s.byName != nil {
		s.byName[name] = i
	} else if len(s.keys) > bigSection {
		s.byName = make(map[string]int, 2*bigSection)
		for j := range s.keys {
			s.byName[s.keys[j].name] = j
		}
	}
	return i
}

// stripBOM drops the byte-order marks ini.v1 drops.
func stripBOM(data []byte) []byte {
	switch {
	case len(data) >= 2 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE):
		return data[2:]
	case len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF:
		return data[3:]
	}
	return data
}

// indexLines scans data once. It returns a *ParseError for the lines ini.v1
// (and the AWS CLI) would reject.
func indexLines(file string, data []byte) (*lineIndex, error) {
	data = stripBOM(data)
	idx := &lineIndex{sections: make([]idxSection, 0, bytes.Count(data, []byte("\n[")))}
	var (
		cur       *idxSection
		lastKey   = -1 // index into cur.keys; -1 for none or the preamble
		lastEmpty bool // last key had an empty value: indented lines nest
		autoIncr  = 1
		lineNo    int
		rest      = data
	)
	bad := func(line int, format string, args ...any) error {
		return &ParseError{Pos: Pos{File: file, Line: line}, Msg: fmt.Sprintf(format, args...)}
	}
	next := func() ([]byte, bool) {
		if len(rest) == 0 && lineNo > 0 {
			return nil, false
		}
		lineNo++
		i := bytes.IndexByte(rest, '\n')
		var l []byte
		if i < 0 {
			l, rest = rest, nil
		} else {
			l, rest = rest[:i+1], rest[i+1:]
		}
		return l, true
	}
	for {
		raw, ok := next()
		if !ok {
			break
		}
		if lastEmpty && len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') {
			if cur != nil && lastKey >= 0 {
				cur.keys[lastKey].nested = append(cur.keys[lastKey].nested, lineNo)
			}
			continue
		}
		line := bytes.TrimLeftFunc(raw, unicode.IsSpace)
		if len(line) == 0 {
			if len(rest) == 0 {
				break
			}
			continue
		}
		switch line[0] {
		case '#', ';':
			continue
		case '[':
			end := bytes.LastIndexByte(line, ']')
			if end < 0 {
				return nil, bad(lineNo, "section header %q has no closing ]", trimLine(line))
			}
			if end == 1 {
				return nil, bad(lineNo, "section header [] has no name")
			}
			idx.sections = append(idx.sections, idxSection{header: string(line[1:end]), line: lineNo})
			cur = &idx.sections[len(idx.sections)-1]
			lastKey, lastEmpty, autoIncr = -1, false, 1
			continue
		}
		name, off, err := keyName(line)
		if err != "" {
			return nil, bad(lineNo, "%s: %q", err, trimLine(line))
		}
		if name == "-" {
			name = "#" + strconv.Itoa(autoIncr)
			autoIncr++
		}
		empty, consumed, ok := valueShape(line[off:], rest)
		if !ok {
			return nil, bad(lineNo, "quoted value is never closed")
		}
		keyLine := lineNo
		for range consumed {
			next()
		}
		if cur == nil {
			idx.preamble = append(idx.preamble, keyLine)
			lastKey = -1
		} else {
			lastKey = cur.add(name, keyLine)
		}
		lastEmpty = empty
	}
	return idx, nil
}

// keyName mirrors ini.v1's readKeyName with the delimiters "=:". It returns
// the key name, the offset just past the delimiter, or a problem.
func keyName(line []byte) (string, int, string) {
	var q []byte
	switch line[0] {
	case '"':
		if len(line) > 6 && string(line[:3]) == `"""` {
			q = []byte(`"""`)
		} else {
			q = []byte(`"`)
		}
	case '`':
		q = []byte("`")
	}
	if q != nil {
		start := len(q)
		pos := bytes.Index(line[start:], q)
		if pos < 0 {
			return "", 0, "key name quote is never closed"
		}
		pos += start
		i := bytes.IndexAny(line[pos+start:], "=:")
		if i < 0 {
			return "", 0, "line is neither a [section], a key = value setting nor a comment"
		}
		name := bytes.TrimSpace(line[start:pos])
		if len(name) == 0 {
			return "", 0, "setting has an empty key name"
		}
		return lowerString(name), pos + i + start + 1, ""
	}
	end := bytes.IndexAny(line, "=:")
	if end < 0 {
		return "", 0, "line is neither a [section], a key = value setting nor a comment"
	}
	name := bytes.TrimSpace(line[:end])
	if len(name) == 0 {
		return "", 0, "setting has an empty key name"
	}
	return lowerString(name), end + 1, ""
}

// lowerString is strings.ToLower(string(b)), without allocating for the
// keys switcher knows.
func lowerString(b []byte) string {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(string(b))
		}
	}
	switch string(b) { // no allocation: the compiler compares the bytes
	case KeyRoleARN:
		return KeyRoleARN
	case KeySourceProfile:
		return KeySourceProfile
	case KeyRegion:
		return KeyRegion
	case KeyMFASerial:
		return KeyMFASerial
	case KeyRoleSessionName:
		return KeyRoleSessionName
	case KeyDurationSeconds:
		return KeyDurationSeconds
	case KeyAccessKeyID:
		return KeyAccessKeyID
	case KeySecretAccessKey:
		return KeySecretAccessKey
	case KeySessionToken:
		return KeySessionToken
	case KeyExternalID:
		return KeyExternalID
	case KeyCredentialSource:
		return KeyCredentialSource
	case "output":
		return "output"
	}
	return string(b)
}

// valueShape mirrors ini.v1's readValue for our options: it says whether the
// value is empty (so indented lines that follow are nested values) and how
// many following lines a """ or ` quoted value spans.
func valueShape(in, rest []byte) (empty bool, consumed int, ok bool) {
	line := bytes.TrimLeftFunc(in, unicode.IsSpace)
	if len(line) == 0 {
		return true, 0, true
	}
	var q []byte
	switch {
	case len(line) > 3 && string(line[:3]) == `"""`:
		q = []byte(`"""`)
	case line[0] == '`':
		q = []byte("`")
	}
	if q == nil {
		return len(bytes.TrimSpace(line)) == 0, 0, true
	}
	pos := bytes.LastIndex(line[len(q):], q)
	if pos >= 0 {
		return pos == 0, 0, true
	}
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		var l []byte
		if i < 0 {
			l, rest = rest, nil
		} else {
			l, rest = rest[:i+1], rest[i+1:]
		}
		consumed++
		if bytes.LastIndex(l, q) >= 0 {
			return false, consumed, true
		}
	}
	return false, consumed, false
}

func trimLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

package profiles

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The parser of record. One pass over a file reads its sections, keys,
// values and nested values the way gopkg.in/ini.v1 reads them with the
// AWS-CLI-like options of the tests' reference reading (key names
// case-insensitive, section names not, full-line comments only, no inline
// comments, quotes kept, """ and ` values across lines, indented lines
// under an empty value nested), and records the line of everything it
// reads. FuzzLoad and TestParseMatchesINI hold it to ini.v1 where ini.v1
// reads a file. Two things it reads where ini.v1 gives up:
//
//   - a line indented deeper than the key before it, with no '=' or ':',
//     continues that key's value (joined with a newline), as the AWS CLI
//     (Python's configparser) and the Go SDK read it:
//     "credential_process = /bin/tool" then "  --flag";
//   - any other line it cannot read (a header with no ']', a line that is
//     no setting, a setting before any header, an unclosed quote) is a
//     problem of its section, not of the file: it is skipped and reported,
//     the profile it is in cannot be used (Resolve says why, with the
//     line), and every other profile still loads.
//
// Values are substrings of one copy of the file: reading allocates little
// beyond the Config itself.

// scanSection is one section header occurrence and the settings under it,
// as the scanner hands it over: valid until the next one.
type scanSection struct {
	header string // raw name between the brackets
	line   int
	keys   []scanKey // first-seen order (ini.v1's key order)
	// problems are the lines of the section that could not be read (text
	// is the explanation); badHeader says its header is one of them.
	problems  []rawLine
	badHeader bool
	// deeper are settings indented deeper than the setting above them:
	// the AWS CLI reads such a line as part of the value above, the SDKs
	// (and switcher) as a setting.
	deeper []rawLine
}

// scanKey is one distinct key of a section occurrence.
type scanKey struct {
	name   string // lower-cased, as ini.v1 stores it
	val    Value  // the last value set (trimmed), at the line that set it
	lines  []int  // every line that set it, when more than one
	nested []nestedValue
	raw    []rawLine // nested lines as read; flush parses them into nested
	auto   bool      // last set by an auto-numbered "-" key
}

type rawLine struct {
	text string // trimmed
	line int
}

type nestedValue struct {
	key string
	val Value
}

// bigSection is the number of keys above which a section's keys are found
// through a map rather than by a linear scan.
const bigSection = 32

// scanner reads one file.
type scanner struct {
	path   string
	text   string
	emit   func(*scanSection)
	sec    scanSection
	inSec  bool
	byName map[string]int // keys of a big section; nil until one is seen
	mapped bool           // byName holds the current section's keys
	// outside are the problems of lines before any section header.
	outside []rawLine
	// continued counts the lines read as continuations (tests compare
	// with ini.v1 only files without them).
	continued int
}

// scanFile reads data and calls emit for each section occurrence, in file
// order, and returns the problems of lines before any section header.
func scanFile(path string, data []byte, emit func(*scanSection)) (outside []rawLine, continued int) {
	s := &scanner{path: path, text: string(stripBOM(data)), emit: emit}
	s.run()
	s.flush()
	return s.outside, s.continued
}

// problem records a line that cannot be read, against its section.
func (s *scanner) problem(line int, format string, args ...any) {
	r := rawLine{text: fmt.Sprintf(format, args...), line: line}
	if s.inSec {
		s.sec.problems = append(s.sec.problems, r)
		return
	}
	s.outside = append(s.outside, r)
}

// lineState is what the scanner remembers from one line to the next.
type lineState struct {
	lastKey    int  // index into s.sec.keys; -1 for none or the preamble
	lastEmpty  bool // last key had an empty value: indented lines nest
	lastIndent int  // the indentation of the last key's line
	autoIncr   int
}

func (s *scanner) run() {
	text := s.text
	st := lineState{lastKey: -1, autoIncr: 1}
	lineNo, off := 0, 0 // off: start of the next line
	for off < len(text) || lineNo == 0 {
		lineNo++
		start := off
		if i := strings.IndexByte(text[off:], '\n'); i >= 0 {
			off += i + 1
		} else {
			off = len(text)
		}
		consumed, next := s.line(&st, text[start:off], lineNo, off)
		lineNo += consumed
		off = next
	}
}

// line reads one line, raw, that ends at off (a quoted value may run on:
// consumed more lines, up to next).
func (s *scanner) line(st *lineState, raw string, lineNo, off int) (consumed, next int) {
	if st.lastEmpty && len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') {
		s.nested(st, raw, lineNo)
		return 0, off
	}
	line := trimLeftSpace(raw)
	if line == "" || line[0] == '#' || line[0] == ';' {
		return 0, off
	}
	if line[0] == '[' {
		s.header(st, line, lineNo)
		return 0, off
	}
	name, valOff, problem := keyName(line)
	if problem != "" {
		if s.continues(st, raw, line) {
			return 0, off
		}
		s.problem(lineNo, "%s: %q", problem, trimLine(line))
		st.lastKey = -1
		return 0, off
	}
	auto := name == "-"
	if auto {
		name = "#" + strconv.Itoa(st.autoIncr)
		st.autoIncr++
	}
	valStart := off - len(line) + valOff
	value, empty, next, consumed, ok := readValue(s.text, valStart, off)
	if !ok {
		s.problem(lineNo, "quoted value is never closed: %q", trimLine(line))
		st.lastKey = -1
		return 0, off
	}
	indent := len(raw) - len(line)
	if s.inSec && st.lastKey >= 0 && !st.lastEmpty && indent > st.lastIndent {
		s.sec.deeper = append(s.sec.deeper, rawLine{text: s.sec.keys[st.lastKey].name, line: lineNo})
	}
	st.lastKey = -1
	if s.inSec {
		st.lastKey = s.add(name, value, lineNo, auto)
	} else {
		s.problem(lineNo, "setting before any [section] header: %q", trimLine(line))
	}
	st.lastEmpty = empty
	st.lastIndent = indent
	return consumed, next
}

// header starts a section. A header that cannot be read still starts one
// (named as well as it can be), so that the lines under it are that
// section's, with the header's problem: they never spill into the section
// before.
func (s *scanner) header(st *lineState, line string, lineNo int) {
	header, _, problem := SectionHeader(line)
	s.flush()
	s.sec = scanSection{header: header, line: lineNo, keys: s.sec.keys[:0]}
	if problem != "" {
		s.sec.header = strings.TrimSpace(strings.TrimPrefix(trimLine(line), "["))
		s.sec.problems = append(s.sec.problems, rawLine{text: problem, line: lineNo})
		s.sec.badHeader = true
	}
	s.inSec, s.mapped = true, false
	*st = lineState{lastKey: -1, autoIncr: 1}
}

// continues adds an indented line with no delimiter to the value of the
// key above it when the line is indented deeper than that key: the AWS
// CLI's (configparser's) and the Go SDK's continuation line.
func (s *scanner) continues(st *lineState, raw, line string) bool {
	if !s.inSec || st.lastKey < 0 || st.lastEmpty || len(raw)-len(line) <= st.lastIndent {
		return false
	}
	k := &s.sec.keys[st.lastKey]
	k.val.Value += "\n" + strings.TrimSpace(line)
	s.continued++
	return true
}

// nested keeps an indented line under the last key with an empty value.
func (s *scanner) nested(st *lineState, raw string, lineNo int) {
	if !s.inSec || st.lastKey < 0 {
		return
	}
	k := &s.sec.keys[st.lastKey]
	if k.auto {
		s.problem(lineNo, "nested setting under an auto-numbered (-) key: %q", trimLine(raw))
		return
	}
	k.raw = append(k.raw, rawLine{text: strings.TrimSpace(raw), line: lineNo})
}

// add sets a key of the current section and returns its index.
func (s *scanner) add(name, raw string, line int, auto bool) int {
	v := Value{Value: strings.TrimSpace(raw), Pos: Pos{File: s.path, Line: line}}
	if i := s.find(name); i >= 0 {
		k := &s.sec.keys[i]
		if k.lines == nil {
			k.lines = append(make([]int, 0, 2), k.val.Pos.Line)
		}
		k.lines = append(k.lines, line)
		k.val, k.auto = v, auto
		return i
	}
	s.sec.keys = append(s.sec.keys, scanKey{name: name, val: v, auto: auto})
	i := len(s.sec.keys) - 1
	switch {
	case s.mapped:
		s.byName[name] = i
	case len(s.sec.keys) > bigSection:
		if s.byName == nil {
			s.byName = make(map[string]int, 2*bigSection)
		}
		clear(s.byName)
		for j := range s.sec.keys {
			s.byName[s.sec.keys[j].name] = j
		}
		s.mapped = true
	}
	return i
}

func (s *scanner) find(name string) int {
	if s.mapped {
		if i, ok := s.byName[name]; ok {
			return i
		}
		return -1
	}
	for i := range s.sec.keys {
		if s.sec.keys[i].name == name {
			return i
		}
	}
	return -1
}

// flush parses the current section's nested lines and hands it over.
func (s *scanner) flush() {
	if !s.inSec {
		return
	}
	for i := range s.sec.keys {
		k := &s.sec.keys[i]
		for _, r := range k.raw {
			if r.text == "" || r.text[0] == '#' || r.text[0] == ';' {
				continue
			}
			nk, nv, ok := strings.Cut(r.text, "=")
			if !ok || strings.TrimSpace(nk) == "" {
				s.sec.problems = append(s.sec.problems, rawLine{
					text: fmt.Sprintf("nested setting under %s is not key = value: %q", k.name, trimLine(r.text)), line: r.line})
				continue
			}
			k.nested = append(k.nested, nestedValue{
				key: strings.TrimSpace(nk),
				val: Value{Value: strings.TrimSpace(nv), Pos: Pos{File: s.path, Line: r.line}},
			})
		}
	}
	s.emit(&s.sec)
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

// trimLeftSpace is strings.TrimLeftFunc(s, unicode.IsSpace), with a fast
// path for ASCII.
func trimLeftSpace(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return s
			}
			s = s[1:]
			continue
		}
		r, n := utf8.DecodeRuneInString(s)
		if !unicode.IsSpace(r) {
			return s
		}
		s = s[n:]
	}
	return s
}

// keyName mirrors ini.v1's readKeyName with the delimiters "=:" and its
// NewKey's checks. It returns the lower-cased key name, the offset just
// past the delimiter, or a problem.
func keyName(line string) (string, int, string) {
	var q string
	switch line[0] {
	case '"':
		if len(line) > 6 && line[:3] == `"""` {
			q = `"""`
		} else {
			q = `"`
		}
	case '`':
		q = "`"
	}
	if q != "" {
		start := len(q)
		pos := strings.Index(line[start:], q)
		if pos < 0 {
			return "", 0, "key name quote is never closed"
		}
		pos += start
		i := strings.IndexAny(line[pos+start:], "=:")
		if i < 0 {
			return "", 0, "line is neither a [section], a key = value setting nor a comment"
		}
		name := strings.TrimSpace(line[start:pos])
		if name == "" {
			return "", 0, "setting has an empty key name"
		}
		return lower(name), pos + i + start + 1, ""
	}
	end := strings.IndexAny(line, "=:")
	if end < 0 {
		return "", 0, "line is neither a [section], a key = value setting nor a comment"
	}
	name := strings.TrimSpace(line[:end])
	if name == "" {
		return "", 0, "setting has an empty key name"
	}
	return lower(name), end + 1, ""
}

// lower is strings.ToLower, returning s itself (no copy) when it is already
// lower-case ASCII.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
	}
	return s
}

// readValue mirrors ini.v1's readValue for the reference options. The
// value starts at text[start:] on a line that ends at next. It returns the
// value as ini.v1 reads it (not yet trimmed), whether it is empty (so
// indented lines that follow nest under it), where the line after it
// starts and how many more lines a """ or ` quoted value spanned; ok is
// false for a quoted value that is never closed.
func readValue(text string, start, next int) (val string, empty bool, after, consumed int, ok bool) {
	line := trimLeftSpace(text[start:next])
	if line == "" {
		return "", true, next, 0, true
	}
	var q string
	switch {
	case len(line) > 3 && line[:3] == `"""`:
		q = `"""`
	case line[0] == '`':
		q = "`"
	}
	if q == "" {
		v := strings.TrimSpace(line)
		return v, v == "", next, 0, true
	}
	body := line[len(q):]
	if p := strings.LastIndex(body, q); p >= 0 {
		return body[:p], p == 0, next, 0, true
	}
	// Across lines: from after the opening quote to the last quote of the
	// first line after it that has one, newlines included.
	bodyStart := next - len(body)
	for off := next; off < len(text); {
		end := len(text)
		if i := strings.IndexByte(text[off:], '\n'); i >= 0 {
			end = off + i + 1
		}
		consumed++
		if p := strings.LastIndex(text[off:end], q); p >= 0 {
			v := text[bodyStart : off+p]
			return v, v == "", end, consumed, true
		}
		off = end
	}
	return "", false, len(text), consumed, false
}

func trimLine(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// SectionHeader reads a line as a section header the way the AWS CLI's
// parser (and gopkg.in/ini.v1) does: after leading white space, '[', then
// the name up to the line's last ']', kept exactly as written (so
// "[ prod ]" is the section " prod ", not "prod"). isHeader is false for a
// line that does not start with '['; problem says what is wrong with one
// that does but has no ']' or no name. It is the one definition of a
// header: the config reader and the credentials-file writer both use it.
func SectionHeader(line string) (name string, isHeader bool, problem string) {
	line = trimLeftSpace(line)
	if line == "" || line[0] != '[' {
		return "", false, ""
	}
	end := strings.LastIndexByte(line, ']')
	switch {
	case end < 0:
		return "", true, fmt.Sprintf("section header %q has no closing ]", trimLine(line))
	case end == 1:
		return "", true, "section header [] has no name"
	}
	return line[1:end], true, ""
}

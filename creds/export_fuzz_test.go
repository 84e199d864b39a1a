package creds

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The fuzz tests check that the quoting round-trips through small parsers
// of the exact subset of sh and fish that the exporters emit. The parsers
// reject every unquoted character a shell would treat specially, so an
// output they accept cannot run a command. The real-shell test
// (TestExportEvaluatedInRealShells) checks that the parsers agree with the
// shells on the hostile values.

// shSafeUnquoted are the bytes sh keeps literal outside quotes.
const shSafeUnquoted = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-=./:,+@%"

// parseShWords splits one sh statement into words: unquoted safe bytes,
// '…' (literal up to the next quote) and \x (a literal x).
func parseShWords(src string) (words []string, rest string, err error) {
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			if inWord {
				words = append(words, cur.String())
			}
			return words, src[i+1:], nil
		case c == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(src[i+1:], '\'')
			if j < 0 {
				return nil, "", errors.New("unterminated single quote")
			}
			cur.WriteString(src[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '\\':
			if i+1 >= len(src) || src[i+1] == '\n' {
				return nil, "", errors.New("backslash at end of line")
			}
			cur.WriteByte(src[i+1])
			i++
			inWord = true
		case strings.IndexByte(shSafeUnquoted, c) >= 0:
			cur.WriteByte(c)
			inWord = true
		default:
			return nil, "", fmt.Errorf("unquoted special byte %q at %d", c, i)
		}
	}
	return nil, "", errors.New("statement not newline-terminated")
}

// parseSh reads `export NAME=value` and `unset NAME` statements.
func parseSh(src string) ([]envOp, error) {
	var ops []envOp
	for src != "" {
		words, rest, err := parseShWords(src)
		if err != nil {
			return nil, err
		}
		src = rest
		switch {
		case len(words) == 2 && words[0] == "unset":
			ops = append(ops, envOp{Name: words[1], Unset: true})
		case len(words) == 2 && words[0] == "export":
			name, value, ok := strings.Cut(words[1], "=")
			if !ok {
				return nil, fmt.Errorf("export without =: %q", words[1])
			}
			ops = append(ops, envOp{Name: name, Value: value})
		default:
			return nil, fmt.Errorf("unexpected statement %q", words)
		}
	}
	return ops, nil
}

// parseFishWords splits one fish statement: unquoted safe bytes and '…'
// where only \\ and \' are escapes.
func parseFishWords(src string) (words []string, rest string, err error) {
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			if inWord {
				words = append(words, cur.String())
			}
			return words, src[i+1:], nil
		case c == ' ' || c == ';':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
			if c == ';' {
				words = append(words, ";") // an unquoted statement separator
			}
		case c == '\'':
			i++
			for ; ; i++ {
				if i >= len(src) {
					return nil, "", errors.New("unterminated single quote")
				}
				if src[i] == '\'' {
					break
				}
				if src[i] == '\\' && i+1 < len(src) && (src[i+1] == '\\' || src[i+1] == '\'') {
					i++
				}
				cur.WriteByte(src[i])
			}
			inWord = true
		case strings.IndexByte(shSafeUnquoted, c) >= 0 && c != '%':
			cur.WriteByte(c)
			inWord = true
		default:
			return nil, "", fmt.Errorf("unquoted special byte %q at %d", c, i)
		}
	}
	return nil, "", errors.New("statement not newline-terminated")
}

// parseFish reads `set -gx NAME value` and `set -e NAME; or true` statements.
func parseFish(src string) ([]envOp, error) {
	var ops []envOp
	for src != "" {
		words, rest, err := parseFishWords(src)
		if err != nil {
			return nil, err
		}
		src = rest
		switch {
		case len(words) == 6 && words[0] == "set" && words[1] == "-e" && strings.Join(words[3:], " ") == "; or true":
			ops = append(ops, envOp{Name: words[2], Unset: true})
		case len(words) == 4 && words[0] == "set" && words[1] == "-gx":
			ops = append(ops, envOp{Name: words[2], Value: words[3]})
		default:
			return nil, fmt.Errorf("unexpected statement %q", words)
		}
	}
	return ops, nil
}

func addExportSeeds(f *testing.F) {
	f.Add("prod", "eu-west-1", fakeSecret)
	f.Add("p"+hostile, "r"+hostile, "s"+hostile)
	f.Add("'", `\`, `'\''`)
	f.Add("", "", "x\x00y")
	f.Add("\xff\xfe", "‘’", "$(id)`id`")
}

// fuzzExport checks that parse(WriteExports(s)) gives back exportOps(s).
func fuzzExport(t *testing.T, format Format, parse func(string) ([]envOp, error), profile, region, secret string) {
	t.Helper()
	s := &Session{
		Profile:     profile,
		Region:      region,
		Credentials: Credentials{AccessKeyID: fakeKeyID, SecretAccessKey: secret, SessionToken: region + secret, Expiration: time.Unix(1e9, 0)},
	}
	var b bytes.Buffer
	err := WriteExports(&b, format, s)
	if secret == "" {
		if err == nil {
			t.Fatal("no error for an empty secret")
		}
		return
	}
	if strings.Contains(profile+region+secret, "\x00") {
		if !errors.Is(err, ErrUnrepresentable) {
			t.Fatalf("NUL byte: err = %v, want ErrUnrepresentable", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := parse(b.String())
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, b.String())
	}
	if diff := cmp.Diff(exportOps(s), got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
}

func FuzzExportSh(f *testing.F) {
	addExportSeeds(f)
	f.Fuzz(func(t *testing.T, profile, region, secret string) {
		fuzzExport(t, FormatSh, parseSh, profile, region, secret)
	})
}

func FuzzExportFish(f *testing.F) {
	addExportSeeds(f)
	f.Fuzz(func(t *testing.T, profile, region, secret string) {
		fuzzExport(t, FormatFish, parseFish, profile, region, secret)
	})
}

func TestExportParsersRejectUnsafe(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) ([]envOp, error)
		src   string
	}{
		{name: "sh command substitution", parse: parseSh, src: "export A=$(id)\n"},
		{name: "sh semicolon", parse: parseSh, src: "export A=a;id\n"},
		{name: "sh double quotes", parse: parseSh, src: "export A=\"x\"\n"},
		{name: "sh open quote", parse: parseSh, src: "export A='x\n"},
		{name: "fish paren", parse: parseFish, src: "set -gx A (id)\n"},
		{name: "fish dollar", parse: parseFish, src: "set -gx A $HOME\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ops, err := tt.parse(tt.src); err == nil {
				t.Fatalf("parsed %q as %v, want an error", tt.src, ops)
			}
		})
	}
}

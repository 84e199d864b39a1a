package creds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/switcher-cli/switcher/profiles"
)

// ExpirationKey records in a credentials-file section when its session
// credentials expire (RFC 3339, UTC). The AWS CLI, botocore and the Go SDK
// read only the keys they know and ignore others, so the section stays
// usable everywhere; the x_ prefix marks it as a tool's own, as
// saml2aws's x_security_token_expires does.
const ExpirationKey = "x_switcher_expiration"

// ErrInvalidSectionName is returned (wrapped) for a section name that
// cannot be written as an INI header and read back unchanged.
var ErrInvalidSectionName = errors.New("invalid section name")

// ErrSectionNotFound is returned (wrapped) by RemoveSection when the file
// has no such section.
var ErrSectionNotFound = errors.New("section not found")

// ErrAlreadyExpired is returned (wrapped) by WriteSection for credentials
// that expired before they could be written.
var ErrAlreadyExpired = errors.New("credentials already expired")

// CredentialsFile edits a shared credentials file (~/.aws/credentials) one
// section at a time, the way a person would with an editor:
//
//   - only the target section's lines change; every other section, every
//     comment and blank line outside it, and the line endings (LF or CRLF)
//     are kept byte for byte; a new section is appended at the end. The
//     section's own lines are its header through its last key: comments
//     and blank lines that follow it, before the next header, stay (they
//     usually describe the next section). A repeated section is merged
//     into the first occurrence.
//   - the file is rewritten atomically (temporary file in the same
//     directory, fsync, rename) with mode 0600, or an existing file's mode
//     with group and other bits cleared; a missing file is created, and
//     missing directories with 0700;
//   - a symlink is followed: the target is rewritten, the link kept;
//   - the read-modify-write holds an exclusive lock on <target>.lock, so
//     concurrent writers (goroutines or processes) lose nothing.
//
// Now, when set, refuses to write credentials that have already expired.
type CredentialsFile struct {
	Path string
	Now  func() time.Time
}

// WriteSection replaces (or appends) section name with c and, when region
// is not empty, a region key. Expiring credentials get an ExpirationKey.
// A stale aws_security_token or any other key the old section had is
// dropped, so the section holds exactly these credentials.
func (f CredentialsFile) WriteSection(name string, c Credentials, region string) error {
	if err := ValidateSectionName(name); err != nil {
		return fmt.Errorf("credentials file %s: %w", f.Path, err)
	}
	if err := validateSectionCreds(c, region); err != nil {
		return fmt.Errorf("credentials file %s: section [%s]: %w", f.Path, name, err)
	}
	if f.Now != nil && c.Expires() && !c.Expiration.After(f.Now()) {
		return fmt.Errorf("credentials file %s: section [%s]: %w at %s",
			f.Path, name, ErrAlreadyExpired, c.Expiration.UTC().Format(time.RFC3339))
	}
	return f.edit(func(lines []string, eol string) ([]string, error) {
		section := sectionLines(name, c, region, eol)
		spans := findSection(lines, name)
		if len(spans) == 0 {
			return appendSection(lines, section, eol), nil
		}
		out := make([]string, 0, len(lines)+len(section))
		out = append(out, lines[:spans[0].start]...)
		out = append(out, section...)
		out = append(out, removeSpans(lines, spans[1:], spans[0].end)...)
		return out, nil
	})
}

// RemoveSection deletes section name (every occurrence) and the blank
// lines right after it. It returns ErrSectionNotFound, and writes nothing,
// when the file or the section does not exist.
func (f CredentialsFile) RemoveSection(name string) error {
	if err := ValidateSectionName(name); err != nil {
		return fmt.Errorf("credentials file %s: %w", f.Path, err)
	}
	notFound := fmt.Errorf("credentials file %s: [%s]: %w", f.Path, name, ErrSectionNotFound)
	if target, err := resolveSymlinks(f.Path); err == nil {
		if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
			return notFound // nothing to lock or create
		}
	}
	return f.edit(func(lines []string, _ string) ([]string, error) {
		spans := findSection(lines, name)
		if len(spans) == 0 {
			return nil, notFound
		}
		return removeSpans(lines, spans, 0), nil
	})
}

// RemoveKeys deletes the long-term keys (aws_access_key_id,
// aws_secret_access_key and any aws_session_token) from every occurrence of
// section name, keeping its other settings and comments; a section left with
// no setting at all is removed with the blank lines after it. Every other
// section is kept byte for byte. It returns ErrSectionNotFound, and writes
// nothing, when there is no such section.
func (f CredentialsFile) RemoveKeys(name string) error {
	if err := ValidateSectionName(name); err != nil {
		return fmt.Errorf("credentials file %s: %w", f.Path, err)
	}
	notFound := fmt.Errorf("credentials file %s: [%s]: %w", f.Path, name, ErrSectionNotFound)
	return f.edit(func(lines []string, _ string) ([]string, error) {
		spans := findSection(lines, name)
		if len(spans) == 0 {
			return nil, notFound
		}
		kept := make([]string, 0, len(lines))
		for i, l := range lines {
			if !(inSpans(spans, i) && isKeyLine(l)) {
				kept = append(kept, l)
			}
		}
		// A section left with no setting goes too.
		var gone []span
		for _, sp := range findSection(kept, name) {
			if sp.end == sp.start+1 {
				gone = append(gone, sp)
			}
		}
		return removeSpans(kept, gone, 0), nil
	})
}

// isKeyLine reports whether line sets a credential (what RemoveKeys drops).
func isKeyLine(line string) bool {
	if k, _ := classify(line); k != lineKey {
		return false
	}
	switch keyOf(line) {
	case "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token", ExpirationKey:
		return true
	}
	return false
}

// inSpans reports whether line i is inside one of spans (after its header).
func inSpans(spans []span, i int) bool {
	for _, sp := range spans {
		if i > sp.start && i < sp.end {
			return true
		}
	}
	return false
}

// keyOf is the lower-cased key name of a setting line.
func keyOf(line string) string {
	k, _, ok := strings.Cut(line, "=")
	if !ok {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(k))
}

// edit runs the locked read-modify-write of the file (or its symlink
// target). change gets the file's lines, each with its own line ending,
// and the line ending to use for new lines.
func (f CredentialsFile) edit(change func(lines []string, eol string) ([]string, error)) error {
	return rewriteLocked(f.Path, "credentials file", func(perm fs.FileMode) fs.FileMode { return perm & 0o600 },
		func(data []byte) ([]byte, error) {
			lines, eol := splitLines(data)
			lines, err := change(lines, eol)
			if err != nil {
				return nil, err
			}
			return []byte(strings.Join(lines, "")), nil
		})
}

// rewriteLocked is the locked read-modify-write of a file the user owns
// (~/.aws/credentials, ~/.aws/config) or its symlink target: it holds an
// exclusive lock on <target>.lock, removes the temporary copies a killed
// writer left, reads the file (missing: empty), and replaces it atomically
// with what change returns, with the mode keep gives for the file's mode
// (0600 for a new file). Missing directories are made 0700.
func rewriteLocked(path, what string, keep func(fs.FileMode) fs.FileMode, change func(data []byte) ([]byte, error)) error {
	if path == "" {
		return fmt.Errorf("%s: no path", what)
	}
	target, err := resolveSymlinks(path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	unlock, err := lockFile(context.Background(), target+".lock")
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	defer unlock()
	// Under the lock no other write of target is under way: a temporary
	// copy next to it is what a killed writer left, secrets included.
	_, _ = removeStaleTemps(target)

	perm := os.FileMode(0o600)
	data, err := os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("%s %s: %w", what, path, err)
	default:
		if fi, err := os.Stat(target); err == nil && keep(fi.Mode().Perm()) != 0 {
			perm = keep(fi.Mode().Perm())
		}
	}
	out, err := change(data)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(target, out, perm); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// resolveSymlinks follows path while it is a symlink, even a dangling one
// (whose target is then created).
func resolveSymlinks(path string) (string, error) {
	for range 40 {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("too many levels of symbolic links at %s", path)
}

// splitLines cuts data after each "\n", keeping the endings, and picks the
// line ending for new lines: the file's first one, "\n" for a new file.
func splitLines(data []byte) (lines []string, eol string) {
	eol = "\n"
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		eol = "\r\n"
	}
	s := string(data)
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines, eol
}

type lineKind int

const (
	lineKey lineKind = iota // anything else: a key, a continuation, junk
	lineBlank
	lineComment
	lineHeader
)

// classify reads one line the way the config reader does; for a header
// it returns the section name exactly as profiles.SectionHeader reads it,
// so that the section written is the profile the AWS CLI and switcher read.
func classify(line string) (lineKind, string) {
	t := strings.TrimPrefix(line, "\ufeff")
	if name, ok, _ := profiles.SectionHeader(t); ok {
		return lineHeader, name
	}
	t = strings.TrimSpace(t)
	switch {
	case t == "":
		return lineBlank, ""
	case t[0] == '#' || t[0] == ';':
		return lineComment, ""
	}
	return lineKey, ""
}

// span is a section's own lines, [start, end).
type span struct{ start, end int }

// findSection finds every occurrence of section name: its header through
// its last key line (trailing blank and comment lines are not its own).
func findSection(lines []string, name string) []span {
	var spans []span
	for i := 0; i < len(lines); i++ {
		kind, n := classify(lines[i])
		if kind != lineHeader || n != name {
			continue
		}
		end := i + 1
		j := i + 1
		for ; j < len(lines); j++ {
			k, _ := classify(lines[j])
			if k == lineHeader {
				break
			}
			if k == lineKey {
				end = j + 1
			}
		}
		spans = append(spans, span{start: i, end: end})
		i = j - 1
	}
	return spans
}

// removeSpans returns lines[from:] without the spans (which start at or
// after from) and the blank lines right after each of them.
func removeSpans(lines []string, spans []span, from int) []string {
	var out []string
	i := from
	for _, s := range spans {
		out = append(out, lines[i:s.start]...)
		i = s.end
		for i < len(lines) {
			if k, _ := classify(lines[i]); k != lineBlank {
				break
			}
			i++
		}
	}
	return append(out, lines[i:]...)
}

// appendSection adds section at the end, after a blank line.
func appendSection(lines, section []string, eol string) []string {
	if n := len(lines); n > 0 {
		if !strings.HasSuffix(lines[n-1], "\n") {
			lines[n-1] += eol
		}
		if k, _ := classify(lines[n-1]); k != lineBlank {
			lines = append(lines, eol)
		}
	}
	return append(lines, section...)
}

func sectionLines(name string, c Credentials, region, eol string) []string {
	lines := []string{
		"[" + name + "]" + eol,
		"aws_access_key_id = " + c.AccessKeyID + eol,
		"aws_secret_access_key = " + c.SecretAccessKey + eol,
	}
	if c.SessionToken != "" {
		lines = append(lines, "aws_session_token = "+c.SessionToken+eol)
	}
	if c.Expires() {
		lines = append(lines, ExpirationKey+" = "+c.Expiration.UTC().Format(time.RFC3339)+eol)
	}
	if region != "" {
		lines = append(lines, "region = "+region+eol)
	}
	return lines
}

// ValidateSectionName refuses names that an INI header cannot hold or
// that parsers would read back differently. write calls it before
// assuming, so a bad name costs no MFA code.
func ValidateSectionName(name string) error {
	bad := ""
	switch {
	case name == "":
		bad = "is empty"
	case strings.TrimSpace(name) != name:
		bad = "starts or ends with white space"
	case strings.ContainsAny(name, "[]"):
		bad = "contains '[' or ']'"
	case strings.ContainsRune(name, '='):
		bad = "contains '='"
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		bad = "contains a line break or control character"
	}
	if bad != "" {
		return fmt.Errorf("%w %q: it %s", ErrInvalidSectionName, name, bad)
	}
	return nil
}

// validateSectionCreds checks that each value fits on one INI line and
// reads back unchanged. Errors name the key, never the value.
func validateSectionCreds(c Credentials, region string) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return errors.New("credentials have no access key id or secret")
	}
	for _, kv := range [][2]string{
		{"aws_access_key_id", c.AccessKeyID},
		{"aws_secret_access_key", c.SecretAccessKey},
		{"aws_session_token", c.SessionToken},
	} {
		if strings.IndexFunc(kv[1], func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return fmt.Errorf("%s contains white space or a control character", kv[0])
		}
	}
	if strings.IndexFunc(region, notRegionRune) >= 0 {
		return fmt.Errorf("region %q: only letters, digits, '-', '_' and '.'", region)
	}
	return nil
}

func notRegionRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		return false
	}
	return true
}

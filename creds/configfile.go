package creds

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
)

// ErrConfigChanged is returned (wrapped) by ConfigFile.Replace when the
// file is no longer what the caller planned against.
var ErrConfigChanged = errors.New("the config file changed")

// ConfigFile rewrites a shared config file (~/.aws/config) as a whole,
// the way `switcher sync` does: locked like the credentials-file writer
// (the same <target>.lock), atomic, a symlink followed, the file's mode
// kept (0600 for a new file).
type ConfigFile struct {
	Path string
}

// Replace writes next in place of the file, only if the file still holds
// exactly old (what next was computed from). Otherwise it writes nothing
// and returns ErrConfigChanged: someone edited the file in the meantime.
func (f ConfigFile) Replace(old, next []byte) error {
	return rewriteLocked(f.Path, "config file", func(perm fs.FileMode) fs.FileMode { return perm },
		func(data []byte) ([]byte, error) {
			if !bytes.Equal(data, old) {
				return nil, fmt.Errorf("%s: %w since it was read", f.Path, ErrConfigChanged)
			}
			return next, nil
		})
}

//go:build !linux

package fsstore

import "os"

// openDirect answers nil where O_DIRECT does not exist: the plain file is
// used.
func openDirect(string) *os.File { return nil }

package fsstore

import (
	"os"
	"syscall"
)

// openDirect opens path again for writes that bypass the page cache; nil
// where the file system refuses them (tmpfs answers EINVAL): the plain
// file is used then.
func openDirect(path string) *os.File {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_DIRECT, 0)
	if err != nil {
		return nil
	}
	return f
}

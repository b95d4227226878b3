package fsstore

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback starts the writing of a file's range to the disk
// (sync_file_range with SYNC_FILE_RANGE_WRITE: no waiting, no metadata).
// An error is left to the fsync that follows, which reports it.
func startWriteback(f *os.File, off, n int64) {
	if sc, err := f.SyscallConn(); err == nil {
		sc.Control(func(fd uintptr) { unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE) })
	}
}

package sandbox

import (
	"os"

	"golang.org/x/sys/unix"
)

// widenPipe asks for a pipe capacity of n bytes (F_SETPIPE_SZ); a refusal
// (above the system's limit) leaves the pipe as it is.
func widenPipe(f *os.File, n int) {
	if sc, err := f.SyscallConn(); err == nil {
		sc.Control(func(fd uintptr) { unix.FcntlInt(fd, unix.F_SETPIPE_SZ, n) })
	}
}

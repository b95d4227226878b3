package sandbox

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// pipeSize is the capacity asked for a pipe that carries a child's bulk
// output (Linux gives 64 KiB by default, and allows an unprivileged
// process up to /proc/sys/fs/pipe-max-size, 1 MiB by default).
const pipeSize = 1 << 20

// BulkPipe is os.Pipe for bulk data between the parent and a child (a
// merged portfolio): with room for pipeSize bytes (F_SETPIPE_SZ), so the
// writer and the reader pass megabytes, not 64 KiB, per wake-up. A refusal
// (above the system's limit) leaves the pipe as os.Pipe made it.
func BulkPipe() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: pipe: %w", err)
	}
	if sc, err := w.SyscallConn(); err == nil {
		sc.Control(func(fd uintptr) { unix.FcntlInt(fd, unix.F_SETPIPE_SZ, pipeSize) })
	}
	return r, w, nil
}

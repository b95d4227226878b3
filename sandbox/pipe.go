package sandbox

import (
	"fmt"
	"os"
)

// pipeSize is the capacity asked for a pipe that carries a child's bulk
// output (Linux gives 64 KiB by default, and allows an unprivileged
// process up to /proc/sys/fs/pipe-max-size, 1 MiB by default).
const pipeSize = 1 << 20

// BulkPipe is os.Pipe for bulk data between the parent and a child (a
// merged portfolio): with room for pipeSize bytes where the system allows
// it, so the writer and the reader pass megabytes, not 64 KiB, per wake-up.
// Where it cannot be widened, it stays as os.Pipe made it.
func BulkPipe() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: pipe: %w", err)
	}
	widenPipe(w, pipeSize)
	return r, w, nil
}

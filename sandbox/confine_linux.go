package sandbox

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// confine limits this process: its address space may grow by memory bytes
// past its current size (the Go runtime's own reservations are already
// counted), the garbage collector works to stay under that, and the stack
// may not grow past 64 MiB, so deep recursion dies fast.
func confine(memory int64) error {
	current, err := addressSpace()
	if err != nil {
		return err
	}
	limit := uint64(current + memory)
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		return fmt.Errorf("set RLIMIT_AS: %w", err)
	}
	debug.SetMemoryLimit(memory / 2)
	debug.SetMaxStack(64 << 20)
	return nil
}

// addressSpace reads VmSize of this process in bytes.
func addressSpace() (int64, error) { return ProcStatus("self", "VmSize") }

// ProcStatus reads a size field (VmSize, VmRSS, VmHWM...) of a process
// ("self" or a pid) from /proc, in bytes.
func ProcStatus(pid, field string) (int64, error) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0, fmt.Errorf("read status of %s: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse %s %q: %w", field, rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%s/status", field, pid)
}

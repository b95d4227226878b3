// Package sandbox runs risky work, such as parsing an untrusted PDF, in a
// child process of the same binary, under an address-space limit and a
// timeout. A task that panics, runs out of memory, overflows its stack or
// hangs kills only the child; the caller gets ErrCrashed or ErrTimeout.
//
// The binary opts in by calling ServeChild first thing in main (and in
// TestMain for tests): in a child it runs the named task and exits; in the
// parent it returns at once.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	envTask   = "ACCREDPACK_SANDBOX_TASK"
	envMemory = "ACCREDPACK_SANDBOX_MEMORY"
	// maxExchange bounds what parent and child send each other.
	maxExchange = 1 << 20
	// TaskPing is answered by every child, whatever tasks it serves: with
	// the names of those tasks. It measures a child's start-up (exec,
	// package initialisation, confinement, one answer) and tells a parent
	// what a child executable can do.
	TaskPing = "sandbox.ping"
)

var (
	// ErrCrashed reports a child that died instead of answering.
	ErrCrashed = errors.New("sandbox: the child process crashed")
	// ErrTimeout reports a child killed for running past its time limit.
	ErrTimeout = errors.New("sandbox: the child process ran out of time")
)

// TaskError is an error a task returned on purpose, carried from the child.
type TaskError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *TaskError) Error() string { return e.Code + ": " + e.Message }

// Task is work that can run in a child. It decodes its input and returns a
// value to encode as output; a *TaskError return reaches the parent as is.
type Task func(ctx context.Context, input json.RawMessage) (any, error)

// Limits bound one child and the number of children at once.
type Limits struct {
	Memory   int64         // bytes of address space a child may add to its start-up size
	Timeout  time.Duration // wall time of one child
	Parallel int           // children at once; callers beyond wait
}

// Runner starts children of one executable.
type Runner struct {
	exe    string
	limits Limits
	slots  chan struct{}
	// OnExit, when set, is told of each child the runner tried to start
	// (one that could not start has zeros but its task and wall time): for
	// metrics and benchmarks.
	OnExit func(Exit)
}

// Exit is what a runner learned of one child.
type Exit struct {
	Task string
	// PeakRSS is peak resident memory in bytes, as the child measured its
	// own high-water mark; 0 for a child that died.
	PeakRSS int64
	Wall    time.Duration
	// CPU (user and system) and MinorFaults are the kernel's accounting
	// of the child (getrusage). A minor fault is a page mapped without
	// reading the disk: mostly fresh memory, also pages of files already
	// in the page cache (the executable's) and copies on write.
	CPU         time.Duration
	MinorFaults int64
}

// NewRunner returns a runner for exe (normally os.Executable()).
func NewRunner(exe string, limits Limits) (*Runner, error) {
	if limits.Memory <= 0 || limits.Timeout <= 0 || limits.Parallel <= 0 {
		return nil, fmt.Errorf("sandbox: memory, timeout and parallel must be positive, got %+v", limits)
	}
	return &Runner{exe: exe, limits: limits, slots: make(chan struct{}, limits.Parallel)}, nil
}

// Limits returns the limits the runner was made with.
func (r *Runner) Limits() Limits { return r.limits }

// Run runs task in a child with input encoded as JSON and decodes the
// child's answer into output. It waits for a free slot first.
func (r *Runner) Run(ctx context.Context, task string, input, output any) error {
	return r.RunWithFiles(ctx, task, input, output, nil)
}

// RunWithFiles is Run with files the child inherits (ChildFile(0) is
// files[0], and so on): pipes for work that streams. Run closes them once
// the child has them (or has failed to start), so that a pipe's other end
// sees the end when the child closes or dies.
func (r *Runner) RunWithFiles(ctx context.Context, task string, input, output any, files []*os.File) error {
	closeFiles := func() {
		for _, f := range files {
			f.Close()
		}
	}
	in, err := json.Marshal(input)
	if err != nil {
		closeFiles()
		return fmt.Errorf("sandbox: encode input: %w", err)
	}
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-ctx.Done():
		closeFiles()
		return fmt.Errorf("sandbox: waiting for a slot: %w", ctx.Err())
	}

	runCtx, cancel := context.WithTimeout(ctx, r.limits.Timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, r.exe)
	// A minimal environment: the child needs nothing of the parent's
	// configuration, and must not see its secrets.
	cmd.Env = []string{
		envTask + "=" + task,
		envMemory + "=" + strconv.FormatInt(r.limits.Memory, 10),
		"GOMAXPROCS=1",
		"GOTRACEBACK=single",
		// A child built with cgo (go build where a C compiler is found)
		// starts its threads through glibc, whose malloc gives a thread
		// its own arena: 64 MiB of address space, which RLIMIT_AS counts
		// (confine). Measured: a merge child under 128 MiB had 67 MiB left
		// before its first document (VmSize +64 MiB, a fifth thread) and
		// died preparing its stamp face. One arena for all threads.
		"MALLOC_ARENA_MAX=1",
		// Memory the Go runtime hands back is marked MADV_FREE, not
		// MADV_DONTNEED: the kernel takes it only when it needs it, and a
		// page used again before that costs no fault (the runtime zeroes
		// it itself). A merge child frees and takes back a document's
		// worth for every document (the heap grows for the next one while
		// it releases the last): 20-24 K faults for a portfolio of 20 x
		// 12 MB, 4.6 K with this; its system time 167-209 -> 119-158 ms,
		// its peak RSS the same (28 MB). The cost: a child's RSS no longer
		// drops when it releases memory, only when the system needs the
		// pages (a child lives for one task). RLIMIT_AS and the runtime's
		// memory limit (confine) count the same either way.
		"GODEBUG=madvdontneed=0",
	}
	cmd.Stdin = bytes.NewReader(in)
	stdout := &capped{max: maxExchange}
	stderr := &capped{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second
	cmd.ExtraFiles = files
	started := time.Now()
	runErr := cmd.Start()
	closeFiles()
	if runErr == nil {
		runErr = cmd.Wait()
	}
	var answer struct {
		Output  json.RawMessage `json:"output"`
		Error   *TaskError      `json:"error"`
		PeakRSS int64           `json:"peak_rss"`
	}
	// rusage's ru_maxrss is no use here: exec carries the parent's high-water
	// mark into the child. The child reports its own.
	parseErr := json.Unmarshal(stdout.Bytes(), &answer)
	if r.OnExit != nil {
		exit := Exit{Task: task, PeakRSS: answer.PeakRSS, Wall: time.Since(started)}
		if ps := cmd.ProcessState; ps != nil { // nil: it never started
			if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
				exit.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
				exit.MinorFaults = int64(ru.Minflt)
			}
		}
		r.OnExit(exit)
	}

	if runCtx.Err() != nil && ctx.Err() == nil {
		return fmt.Errorf("%w (%s)", ErrTimeout, r.limits.Timeout)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("sandbox: %w", ctx.Err())
	}
	if runErr != nil {
		return fmt.Errorf("%w: %v: %s", ErrCrashed, runErr, firstLine(stderr.String()))
	}
	if stdout.overflow {
		return fmt.Errorf("%w: answer longer than %d bytes", ErrCrashed, maxExchange)
	}
	if parseErr != nil {
		return fmt.Errorf("%w: unreadable answer: %v", ErrCrashed, parseErr)
	}
	if answer.Error != nil {
		return answer.Error
	}
	if output != nil {
		if err := json.Unmarshal(answer.Output, output); err != nil {
			return fmt.Errorf("sandbox: decode output: %w", err)
		}
	}
	return nil
}

// Ping starts one child that only answers TaskPing and returns the tasks
// that child serves, sorted.
func (r *Runner) Ping(ctx context.Context) ([]string, error) {
	var names []string
	if err := r.Run(ctx, TaskPing, nil, &names); err != nil {
		return nil, fmt.Errorf("ping %s: %w", r.exe, err)
	}
	return names, nil
}

// Executable is the file the runner starts as a child.
func (r *Runner) Executable() string { return r.exe }

// firstLine keeps the cause of a crash ("fatal error: runtime: out of
// memory") without the goroutine dump.
func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return "no message"
}

// capped is a buffer that keeps at most max bytes and notes the overflow.
type capped struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); len(p) > room {
		c.overflow = true
		c.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.Buffer.Write(p)
}

// ChildFile is, in a child, the i-th file its parent passed to
// RunWithFiles.
func ChildFile(i int, name string) *os.File { return os.NewFile(uintptr(3+i), name) }

// ServeChild runs the task named in the environment, if any, and exits. It
// returns at once in a process that is not a sandbox child.
func ServeChild(tasks map[string]Task) {
	name, ok := os.LookupEnv(envTask)
	if !ok {
		return
	}
	os.Exit(serveChild(name, tasks, os.Stdin, os.Stdout))
}

func serveChild(name string, tasks map[string]Task, stdin io.Reader, stdout io.Writer) int {
	memory, err := strconv.ParseInt(os.Getenv(envMemory), 10, 64)
	if err != nil || memory <= 0 {
		fmt.Fprintf(os.Stderr, "sandbox: bad %s\n", envMemory)
		return 3
	}
	if err := confine(memory); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: %v\n", err)
		return 3
	}
	if name == TaskPing {
		names := slices.Sorted(maps.Keys(tasks))
		tasks = map[string]Task{TaskPing: func(context.Context, json.RawMessage) (any, error) {
			return names, nil
		}}
	}
	task, ok := tasks[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "sandbox: unknown task %q\n", name)
		return 3
	}
	in, err := io.ReadAll(io.LimitReader(stdin, maxExchange))
	if err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: read input: %v\n", err)
		return 3
	}
	out, err := runRecovered(task, in)
	var answer struct {
		Output  any        `json:"output,omitempty"`
		Error   *TaskError `json:"error,omitempty"`
		PeakRSS int64      `json:"peak_rss"`
	}
	var te *TaskError
	switch {
	case errors.As(err, &te):
		answer.Error = te
	case err != nil:
		answer.Error = &TaskError{Code: "failed", Message: err.Error()}
	default:
		answer.Output = out
	}
	answer.PeakRSS, _ = ProcStatus("self", "VmHWM")
	if err := json.NewEncoder(stdout).Encode(answer); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: write answer: %v\n", err)
		return 3
	}
	return 0
}

// runRecovered runs task and turns a panic into an error. Panics that the
// runtime cannot recover from (out of memory, stack overflow) end the
// process, which the parent sees as ErrCrashed.
func runRecovered(task Task, in []byte) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &TaskError{Code: "panic", Message: fmt.Sprint(p)}
		}
	}()
	return task(context.Background(), in)
}

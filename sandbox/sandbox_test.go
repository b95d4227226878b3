package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

type echoIn struct{ Text string }

var testTasks = map[string]Task{
	"echo": func(_ context.Context, in json.RawMessage) (any, error) {
		var v echoIn
		if err := json.Unmarshal(in, &v); err != nil {
			return nil, err
		}
		return map[string]string{"text": v.Text + "!"}, nil
	},
	"refuse": func(context.Context, json.RawMessage) (any, error) {
		return nil, &TaskError{Code: "nope", Message: "refused"}
	},
	"panic": func(context.Context, json.RawMessage) (any, error) {
		var m map[string]int
		m["x"] = 1 // nil map write: a runtime panic
		return nil, nil
	},
	"hog": func(context.Context, json.RawMessage) (any, error) {
		var keep [][]byte
		for {
			b := make([]byte, 16<<20)
			for i := range b {
				b[i] = 1
			}
			keep = append(keep, b)
		}
	},
	"recurse": func(context.Context, json.RawMessage) (any, error) {
		return recurse(0), nil
	},
	"hang": func(context.Context, json.RawMessage) (any, error) {
		time.Sleep(time.Hour)
		return nil, nil
	},
	"touch64": func(context.Context, json.RawMessage) (any, error) {
		noHugePages()
		b := make([]byte, 64<<20)
		for i := range b {
			b[i] = 1
		}
		return len(b), nil
	},
	// upper copies its first file to its second, upper-cased; then crashes
	// if told to.
	"upper": func(_ context.Context, in json.RawMessage) (any, error) {
		src, dst := ChildFile(0, "in"), ChildFile(1, "out")
		b, err := io.ReadAll(src)
		if err != nil {
			return nil, err
		}
		if _, err := dst.Write(bytes.ToUpper(b)); err != nil {
			return nil, err
		}
		if string(in) == `"crash"` {
			os.Exit(2)
		}
		return len(b), dst.Close()
	},
	// churn does what a merge child does for each document: takes 32 MiB,
	// lets it go back to the system, and takes it again, four times;
	// touch32 takes it once.
	"churn":   func(context.Context, json.RawMessage) (any, error) { return nil, churn(4) },
	"touch32": func(context.Context, json.RawMessage) (any, error) { return nil, churn(1) },
	"secret": func(context.Context, json.RawMessage) (any, error) {
		return os.Getenv("SANDBOX_TEST_SECRET"), nil
	},
}

func churn(times int) error {
	noHugePages()
	for range times {
		b := make([]byte, 32<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		runtime.KeepAlive(b)
		debug.FreeOSMemory()
	}
	return nil
}

// noHugePages turns transparent huge pages off for this process
// (PR_SET_THP_DISABLE), so that touching N KiB costs N/4 faults on any
// host: where THP is "always", 2 MiB pages would take the counts the
// tests read.
func noHugePages() {
	const prSetTHPDisable = 41
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetTHPDisable, 1, 0)
}

func recurse(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	return recurse(n+1) + int(pad[0])
}

func TestMain(m *testing.M) {
	ServeChild(testTasks)
	os.Exit(m.Run())
}

func newRunner(t *testing.T, l Limits) *Runner {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRunner(exe, l)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var defaultLimits = Limits{Memory: 256 << 20, Timeout: 20 * time.Second, Parallel: 2}

func TestRunAnswers(t *testing.T) {
	r := newRunner(t, defaultLimits)
	var out map[string]string
	if err := r.Run(context.Background(), "echo", echoIn{Text: "привет"}, &out); err != nil {
		t.Fatal(err)
	}
	if out["text"] != "привет!" {
		t.Errorf("out = %v", out)
	}
	var te *TaskError
	if err := r.Run(context.Background(), "refuse", nil, nil); !errors.As(err, &te) || te.Code != "nope" {
		t.Errorf("refuse: %v", err)
	}
	if err := r.Run(context.Background(), "panic", nil, nil); !errors.As(err, &te) || te.Code != "panic" {
		t.Errorf("panic: %v", err)
	}
}

func TestChildDoesNotSeeParentEnvironment(t *testing.T) {
	t.Setenv("SANDBOX_TEST_SECRET", "s3cr3t")
	r := newRunner(t, defaultLimits)
	var out string
	if err := r.Run(context.Background(), "secret", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out != "" {
		t.Errorf("the child saw %q", out)
	}
}

func TestCrashesAreContained(t *testing.T) {
	r := newRunner(t, Limits{Memory: 128 << 20, Timeout: 20 * time.Second, Parallel: 2})
	for _, task := range []string{"hog", "recurse"} {
		err := r.Run(context.Background(), task, nil, nil)
		if !errors.Is(err, ErrCrashed) {
			t.Errorf("%s: err = %v; want ErrCrashed", task, err)
		}
		t.Logf("%s: %v", task, err)
	}
}

// A child reads and writes pipes its parent passed; their ends see the end
// when the child closes them or dies.
func TestRunWithFiles(t *testing.T) {
	r := newRunner(t, Limits{Memory: 128 << 20, Timeout: 20 * time.Second, Parallel: 2})
	for _, crash := range []bool{false, true} {
		inR, inW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		outR, outW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			inW.Write([]byte("streamed bytes"))
			inW.Close()
		}()
		got := make(chan string, 1)
		go func() {
			b, _ := io.ReadAll(outR)
			outR.Close()
			got <- string(b)
		}()
		var n int
		err = r.RunWithFiles(context.Background(), "upper", map[bool]string{true: "crash"}[crash], &n, []*os.File{inR, outW})
		if crash {
			if !errors.Is(err, ErrCrashed) {
				t.Errorf("crash: err = %v; want ErrCrashed", err)
			}
		} else if err != nil || n != 14 {
			t.Errorf("RunWithFiles = %d, %v", n, err)
		}
		select {
		case s := <-got:
			if s != "STREAMED BYTES" {
				t.Errorf("crash %t: the child wrote %q", crash, s)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("crash %t: the output pipe never ended", crash)
		}
	}
}

func TestTimeout(t *testing.T) {
	r := newRunner(t, Limits{Memory: 128 << 20, Timeout: 300 * time.Millisecond, Parallel: 1})
	if err := r.Run(context.Background(), "hang", nil, nil); !errors.Is(err, ErrTimeout) {
		t.Errorf("err = %v; want ErrTimeout", err)
	}
}

func TestCallerCancel(t *testing.T) {
	r := newRunner(t, defaultLimits)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := r.Run(ctx, "hang", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
		t.Errorf("err = %v; want the caller's deadline, not the sandbox timeout", err)
	}
}

func TestParallelIsBounded(t *testing.T) {
	r := newRunner(t, Limits{Memory: 128 << 20, Timeout: 20 * time.Second, Parallel: 1})
	// Hold the only slot with a hanging child; a second call must wait and
	// give up with its own context.
	hold, release := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	var started atomic.Bool
	go func() {
		defer wg.Done()
		started.Store(true)
		_ = r.Run(hold, "hang", nil, nil)
	}()
	for !started.Load() || len(r.slots) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := r.Run(ctx, "echo", echoIn{}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second run: %v; want to wait for a slot and time out", err)
	}
	release()
	wg.Wait()
	if err := r.Run(context.Background(), "echo", echoIn{}, nil); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestOnExitReportsPeakMemory(t *testing.T) {
	// A budget far above touch64's needs even under the race detector
	// (whose shadow memory counts against the address space too).
	r := newRunner(t, Limits{Memory: 768 << 20, Timeout: 20 * time.Second, Parallel: 1})
	peaks := map[string]int64{}
	faults := map[string]int64{}
	cpu := map[string]time.Duration{}
	r.OnExit = func(e Exit) { peaks[e.Task], faults[e.Task], cpu[e.Task] = e.PeakRSS, e.MinorFaults, e.CPU }
	for _, task := range []string{"touch64", "echo"} {
		if err := r.Run(context.Background(), task, echoIn{}, nil); err != nil {
			t.Fatalf("%s: %v", task, err)
		}
	}
	r.Run(context.Background(), "hog", nil, nil)
	// touch64 keeps 64 MiB more resident than echo (up to about 3x that
	// under the race detector, whose shadow memory counts too); the hog died.
	extra := peaks["touch64"] - peaks["echo"]
	if peaks["echo"] <= 0 || extra < 60<<20 || extra > 256<<20 {
		t.Errorf("peak RSS: echo %d MiB, touch64 %d MiB", peaks["echo"]>>20, peaks["touch64"]>>20)
	}
	if p, ok := peaks["hog"]; !ok || p != 0 {
		t.Errorf("a dead child reports no peak: %d, %v", p, ok)
	}
	// The kernel's count: touch64 touched 16 K pages more than echo.
	if extra := faults["touch64"] - faults["echo"]; extra < 16<<10 {
		t.Errorf("minor faults: echo %d, touch64 %d", faults["echo"], faults["touch64"])
	}
	// Touching 64 MiB takes the kernel some CPU time, however fast.
	if cpu["touch64"] <= 0 || cpu["touch64"] <= cpu["echo"] {
		t.Errorf("CPU: echo %v, touch64 %v", cpu["echo"], cpu["touch64"])
	}
}

// A child takes back memory it handed to the system without the kernel
// providing the pages again (MADV_FREE, see Run): churn touches 32 MiB
// (8 K pages) four times, handing it back after each, and should cost
// about what touch32's one touch costs, not 24 K faults more. Compared
// with touch32 rather than counted, as a child's start has faults of its
// own. (Should the system reclaim the freed pages between two touches, as
// it may when short of memory, churn takes them fresh: not on a machine
// with memory to spare.)
func TestChildReusesMemoryItReleased(t *testing.T) {
	if raceBuild {
		t.Skip("a race-built child's heap and shadow memory are handed back and reused otherwise; the test runs in the build without -race")
	}
	r := newRunner(t, Limits{Memory: 768 << 20, Timeout: 20 * time.Second, Parallel: 1})
	faults := map[string]int64{}
	r.OnExit = func(e Exit) { faults[e.Task] = e.MinorFaults }
	for _, task := range []string{"churn", "touch32"} {
		if err := r.Run(context.Background(), task, nil, nil); err != nil {
			t.Fatalf("%s: %v", task, err)
		}
	}
	if faults["touch32"] < 8<<10 || faults["churn"]-faults["touch32"] > 4<<10 {
		t.Errorf("minor faults: churn %d, touch32 %d; want churn within 4 K of touch32 (one touch of 32 MiB: 8 K)", faults["churn"], faults["touch32"])
	}
}

func TestPingNamesTheChildsTasks(t *testing.T) {
	r := newRunner(t, defaultLimits)
	names, err := r.Ping(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(maps.Keys(testTasks))
	if !slices.Equal(names, want) {
		t.Errorf("ping: %v; want %v", names, want)
	}
	// An executable that is no sandbox child does not answer.
	bad, err := NewRunner("/bin/true", defaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Ping(context.Background()); !errors.Is(err, ErrCrashed) {
		t.Errorf("ping of /bin/true: %v; want ErrCrashed (no answer)", err)
	}
}

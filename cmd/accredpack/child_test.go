package main

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"accredpack/childtasks"
	"accredpack/config"
)

var (
	builtMu sync.Mutex
	built   = map[string]string{}
)

// buildCommand builds the command in package pkg (such as
// "accredpack/cmd/accredpack") once per test process and returns the path of
// the executable: benchmarks and tests of the sandbox then start the very
// file the service would.
func buildCommand(tb testing.TB, pkg string) string {
	tb.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if exe, ok := built[pkg]; ok {
		return exe
	}
	dir, err := os.MkdirTemp("", "accredpack-build-")
	if err != nil {
		tb.Fatal(err)
	}
	exe := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", exe, pkg)
	// Without cgo, as make build and the image build them.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	built[pkg] = exe
	return exe
}

// removeBuilt removes what buildCommand built.
func removeBuilt() {
	builtMu.Lock()
	defer builtMu.Unlock()
	for pkg, exe := range built {
		os.RemoveAll(filepath.Dir(exe))
		delete(built, pkg)
	}
}

// dedicatedChild is the built accredpack-child: the service under test
// starts its sandbox children from it, as in production.
func dedicatedChild(t testing.TB) string {
	return buildCommand(t, "accredpack/cmd/accredpack-child")
}

// serviceDir makes a folder holding "accredpack" (this test binary, which
// serves the sandbox tasks as the service's own binary does) and, when
// child is not empty, "accredpack-child" pointing at child.
func serviceDir(t *testing.T, child string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(dir, "accredpack")); err != nil {
		t.Fatal(err)
	}
	if child != "" {
		if err := os.Symlink(child, filepath.Join(dir, childName)); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "accredpack")
}

func TestSandboxChildChoice(t *testing.T) {
	child := dedicatedChild(t)
	for _, tc := range []struct {
		name       string
		configured string // cfg.SandboxChild
		beside     string // what accredpack-child beside the service is
		want       string // "self", "beside", "configured" or "error"
		log        string
	}{
		{"dedicated child beside the service", "", child, "beside", "the dedicated child"},
		{"no child beside the service (go run)", "", "", "self", "not beside it"},
		{"a child beside that does not answer", "", "/bin/true", "self", "does not work"},
		{"configured self", "self", child, "self", "(configured)"},
		{"configured path", child, "", "configured", "the dedicated child (configured)"},
		{"configured path that does not answer", "/bin/true", "", "error", ""},
		{"configured path that is missing", "/nonexistent/accredpack-child", "", "error", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			self := serviceDir(t, tc.beside)
			cfg := config.Default()
			cfg.SandboxChild = tc.configured
			var logs bytes.Buffer
			got, err := findChild(context.Background(), cfg, self, slog.New(slog.NewTextHandler(&logs, nil)))
			want := map[string]string{"self": self, "beside": filepath.Join(filepath.Dir(self), childName), "configured": tc.configured}[tc.want]
			switch {
			case tc.want == "error" && err == nil:
				t.Fatalf("chose %s; want an error", got)
			case tc.want == "error":
				t.Logf("error: %v", err)
				return
			case err != nil:
				t.Fatal(err)
			case got != want:
				t.Errorf("chose %s; want %s", got, want)
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("log %q; want it to say %q", logs.String(), tc.log)
			}
		})
	}
}

func TestMissingTasks(t *testing.T) {
	all := slices.Sorted(maps.Keys(childtasks.All()))
	if len(all) < 2 {
		t.Fatalf("tasks %v", all)
	}
	if m := missingTasks(all); len(m) != 0 {
		t.Errorf("a child serving every task lacks %v", m)
	}
	if m := missingTasks(all[1:]); !slices.Equal(m, all[:1]) {
		t.Errorf("a child without %s lacks %v", all[0], m)
	}
	if m := missingTasks(nil); !slices.Equal(m, all) {
		t.Errorf("a child serving nothing lacks %v", m)
	}
}

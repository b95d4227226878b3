package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"accredpack/childtasks"
	"accredpack/config"
	"accredpack/sandbox"
)

// childName is the dedicated sandbox child, looked for beside the service's
// own executable (the Dockerfile and `make build` put it there).
const childName = "accredpack-child"

// findChild chooses the executable sandbox children are started from:
// cfg.SandboxChild when set ("self" is self), else accredpack-child beside
// self when that file exists, else self (`go run`, for one: the service's
// own binary serves the same tasks, only starts slower). A dedicated child
// must answer a ping naming every task: a configured one that does not is
// an error; a found one that does not is passed over with a warning.
func findChild(ctx context.Context, cfg config.Config, self string, log *slog.Logger) (string, error) {
	switch cfg.SandboxChild {
	case "self":
		log.Info("sandbox children: the service's own binary (configured)", "path", self)
		return self, nil
	case "":
	default:
		took, err := pingChild(ctx, cfg, cfg.SandboxChild)
		if err != nil {
			return "", fmt.Errorf("sandbox child %s: %w", cfg.SandboxChild, err)
		}
		log.Info("sandbox children: the dedicated child (configured)", "path", cfg.SandboxChild, "startup", took)
		return cfg.SandboxChild, nil
	}
	beside := filepath.Join(filepath.Dir(self), childName)
	if _, err := os.Stat(beside); err != nil {
		log.Info("sandbox children: the service's own binary ("+childName+" not beside it; build it for faster children)", "path", self)
		return self, nil
	}
	took, err := pingChild(ctx, cfg, beside)
	if err != nil {
		log.Warn("sandbox children: the service's own binary ("+childName+" beside it does not work)", "path", self, "error", err)
		return self, nil
	}
	log.Info("sandbox children: the dedicated child", "path", beside, "startup", took)
	return beside, nil
}

// pingChild starts exe once as a sandbox child and makes sure it serves
// every task this build needs (an older accredpack-child may not).
func pingChild(ctx context.Context, cfg config.Config, exe string) (time.Duration, error) {
	r, err := sandbox.NewRunner(exe, sandbox.Limits{Memory: cfg.ParseMemory, Timeout: min(cfg.ParseTimeout, 10*time.Second), Parallel: 1})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	names, err := r.Ping(ctx)
	if err != nil {
		return 0, err
	}
	took := time.Since(start)
	if missing := missingTasks(names); len(missing) > 0 {
		return 0, fmt.Errorf("it does not serve the tasks %v: built from other sources than the service?", missing)
	}
	return took, nil
}

// missingTasks returns the tasks of this build that served (a child's
// answer to a ping) lacks.
func missingTasks(served []string) []string {
	var missing []string
	for _, name := range slices.Sorted(maps.Keys(childtasks.All())) {
		if !slices.Contains(served, name) {
			missing = append(missing, name)
		}
	}
	return missing
}

package childtasks

import (
	"testing"

	"accredpack/checks"
	"accredpack/compose"
	"accredpack/ocr"
	"accredpack/packager"
	"accredpack/sandbox"
)

// TestEveryTaskOnce: every package's tasks are served, and no two packages
// name a task alike (one would silently replace the other).
func TestEveryTaskOnce(t *testing.T) {
	all := All()
	parts := []map[string]sandbox.Task{checks.SandboxTasks(), compose.SandboxTasks(), packager.SandboxTasks(), ocr.SandboxTasks()}
	n := 0
	for _, part := range parts {
		n += len(part)
		for name := range part {
			if all[name] == nil {
				t.Errorf("task %s is not served", name)
			}
		}
	}
	if len(all) != n {
		t.Errorf("%d tasks served of %d: two packages share a task name", len(all), n)
	}
	if _, ok := all[sandbox.TaskPing]; ok {
		t.Errorf("%s is the sandbox's own task", sandbox.TaskPing)
	}
}

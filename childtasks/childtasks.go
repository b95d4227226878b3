// Package childtasks lists the work an accredpack sandbox child does: PDF
// inspection, composition, the portfolio merge and OCR. Both the service binary
// (as its fallback child) and the dedicated child binary
// (cmd/accredpack-child) serve exactly this set, so either can stand in for
// the other.
package childtasks

import (
	"maps"

	"accredpack/checks"
	"accredpack/compose"
	"accredpack/ocr"
	"accredpack/packager"
	"accredpack/sandbox"
)

// All returns every task a sandbox child of accredpack serves.
func All() map[string]sandbox.Task {
	tasks := checks.SandboxTasks()
	maps.Copy(tasks, compose.SandboxTasks())
	maps.Copy(tasks, packager.SandboxTasks())
	maps.Copy(tasks, ocr.SandboxTasks())
	return tasks
}

// Command accredpack-child is the sandbox child of accredpack: it parses,
// composes and merges untrusted PDFs for the service, one task per process,
// under the limits the sandbox package sets. It links only that work (no
// HTTP, database or storage clients), so a child starts in a few
// milliseconds; the service finds it next to its own executable.
//
// It is not meant to be run by hand: started without a task it exits 2.
package main

import (
	"fmt"
	"os"

	"accredpack/childtasks"
	"accredpack/sandbox"
)

func main() {
	sandbox.ServeChild(childtasks.All())
	fmt.Fprintln(os.Stderr, "accredpack-child: the PDF sandbox child of accredpack, started by the service; nothing to do by hand")
	os.Exit(2)
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"accredpack/checks"
	"accredpack/config"
)

// runCheck prints one verdict line per file and returns 1 if any fails.
func runCheck(ctx context.Context, cfg config.Config, log *slog.Logger, files []string, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprintln(stderr, "accredpack check: name one or more files: accredpack check scan.pdf ...")
		return 2
	}
	child, err := childExecutable(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack check: %v\n", err)
		return 2
	}
	checker, err := newChecker(cfg, child)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack check: %v\n", err)
		return 2
	}
	failed := 0
	for _, path := range files {
		v, err := checker.CheckFile(ctx, path)
		switch p, isProblem := checks.AsProblem(err); {
		case err == nil:
			fmt.Fprintf(stdout, "OK    %s: PDF %s, %d стр., %s, sha256 %s\n", path, v.Version, v.Pages, checks.HumanSize(v.Size), v.SHA256)
		case isProblem:
			failed++
			fmt.Fprintf(stdout, "FAIL  %s: %s: %s\n", path, p.Code, p.Message)
		default:
			failed++
			fmt.Fprintf(stdout, "ERROR %s: %v\n", path, err)
		}
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "%d of %d file(s) will not be accepted by the FRMR portal\n", failed, len(files))
		return 1
	}
	return 0
}

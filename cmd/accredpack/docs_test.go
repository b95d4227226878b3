package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestDocLinks: every relative link of README.md, CHANGELOG.md and
// docs/*.md (Markdown links and <img src>) names a file that exists, and
// a #fragment names a heading of its page, as GitHub makes anchors.
func TestDocLinks(t *testing.T) {
	pages, _ := filepath.Glob("../../docs/*.md")
	pages = append(pages, "../../README.md", "../../CHANGELOG.md")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)|<img src="([^"]+)"`)
	checked := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(withoutCode(string(text)), -1) {
			target := m[1] + m[2]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			file, fragment, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: link %s: %v", page, target, err)
				continue
			}
			if fragment != "" && !anchors(t, path)[fragment] {
				t.Errorf("%s: link %s: %s has no heading with the anchor #%s", page, target, path, fragment)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d relative links found: the pages or the pattern are broken", checked)
	}
}

// TestAnchors: the anchors are GitHub's.
func TestAnchors(t *testing.T) {
	for heading, want := range map[string]string{
		"Production backends: PostgreSQL and MinIO (S3)": "production-backends-postgresql-and-minio-s3",
		"One command: `make bench`":                      "one-command-make-bench",
		"Пять шагов заявления":                           "пять-шагов-заявления",
		"Will the portal take this file?":                "will-the-portal-take-this-file",
	} {
		if got := anchor(heading); got != want {
			t.Errorf("anchor(%q) = %q; want %q", heading, got, want)
		}
	}
}

// withoutCode blanks fenced code blocks and inline code, where brackets
// are not links.
func withoutCode(text string) string {
	var b strings.Builder
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		parts := strings.Split(line, "`")
		for i := 1; i < len(parts); i += 2 {
			parts[i] = ""
		}
		b.WriteString(strings.Join(parts, "``") + "\n")
	}
	return b.String()
}

// anchors are the anchors of a Markdown file's headings.
func anchors(t *testing.T, path string) map[string]bool {
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	seen := map[string]int{}
	fence := false
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(line, "#") {
			continue
		}
		a := anchor(strings.TrimLeft(line, "# "))
		if n := seen[a]; n > 0 {
			found[a+"-"+string(rune('0'+n))] = true
		} else {
			found[a] = true
		}
		seen[a]++
	}
	return found
}

// anchor is GitHub's anchor of a heading: lower case, spaces as dashes,
// punctuation other than - and _ dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

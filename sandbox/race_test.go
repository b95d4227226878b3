//go:build race

package sandbox

// raceBuild: this test binary (and so its children) is built with -race.
const raceBuild = true

// Package version holds what release builds stamp into the binary with -ldflags -X.
package version

var (
	// Version is the release version, e.g. 1.2.0.
	Version = "dev"
	// Commit is the git commit the binary was built from.
	Commit = ""
	// Date is when the binary was built.
	Date = ""
)

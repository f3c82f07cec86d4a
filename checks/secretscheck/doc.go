// Package secrets holds the repository secret scanner.
package secretscheck

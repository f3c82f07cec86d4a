// Package tlscheck holds the TLS certificate checks.
package tlscheck

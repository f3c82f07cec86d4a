// Package postgrescheck holds the PostgreSQL readiness checks.
package postgrescheck

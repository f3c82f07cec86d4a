// Package postgres holds the PostgreSQL readiness checks.
package postgrescheck

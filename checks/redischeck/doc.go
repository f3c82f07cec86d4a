// Package redischeck holds the Redis readiness checks.
package redischeck

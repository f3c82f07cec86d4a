// Package mysqlcheck holds the MySQL and MariaDB readiness checks.
package mysqlcheck

// Package traffic holds the checks that send bounded bursts of real traffic.
package traffic

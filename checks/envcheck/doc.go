// Package envcheck holds the checks that compare environments with each other (env.parity):
// staging is only a rehearsal of production when its datastores behave the same way.
package envcheck

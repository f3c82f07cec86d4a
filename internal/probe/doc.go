// Package probe is the one toolbox checks use to talk to their targets: dialing through the
// environment's resolver and dialer, the HTTP client, the time budget of a step, caps on what a
// peer may send (per connection and per protocol frame), lists of DSNs, and explaining driver
// and transport failures in words an operator can act on, without the password.
package probe

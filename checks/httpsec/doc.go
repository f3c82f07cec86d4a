// Package httpsec holds the checks of who gets in: auth boundaries, tokens, security headers.
package httpsec

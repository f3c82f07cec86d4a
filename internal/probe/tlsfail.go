package probe

import (
	"crypto/tls"
	"errors"
	"strings"
)

// IsTLSFailure reports whether err is a failed TLS handshake or certificate check. Drivers that
// flatten errors into text (go-redis, nats.go) keep only Go's "tls:" and "x509:" prefixes, so
// those count too.
func IsTLSFailure(err error) bool {
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	return errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &alert) ||
		strings.Contains(err.Error(), "x509:") || strings.Contains(err.Error(), "tls:")
}

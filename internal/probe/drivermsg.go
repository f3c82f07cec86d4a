package probe

import (
	"strings"

	"github.com/launchgate/launchgate/internal/redact"
)

// DriverMessage is a driver's complaint about a URL or DSN, or generic ("go-redis cannot parse
// it") when the complaint quotes any part of what may be the password: the text between the
// first ':' after the scheme and the last '@'.
func DriverMessage(err error, raw, generic string) string {
	msg := err.Error()
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest = raw[i+3:]
	}
	i, at := strings.Index(rest, ":"), strings.LastIndex(rest, "@")
	if i >= 0 && at > i+1 {
		secret := rest[i+1 : at]
		w := min(4, len(secret))
		for j := 0; j+w <= len(secret); j++ {
			if strings.Contains(msg, secret[j:j+w]) {
				return generic
			}
		}
	}
	return redact.String(msg)
}

// Package all registers every check kind. Adding a kind's package means adding one line here.
package all

import (
	_ "github.com/launchgate/launchgate/checks/httpcheck"  // http.health
	_ "github.com/launchgate/launchgate/checks/httpsec"    // http.auth, http.headers, jwt
	_ "github.com/launchgate/launchgate/checks/mysqlcheck" // mysql.connections, mysql.replica_lag
	_ "github.com/launchgate/launchgate/checks/postgres"   // postgres.connections, postgres.replica_lag
	_ "github.com/launchgate/launchgate/checks/prometheuscheck"
	_ "github.com/launchgate/launchgate/checks/redischeck" // redis.memory
	_ "github.com/launchgate/launchgate/checks/secrets"    // secrets
	_ "github.com/launchgate/launchgate/checks/tlscheck"   // tls
	_ "github.com/launchgate/launchgate/checks/traffic"    // http.rate_limit, http.burst
)

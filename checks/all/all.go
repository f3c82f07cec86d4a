// Package all registers every check kind. Adding a family means adding one line here; adding a
// kind to an existing family adds nothing here.
package all

import (
	_ "github.com/launchgate/launchgate/checks/deploycheck"     // deploy.window
	_ "github.com/launchgate/launchgate/checks/envcheck"        // env.parity
	_ "github.com/launchgate/launchgate/checks/httpcheck"       // http.auth, http.burst, http.flow, http.headers, http.health, http.load, http.rate_limit, http.version
	_ "github.com/launchgate/launchgate/checks/jwtcheck"        // jwt
	_ "github.com/launchgate/launchgate/checks/mysqlcheck"      // mysql.connections, mysql.replica_lag
	_ "github.com/launchgate/launchgate/checks/natscheck"       // nats.consumer
	_ "github.com/launchgate/launchgate/checks/postgrescheck"   // postgres.backups, postgres.connections, postgres.migration, postgres.queries, postgres.replica_lag
	_ "github.com/launchgate/launchgate/checks/prometheuscheck" // prometheus.alerts, prometheus.query, prometheus.targets
	_ "github.com/launchgate/launchgate/checks/rabbitmqcheck"   // rabbitmq.queue
	_ "github.com/launchgate/launchgate/checks/redischeck"      // redis.memory, redis.queue
	_ "github.com/launchgate/launchgate/checks/secretscheck"    // secrets
	_ "github.com/launchgate/launchgate/checks/tlscheck"        // tls
)

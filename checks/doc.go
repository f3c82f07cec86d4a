// Package checks holds the check kinds, one package per family.
//
// A kind's name tells where it lives, with no exceptions:
//
//   - kind F.N lives in checks/Fcheck/N.go, package Fcheck: http.rate_limit is
//     checks/httpcheck/rate_limit.go. The "check" suffix keeps family packages clear of
//     net/http, crypto/tls and the client libraries named redis, nats or prometheus;
//   - a kind without a dot, K, is its own family in checks/Kcheck/K.go: jwt is
//     checks/jwtcheck/jwt.go;
//   - its documentation is docs/checks/<kind>.md.
//
// To add a kind: write checks/Fcheck/N.go with a struct that is its `with:` block (yaml, doc and
// required tags), a constructor that sets the defaults, Validate() error for what types cannot
// say, Run(ctx, env) kind.Result judged with kind.Judgement, Effects() if it sends traffic or
// writes, and kind.Register in init(). A new family adds one import line to checks/all; families
// never import each other: what two need lives in internal/probe or internal/kind.
package checks

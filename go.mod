module github.com/launchgate/launchgate

go 1.26.8

require gopkg.in/yaml.v3 v3.0.1

require github.com/golang-jwt/jwt/v5 v5.3.1

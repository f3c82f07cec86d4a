module github.com/launchgate/launchgate

go 1.26.8

require gopkg.in/yaml.v3 v3.0.1

require golang.org/x/crypto v0.58.0

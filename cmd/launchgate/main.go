// Command launchgate runs a launch checklist against the live environment and opens or closes
// the gate.
package main

import (
	"os"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.System()))
}

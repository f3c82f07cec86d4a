package postgrescheck

import (
	"testing"

	"github.com/launchgate/launchgate/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

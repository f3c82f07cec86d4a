package pgtest

import (
	"context"
	"testing"
	"time"
)

func TestPrimaryAndStandby(t *testing.T) {
	p := Start(t, Options{Conf: []string{"max_connections = 20"}})
	s := p.Standby(t, StandbyOptions{Name: "s1", ApplyDelay: 300 * time.Millisecond})
	p.WaitStreaming(t, 1)
	ctx := context.Background()

	var maxConn string
	if err := p.Connect(t, "", "").QueryRow(ctx, "SHOW max_connections").Scan(&maxConn); err != nil || maxConn != "20" {
		t.Fatalf("primary max_connections = %q (%v), want the extra conf line's 20", maxConn, err)
	}
	var inRecovery bool
	var delay string
	if err := s.Connect(t, "", "").QueryRow(ctx, "SELECT pg_is_in_recovery(), current_setting('recovery_min_apply_delay')").Scan(&inRecovery, &delay); err != nil {
		t.Fatal(err)
	}
	if !inRecovery || delay != "300ms" {
		t.Fatalf("standby: in recovery %v, recovery_min_apply_delay %q; want true, 300ms", inRecovery, delay)
	}

	s.Stop(t)
	p.WaitStreaming(t, 0)
	s.Restart(t)
	p.WaitStreaming(t, 1)
}

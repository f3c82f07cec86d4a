package postgrescheck

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// bkArchiver is one reading of pg_stat_archiver and the settings that explain it.
type bkArchiver struct {
	mode, timeout      string // archive_mode, archive_timeout
	inRecovery         bool
	archived, failed   int64
	lastWAL, failedWAL *string
	lastAt, failedAt   *time.Time
	statsReset         *time.Time
	now                time.Time // the server's clock, which the times above are on
}

const bkArchiveFailingRemedy = "read the server log for archive_command's error and fix the command or its destination (disk full, credentials, permissions, a changed path); " +
	"until it works, WAL piles up in pg_wal and nothing after the last archived segment can be restored"

func bkReadArchiver(ctx context.Context, conn *pgx.Conn) (bkArchiver, error) {
	var a bkArchiver
	err := conn.QueryRow(ctx, `SELECT current_setting('archive_mode'), current_setting('archive_timeout'), pg_is_in_recovery(),
		  archived_count, failed_count, last_archived_wal, last_failed_wal, last_archived_time, last_failed_time, stats_reset, now()
		FROM pg_stat_archiver`).Scan(&a.mode, &a.timeout, &a.inRecovery, &a.archived, &a.failed,
		&a.lastWAL, &a.failedWAL, &a.lastAt, &a.failedAt, &a.statsReset, &a.now)
	return a, err
}

// archiving judges pg_stat_archiver, watching it for sample to see whether failures grow.
func (c *Backups) archiving(ctx context.Context, env *kind.Env) bkOutcome {
	var o bkOutcome
	t := c.target
	label := "WAL archiving"
	timeout := probe.Remaining(ctx, defaultTimeout)
	conn, tr, err := connect(ctx, env, t)
	if err != nil {
		f := explainConnect(ctx, err, t, tr, timeout)
		o.add(kind.Line{Label: label, Observed: f.kind, Expected: "a session", Status: f.status, Problem: f.summary, Remedy: f.remedy})
		return o
	}
	defer closeConn(conn)
	first, err := bkReadArchiver(ctx, conn)
	if err != nil {
		r := queryError(t, "reading pg_stat_archiver", err)
		o.add(kind.Line{Label: label, Observed: r.Summary, Status: kind.Error, Problem: r.Summary, Remedy: r.Remedy})
		return o
	}
	if l, judged := c.archiveMode(t, first); !judged {
		o.add(l)
		return o
	}
	last, watched := first, time.Duration(0)
	if c.Sample > 0 {
		// The watch leaves time to report before the deadline; a short deadline watches less.
		wait := min(c.Sample.D(), probe.Remaining(ctx, defaultTimeout)-2*reportMargin)
		if wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
				watched = wait
			}
			if second, err := bkReadArchiver(ctx, conn); err == nil {
				last = second
			} else {
				watched = 0
			}
		}
	}
	o.evidence = last.lastAt != nil
	for _, l := range c.judgeArchiver(first, last, watched) {
		o.add(l)
	}
	if last.lastAt != nil {
		o.note = fmt.Sprintf("WAL archived up to %s at %s", deref(last.lastWAL, "?"), bkWhen(*last.lastAt, last.now))
	}
	return o
}

// archiveMode says whether archiving is there to be judged; when it is not, its line says why.
func (c *Backups) archiveMode(t *target, a bkArchiver) (kind.Line, bool) {
	label := "archive_mode"
	switch {
	case a.mode == "off" && c.RequireArchiving:
		return kind.Line{Label: label, Observed: "off", Expected: "on (require_archiving)", Status: kind.Fail,
			Problem: fmt.Sprintf("%s does not archive WAL (archive_mode = off): it can only be restored to the moment of a backup, not to a point in time", t.address()),
			Remedy:  "set archive_mode = on and archive_command (e.g. pgbackrest --stanza=main archive-push %p, or wal-g wal-push %p) in postgresql.conf, then restart the server"}, false
	case a.mode == "off":
		return kind.Line{Label: label, Observed: "off: WAL archiving not judged", Expected: "on, or require_archiving: false", Status: kind.Skip}, false
	case a.inRecovery && a.mode != "always":
		st := kind.Skip
		if c.RequireArchiving {
			st = kind.Error
		}
		return kind.Line{Label: label, Observed: fmt.Sprintf("%s on a standby, which archives nothing (only archive_mode = always does)", a.mode), Expected: "the primary", Status: st,
			Problem: fmt.Sprintf("%s is a standby: its pg_stat_archiver says nothing about the primary's archiving", t.address()),
			Remedy:  "point dsn at the primary"}, false
	}
	return kind.Line{}, true
}

// judgeArchiver judges two readings of pg_stat_archiver taken watched apart.
func (c *Backups) judgeArchiver(first, last bkArchiver, watched time.Duration) []kind.Line {
	label := "WAL archiving"
	since := "since the statistics began"
	if last.statsReset != nil {
		since = "since stats_reset " + bkWhen(*last.statsReset, last.now)
	}
	counts := fmt.Sprintf("%d archived, %d failed %s", last.archived, last.failed, since)
	var lines []kind.Line
	failing := last.failedAt != nil && (last.lastAt == nil || last.failedAt.After(*last.lastAt))
	if failing {
		ok := "nothing archived"
		if last.lastAt != nil {
			ok = fmt.Sprintf("last success %s at %s", deref(last.lastWAL, "?"), bkWhen(*last.lastAt, last.now))
		}
		lines = append(lines, kind.Line{Label: label, Observed: fmt.Sprintf("failing: %s failed at %s, %s; %s", deref(last.failedWAL, "?"), bkWhen(*last.failedAt, last.now), ok, counts),
			Expected: "the last attempt succeeded", Status: kind.Fail,
			Problem: fmt.Sprintf("WAL archiving is failing: segment %s failed at %s, %s", deref(last.failedWAL, "?"), bkWhen(*last.failedAt, last.now), ok),
			Remedy:  bkArchiveFailingRemedy})
	}
	if watched > 0 && last.failed > first.failed {
		lines = append(lines, kind.Line{Label: "archive failures while watching", Observed: fmt.Sprintf("failed_count grew from %d to %d in %s", first.failed, last.failed, bkAge(watched)),
			Expected: "no new failures", Status: kind.Fail,
			Problem: fmt.Sprintf("archive_command failed %d more %s in %s", last.failed-first.failed, kind.Plural(int(last.failed-first.failed), "time", "times"), bkAge(watched)),
			Remedy:  bkArchiveFailingRemedy})
	}
	switch {
	case last.lastAt == nil && !failing:
		lines = append(lines, kind.Line{Label: label, Observed: "no WAL segment archived " + since, Expected: "one within " + c.MaxArchiveAge.String(), Status: kind.Fail,
			Problem: "no WAL segment has been archived " + since,
			Remedy:  "force one with SELECT pg_switch_wal(); then watch pg_stat_archiver: archived_count must grow, and failed_count must not"})
	case last.lastAt != nil && last.now.Sub(*last.lastAt) > c.MaxArchiveAge.D():
		lines = append(lines, kind.Line{Label: "last archived WAL", Observed: fmt.Sprintf("%s at %s; archive_timeout %s", deref(last.lastWAL, "?"), bkWhen(*last.lastAt, last.now), last.timeout),
			Expected: "within " + c.MaxArchiveAge.String(), Status: kind.Fail,
			Problem: fmt.Sprintf("the last WAL segment was archived %s ago (max %s)", bkAge(last.now.Sub(*last.lastAt)), c.MaxArchiveAge),
			Remedy: "on a quiet server a segment is archived only when it fills or archive_timeout passes: set archive_timeout below max_archive_age (e.g. 5min); " +
				"on a busy one, archiving has stalled: read the server log"})
	case !failing:
		watch := ""
		if watched > 0 {
			watch = fmt.Sprintf("; no new failure in %s", bkAge(watched))
		}
		lines = append(lines, kind.Line{Label: label, Observed: fmt.Sprintf("archived up to %s at %s; %s%s", deref(last.lastWAL, "?"), bkWhen(*last.lastAt, last.now), counts, watch),
			Expected: "archiving, last within " + c.MaxArchiveAge.String(), Status: kind.Pass})
	}
	return lines
}

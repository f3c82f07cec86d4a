package postgrescheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

// Output caps for the programs the backups check runs: pgBackRest's info lists every backup in
// a few hundred bytes each; an error message is one line.
const (
	bkMaxOutput = 16 << 20
	bkMaxStderr = 8 << 10
)

// bkInfo is one stanza of pgbackrest --output=json info.
type bkInfo struct {
	Name   string `json:"name"`
	Status struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"status"`
	Repo []struct {
		Key    int `json:"key"`
		Status struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"status"`
	} `json:"repo"`
	Archive []struct {
		ID  string `json:"id"`
		Max string `json:"max"`
	} `json:"archive"`
	Backup []bkBackup `json:"backup"`
}

// bkBackup is one backup in a stanza.
type bkBackup struct {
	Label     string `json:"label"`
	Type      string `json:"type"`
	Error     *bool  `json:"error"`
	Timestamp struct {
		Start int64 `json:"start"`
		Stop  int64 `json:"stop"`
	} `json:"timestamp"`
}

func (b *bkBackup) stop() time.Time { return time.Unix(b.Timestamp.Stop, 0) }

// pgBackRest's stanza status codes (command/info/info.c) that have a specific remedy.
const (
	bkMissingStanzaPath = 1
	bkNoBackup          = 2
	bkMissingStanzaData = 3
	bkPgMismatch        = 5
)

// bkLimitedBuffer keeps at most max bytes and remembers that more came.
type bkLimitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *bkLimitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		b.over = true
		p = p[:max(room, 0)]
	}
	b.Buffer.Write(p)
	return len(p), nil
}

// bkProgram is a program a source runs: the file (or the name to look up on PATH), and what
// messages call it, as the checklist did.
type bkProgram struct{ path, name string }

// bkRun runs a program under ctx with its standard output going to stdout (which bounds what
// it keeps). Its error carries the first line of what the program said on standard error.
func bkRun(ctx context.Context, stdout io.Writer, prog bkProgram, args ...string) error {
	name := prog.name
	cmd := exec.CommandContext(ctx, prog.path, args...)
	cmd.Env = append(cmd.Environ(), "LC_ALL=C")
	// Once the program is killed, a child of it still holding the pipes must not hold us.
	cmd.WaitDelay = time.Second
	stderr := &bkLimitedBuffer{max: bkMaxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return fmt.Errorf("%s is not installed or not on PATH: %w", name, exec.ErrNotFound)
	case ctx.Err() != nil:
		return fmt.Errorf("%s did not finish in time: %w", name, ctx.Err())
	case err != nil:
		if msg := bkFirstLine(stderr.String()); msg != "" {
			return fmt.Errorf("%s: %w: %s", name, err, msg)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// bkFirstLine is the first non-empty line of a program's message, masked and clipped.
func bkFirstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return qyClip(redact.String(l), 240)
		}
	}
	return ""
}

// judge runs pgbackrest info for the stanza and judges its status and backups' ages.
func (p *PgBackRest) judge(ctx context.Context, env *kind.Env) bkOutcome {
	var o bkOutcome
	label := "pgbackrest " + p.Stanza
	var args []string
	if p.Config != "" {
		args = append(args, "--config="+p.Config)
	}
	// info only reads the repository; no log file is written for it either.
	args = append(args, "--stanza="+p.Stanza, "--output=json", "--log-level-console=off", "--log-level-stderr=error", "--log-level-file=off", "info")
	out := &bkLimitedBuffer{max: bkMaxOutput}
	err := bkRun(ctx, out, bkProgram{path: p.Bin, name: p.Bin}, args...)
	if err == nil && out.over {
		err = fmt.Errorf("pgbackrest info wrote more than %s, more than this check reads", kind.ByteSize(bkMaxOutput))
	}
	if err != nil {
		o.add(kind.Line{Label: label, Observed: err.Error(), Expected: "pgbackrest info", Status: kind.Error,
			Problem: "could not read pgBackRest's backups: " + err.Error(),
			Remedy:  "check that pgbackrest runs here as this user with the same configuration as the backups (bin, config), and that the repository is reachable"})
		return o
	}
	var stanzas []bkInfo
	if err := json.Unmarshal(out.Bytes(), &stanzas); err != nil {
		o.add(kind.Line{Label: label, Observed: "unreadable output: " + err.Error(), Expected: "pgbackrest info JSON", Status: kind.Error,
			Problem: "pgbackrest info wrote something other than its JSON: " + err.Error(), Remedy: "run the same pgbackrest info by hand to see what it says"})
		return o
	}
	var info *bkInfo
	for i := range stanzas {
		if stanzas[i].Name == p.Stanza {
			info = &stanzas[i]
		}
	}
	if info == nil {
		o.add(kind.Line{Label: label, Observed: "not listed by pgbackrest info", Expected: "the stanza", Status: kind.Fail,
			Problem: fmt.Sprintf("pgBackRest knows no stanza %q", p.Stanza), Remedy: "check the stanza name and the config pgbackrest reads"})
		return o
	}
	return p.judgeInfo(info, env.Now())
}

// judgeInfo judges one stanza at the moment now.
func (p *PgBackRest) judgeInfo(info *bkInfo, now time.Time) bkOutcome {
	var o bkOutcome
	label := "pgbackrest " + p.Stanza
	if info.Status.Code != 0 {
		o.add(p.statusLine(info))
	}
	if len(info.Backup) == 0 {
		if info.Status.Code == 0 {
			o.add(kind.Line{Label: label + " backups", Observed: "none", Expected: "a full backup", Status: kind.Fail,
				Problem: fmt.Sprintf("pgBackRest stanza %s has no backup", p.Stanza), Remedy: p.statusRemedy(bkNoBackup)})
		}
		return o
	}
	o.evidence = true
	newest, newestFull, oldest := bkPick(info.Backup)
	wal := ""
	for _, a := range info.Archive {
		if a.Max != "" {
			wal = "; WAL archived up to " + a.Max
		}
	}
	if newestFull == nil {
		o.add(kind.Line{Label: label + " newest full backup", Observed: "none", Expected: "within " + p.MaxFullAge.String(), Status: kind.Fail,
			Problem: fmt.Sprintf("pgBackRest stanza %s has no full backup", p.Stanza), Remedy: p.statusRemedy(bkNoBackup)})
	} else {
		o.add(p.ageLine(label+" newest full backup", newestFull.describe(now), now.Sub(newestFull.stop()), p.MaxFullAge, "full"))
	}
	o.add(p.ageLine(label+" newest backup", newest.describe(now)+wal, now.Sub(newest.stop()), p.MaxAge, ""))
	o.add(p.retentionLine(len(info.Backup), oldest, now))
	if newest.Error != nil && *newest.Error {
		o.add(kind.Line{Label: label + " newest backup checksums", Observed: newest.Label + " found page checksum errors", Expected: "none", Status: kind.Warn,
			Problem: fmt.Sprintf("pgBackRest backup %s found page checksum errors: some pages of the database are corrupt", newest.Label),
			Remedy:  "run pgbackrest info --set=" + newest.Label + " to see which files, and check the database's storage"})
	}
	o.note = fmt.Sprintf("pgBackRest %s: newest backup %s", p.Stanza, newest.describe(now)+wal)
	return o
}

// statusLine quotes pgBackRest's own message for a stanza that is not ok, and each
// repository's when it says something else.
func (p *PgBackRest) statusLine(info *bkInfo) kind.Line {
	msg := qyClip(info.Status.Message, 240)
	for _, r := range info.Repo {
		if r.Status.Code != 0 && r.Status.Message != info.Status.Message {
			msg += fmt.Sprintf("; repo%d: %s", r.Key, qyClip(r.Status.Message, 120))
		}
	}
	return kind.Line{Label: "pgbackrest " + p.Stanza + " status", Observed: fmt.Sprintf("%s (code %d)", msg, info.Status.Code), Expected: "ok", Status: kind.Fail,
		Problem: fmt.Sprintf("pgBackRest stanza %s: %s", p.Stanza, msg), Remedy: p.statusRemedy(info.Status.Code)}
}

// bkPick finds the newest backup, the newest full one (nil when there is none) and the oldest.
func bkPick(backups []bkBackup) (newest, newestFull, oldest *bkBackup) {
	for i := range backups {
		b := &backups[i]
		if newest == nil || b.Timestamp.Stop > newest.Timestamp.Stop {
			newest = b
		}
		if b.Type == "full" && (newestFull == nil || b.Timestamp.Stop > newestFull.Timestamp.Stop) {
			newestFull = b
		}
		if oldest == nil || b.Timestamp.Stop < oldest.Timestamp.Stop {
			oldest = b
		}
	}
	return newest, newestFull, oldest
}

func (b *bkBackup) describe(now time.Time) string {
	s := fmt.Sprintf("%s (%s) finished %s", b.Label, b.Type, bkWhen(b.stop(), now))
	if b.Error != nil && *b.Error {
		s += ", with page checksum errors"
	}
	return s
}

// retentionLine says how far back the oldest backup reaches: with the WAL archived since, the
// window point-in-time recovery covers.
func (p *PgBackRest) retentionLine(n int, oldest *bkBackup, now time.Time) kind.Line {
	window := now.Sub(oldest.stop())
	l := kind.Line{Label: "pgbackrest " + p.Stanza + " retention",
		Observed: fmt.Sprintf("%d %s; the oldest, %s, reaches back %s", n, kind.Plural(n, "backup", "backups"), oldest.Label, bkAge(window)),
		Expected: "not judged (set min_retention)", Status: kind.Pass}
	if p.MinRetention > 0 {
		l.Expected = "≥ " + p.MinRetention.String()
		if window < p.MinRetention.D() {
			l.Status = kind.Fail
			l.Problem = fmt.Sprintf("pgBackRest stanza %s can restore only %s back (oldest backup %s), less than min_retention %s", p.Stanza, bkAge(window), oldest.Label, p.MinRetention)
			l.Remedy = "keep more backups: raise repo1-retention-full (and repo1-retention-diff), and keep their WAL (repo1-retention-archive)"
		}
	}
	return l
}

// ageLine judges the age of the newest backup, of type full or ("") of any type.
func (p *PgBackRest) ageLine(label, observed string, age time.Duration, limit kind.Duration, full string) kind.Line {
	l := kind.Line{Label: label, Observed: observed, Expected: "within " + limit.String(), Status: kind.Pass}
	if age > limit.D() {
		l.Status = kind.Fail
		what, typ := "backup", "incr"
		if full != "" {
			what, typ = "full backup", "full"
		}
		l.Problem = fmt.Sprintf("the newest %s of stanza %s finished %s ago (max %s)", what, p.Stanza, bkAge(age), limit)
		l.Remedy = fmt.Sprintf("check that the scheduled pgbackrest --stanza=%s --type=%s backup runs (cron or a timer; its log is in /var/log/pgbackrest) and succeeds", p.Stanza, typ)
	}
	return l
}

func (p *PgBackRest) statusRemedy(code int) string {
	switch code {
	case bkMissingStanzaPath, bkMissingStanzaData:
		return fmt.Sprintf("create the stanza (pgbackrest --stanza=%s stanza-create) or fix repo1-path in the configuration this check reads", p.Stanza)
	case bkNoBackup:
		return fmt.Sprintf("take a full backup now (pgbackrest --stanza=%s --type=full backup) and schedule them", p.Stanza)
	case bkPgMismatch:
		return fmt.Sprintf("after a major upgrade or a new cluster, run pgbackrest --stanza=%s stanza-upgrade", p.Stanza)
	}
	return "read pgBackRest's message above and its log (/var/log/pgbackrest)"
}

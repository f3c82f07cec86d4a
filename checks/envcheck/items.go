package envcheck

import (
	"slices"
	"strings"
)

// store is one kind of datastore an environment may have.
type store struct {
	name    string // as in the checklist and item names: postgres, mysql, redis
	product string // as in messages: PostgreSQL
	// defaults are the items compared when the checklist adds none; version (and, for
	// PostgreSQL, the database's locale and the extensions) are read besides.
	defaults []string
	// fixed are items the reader always reads, beyond settings.
	fixed []string
	// sizes are items that are sizes or capacities: staging is often smaller on purpose, so a
	// difference warns. PostgreSQL also counts every setting measured in bytes.
	sizes []string
	// howToSet says where the setting is changed, for remedies.
	howToSet string
}

var stores = []store{
	{
		name: "postgres", product: "PostgreSQL",
		defaults: []string{
			"statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "idle_session_timeout",
			"default_transaction_isolation", "default_transaction_read_only", "synchronous_commit", "wal_level",
			"max_connections", "shared_buffers", "work_mem", "jit", "timezone", "datestyle", "intervalstyle",
			"standard_conforming_strings", "search_path", "default_text_search_config",
		},
		fixed: []string{"version", "collation", "ctype", "encoding"},
		sizes: []string{"max_connections", "superuser_reserved_connections", "max_worker_processes", "max_parallel_workers",
			"max_parallel_workers_per_gather", "max_wal_senders", "max_replication_slots", "autovacuum_max_workers"},
		howToSet: "postgresql.conf or ALTER SYSTEM, or ALTER ROLE/DATABASE … SET where it is set per role or database",
	},
	{
		name: "mysql", product: "MySQL/MariaDB",
		defaults: []string{
			"sql_mode", "transaction_isolation", "autocommit", "max_connections", "wait_timeout", "time_zone",
			"system_time_zone", "character_set_server", "collation_server", "lower_case_table_names",
			"explicit_defaults_for_timestamp", "innodb_buffer_pool_size", "max_allowed_packet",
		},
		fixed: []string{"version"},
		sizes: []string{"max_connections", "max_user_connections", "max_allowed_packet", "table_open_cache",
			"thread_cache_size", "open_files_limit"},
		howToSet: "the [mysqld] section of my.cnf, or SET PERSIST on MySQL 8",
	},
	{
		name: "redis", product: "Redis",
		defaults: []string{"maxmemory-policy", "maxmemory", "maxclients", "appendonly", "save", "notify-keyspace-events"},
		fixed:    []string{"version"},
		sizes:    []string{"maxmemory", "maxclients"},
		howToSet: "redis.conf, or CONFIG SET then CONFIG REWRITE",
	},
}

func storeNamed(name string) *store {
	for i := range stores {
		if stores[i].name == name {
			return &stores[i]
		}
	}
	return nil
}

// extensionPrefix names PostgreSQL extensions among items: postgres.extension.pg_trgm.
const extensionPrefix = "extension."

// sizeLike reports whether a difference in item is a matter of size. PostgreSQL settings
// measured in bytes are known from pg_settings.unit (reading.sizes).
func (s *store) sizeLike(item string) bool {
	if slices.Contains(s.sizes, item) {
		return true
	}
	return s.name == "mysql" && strings.HasSuffix(item, "_size")
}

// consequences says what a difference in a well-known item does, in a few words.
var consequences = map[string]string{
	"postgres.statement_timeout":                   "a query that completes in one environment is cancelled in the other",
	"postgres.lock_timeout":                        "a statement that waits for a lock in one environment fails in the other",
	"postgres.idle_in_transaction_session_timeout": "sessions left idle in a transaction are killed in one environment only",
	"postgres.idle_session_timeout":                "idle pooled connections are closed by the server in one environment only",
	"postgres.default_transaction_isolation":       "concurrent transactions see different data, and serialization failures happen in one environment only",
	"postgres.default_transaction_read_only":       "writes fail in one environment only",
	"postgres.synchronous_commit":                  "a commit acknowledged in one environment can be lost on a crash in the other",
	"postgres.wal_level":                           "logical replication and change-data capture work in one environment only",
	"postgres.jit":                                 "query plans and latencies differ",
	"postgres.timezone":                            "now() and timestamps without time zone read differently",
	"postgres.datestyle":                           "dates are printed and parsed differently",
	"postgres.intervalstyle":                       "intervals are printed differently",
	"postgres.standard_conforming_strings":         "backslashes in string literals mean different things",
	"postgres.search_path":                         "unqualified table and function names resolve to different schemas",
	"postgres.default_text_search_config":          "full-text search stems and matches differently",
	"postgres.collation":                           "ORDER BY, comparisons and unique indexes on text behave differently",
	"postgres.ctype":                               "upper(), lower(), ILIKE and regular expressions treat letters differently",
	"postgres.encoding":                            "text that one database stores is refused by the other",
	"mysql.transaction_isolation":                  "concurrent transactions see different data, and deadlocks and lost updates happen in one environment only",
	"mysql.autocommit":                             "statements outside an explicit transaction commit in one environment only",
	"mysql.wait_timeout":                           "idle pooled connections are closed by the server in one environment only",
	"mysql.time_zone":                              "NOW() and TIMESTAMP columns read differently",
	"mysql.system_time_zone":                       "NOW() and TIMESTAMP columns read differently where time_zone is SYSTEM",
	"mysql.character_set_server":                   "new tables get another character set: emoji fail to insert in one environment only",
	"mysql.collation_server":                       "ORDER BY, comparisons and unique indexes on text behave differently",
	"mysql.lower_case_table_names":                 "table names are case-sensitive in one environment only",
	"mysql.explicit_defaults_for_timestamp":        "TIMESTAMP columns without a default behave differently",
	"redis.maxmemory-policy":                       "a full instance evicts keys in one environment and refuses writes (or evicts other keys) in the other",
	"redis.appendonly":                             "a restart loses recent writes in one environment only",
	"redis.save":                                   "a restart loses data in one environment only",
	"redis.notify-keyspace-events":                 "keyspace notifications that features rely on fire in one environment only",
}

// sqlModes says what each well-known sql_mode flag changes: with it and without it.
var sqlModes = map[string]struct{ with, without string }{
	"STRICT_TRANS_TABLES":        {"a value too long or out of range fails the INSERT", "it is silently truncated or clipped"},
	"STRICT_ALL_TABLES":          {"a value too long or out of range fails the statement", "it is silently truncated or clipped"},
	"ONLY_FULL_GROUP_BY":         {"a query selecting columns it does not group by fails", "it returns values from an arbitrary row"},
	"NO_ZERO_DATE":               {"'0000-00-00' is refused", "it is stored"},
	"NO_ZERO_IN_DATE":            {"dates like '2024-00-10' are refused", "they are stored"},
	"ERROR_FOR_DIVISION_BY_ZERO": {"a division by zero in a write fails", "it writes NULL"},
	"NO_ENGINE_SUBSTITUTION":     {"a table with an unavailable storage engine is refused", "it is silently created with the default engine"},
	"ANSI_QUOTES":                {`"name" is an identifier`, "it is a string"},
	"NO_BACKSLASH_ESCAPES":       {"a backslash is an ordinary character", "it escapes the next one"},
	"PIPES_AS_CONCAT":            {"|| concatenates", "it is a logical OR"},
	"NO_AUTO_VALUE_ON_ZERO":      {"inserting 0 into an AUTO_INCREMENT column stores 0", "it generates the next id"},
	"PAD_CHAR_TO_FULL_LENGTH":    {"CHAR values keep their trailing spaces", "they are trimmed"},
}

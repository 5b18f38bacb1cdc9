package db

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"time"

	"github.com/djsession/djsession/session"
)

func parseISO(s string) (time.Time, error) { return session.ParseISO(s, time.UTC) }

// IndexName returns the name Django's schema editor gives an index on table(column):
// "<table>_<column>_<8 hex of md5(table+column)><suffix>", shortened as Django shortens it
// when longer than maxLen (the database's identifier limit; 0 means 200, Django's default).
func IndexName(table, column, suffix string, maxLen int) string {
	if maxLen <= 0 {
		maxLen = 200
	}
	sum := md5.Sum([]byte(table + column))
	hashPart := hex.EncodeToString(sum[:])[:8] + suffix
	name := table + "_" + column + "_" + hashPart
	if len(name) > maxLen {
		other := (maxLen-len(hashPart))/2 - 1
		if other < 0 {
			other = 0
		}
		name = truncate(table, other) + "_" + truncate(column, other) + "_" + hashPart
	}
	if name != "" && (name[0] == '_' || (name[0] >= '0' && name[0] <= '9')) {
		name = "D" + name[:len(name)-1]
	}
	return name
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// QuoteDouble quotes an identifier with double quotes (SQLite, PostgreSQL), doubling
// any double quote inside it.
func QuoteDouble(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

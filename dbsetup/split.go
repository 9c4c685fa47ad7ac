package dbsetup

import "strings"

// SplitStatements splits a SQL script into its statements at top-level
// semicolons, the way the migration history records them. It understands
// 'strings' (with doubled quotes and, for E'…', backslash escapes), "identifiers",
// $tag$dollar-quoted$tag$ bodies, -- line comments and nested /* */
// comments. Statements are trimmed; empty ones are dropped. It never fails:
// an unterminated quote or comment runs to the end of the input.
//
// SQL-standard function bodies (BEGIN ATOMIC … END) are not recognised and
// are split at their inner semicolons; only the recorded history is
// affected, since migrations are executed whole.
func SplitStatements(sql string) []string {
	var out []string
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(sql[start:end]); s != "" {
			out = append(out, s)
		}
	}
	for i := 0; i < len(sql); {
		switch c := sql[i]; {
		case c == ';':
			emit(i)
			i++
			start = i
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(sql)
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			i = skipBlockComment(sql, i)
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'e' || sql[i-1] == 'E') && (i == 1 || !isIdentByte(sql[i-2]))
			i = skipQuoted(sql, i, '\'', escapes)
		case c == '"':
			i = skipQuoted(sql, i, '"', false)
		case c == '$':
			i = skipDollar(sql, i)
		default:
			i++
		}
	}
	emit(len(sql))
	return out
}

// skipBlockComment returns the index after the (possibly nested) comment
// starting at i.
func skipBlockComment(sql string, i int) int {
	depth := 0
	for i < len(sql) {
		switch {
		case strings.HasPrefix(sql[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(sql[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(sql)
}

// skipQuoted returns the index after the quoted text starting at i, where a
// doubled quote stands for itself and, with backslash escapes, \x too.
func skipQuoted(sql string, i int, q byte, backslash bool) int {
	for i++; i < len(sql); i++ {
		switch sql[i] {
		case '\\':
			if backslash {
				i++
			}
		case q:
			if i+1 < len(sql) && sql[i+1] == q {
				i++
				continue
			}
			return i + 1
		}
	}
	return len(sql)
}

// skipDollar returns the index after a $tag$…$tag$ literal starting at i, or
// i+1 when the '$' does not open one (a parameter such as $1, or part of an
// identifier).
func skipDollar(sql string, i int) int {
	if i > 0 && isIdentByte(sql[i-1]) {
		return i + 1
	}
	j := i + 1
	for j < len(sql) && sql[j] != '$' {
		b := sql[j]
		if !(b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80 || j > i+1 && b >= '0' && b <= '9') {
			return i + 1
		}
		j++
	}
	if j >= len(sql) {
		return i + 1
	}
	tag := sql[i : j+1]
	if end := strings.Index(sql[j+1:], tag); end >= 0 {
		return j + 1 + end + len(tag)
	}
	return len(sql)
}

func isIdentByte(b byte) bool {
	return b == '_' || b == '$' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

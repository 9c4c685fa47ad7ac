package lint

import (
	"regexp"
	"strings"
)

// sqlCode returns src with comments and single-quoted string literals
// replaced by spaces (line breaks kept), so offsets still match the file.
// Dollar-quoted bodies are kept: function bodies are code.
func sqlCode(src string) string {
	b := []byte(src)
	blank := func(from, to int) {
		for k := from; k < to && k < len(b); k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
	}
	i := 0
	for i < len(b) {
		switch {
		case b[i] == '-' && i+1 < len(b) && b[i+1] == '-':
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(b) - i
			}
			blank(i, i+end)
			i += end
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			// Block comments nest in PostgreSQL.
			depth, j := 0, i
			for j < len(b) {
				if j+1 < len(b) && src[j] == '/' && src[j+1] == '*' {
					depth++
					j += 2
				} else if j+1 < len(b) && src[j] == '*' && src[j+1] == '/' {
					depth--
					j += 2
					if depth == 0 {
						break
					}
				} else {
					j++
				}
			}
			blank(i, j)
			i = j
		case b[i] == '\'':
			j := i + 1
			for j < len(b) {
				if src[j] == '\'' {
					if j+1 < len(b) && src[j+1] == '\'' {
						j += 2
						continue
					}
					j++
					break
				}
				j++
			}
			blank(i, j)
			i = j
		default:
			i++
		}
	}
	return string(b)
}

var (
	authUIDPattern          = regexp.MustCompile(`(?i)\bauth\s*\.\s*uid\s*\(\s*\)`)
	requestingUserIDPattern = regexp.MustCompile(`(?i)\brequesting_user_id\s*\(`)
)

// sqlHits returns the offsets of auth.uid() calls and requesting_user_id
// references in code (not comments or string literals).
func sqlHits(src string) (authUID, requestingUserID []int) {
	code := sqlCode(src)
	for _, m := range authUIDPattern.FindAllStringIndex(code, -1) {
		authUID = append(authUID, m[0])
	}
	for _, m := range requestingUserIDPattern.FindAllStringIndex(code, -1) {
		requestingUserID = append(requestingUserID, m[0])
	}
	return authUID, requestingUserID
}

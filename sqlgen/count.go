package sqlgen

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rowgate/rowgate/pgrest"
)

// Statement is SQL text with its bind arguments (all strings, sent in text
// format like [Query.Args]).
type Statement struct {
	SQL  string
	Args []any
}

// setCount decides how the total of a read or RPC statement is obtained,
// as PostgREST 14 does:
//
//   - count=exact: the count CTE, on tables and functions.
//   - count=planned: on tables and views, the planner's estimate from
//     [Query.Explain] and no count CTE; on functions, no count at all.
//   - count=estimated: on tables and views, the count CTE limited to
//     max_rows+1 rows, plus [Query.Explain] for when that limit is passed;
//     on functions, an exact count.
func setCount(q *Query, pref pgrest.CountPref, rpc bool, maxRows int64) {
	q.CountPref = pref
	switch pref {
	case pgrest.CountExact:
		q.Count = true
	case pgrest.CountPlanned:
		q.planned = !rpc
	case pgrest.CountEstimated:
		q.Count = true
		if !rpc {
			q.planned = true
			q.countLimit = maxRows
		}
	}
}

// countParts renders the count query of root (PostgREST's
// readPlanToCountQuery: SELECT 1 with the filters and the joins that
// restrict rows), adds the count CTE's LIMIT for count=estimated, and fills
// q.Explain when the planner's estimate is wanted. It returns the body of
// the pgrst_source_count CTE ("" when there is none).
func (b *builder) countParts(q *Query, root *level) string {
	if !q.Count && !q.planned {
		return ""
	}
	var sb strings.Builder
	b.writeLevelSelect(&sb, root, true)
	countSQL := sb.String()
	if q.planned {
		sql, args := renumberParams(countSQL, b.args)
		q.Explain = &Statement{SQL: "EXPLAIN (FORMAT JSON) " + sql, Args: args}
	}
	if !q.Count {
		return ""
	}
	if q.countLimit > 0 && q.countLimit < math.MaxInt64 {
		// Counting stops one row past max_rows: enough to know the limit
		// was passed.
		countSQL += " LIMIT " + strconv.FormatInt(q.countLimit+1, 10)
	}
	return countSQL
}

// renumberParams gives the placeholders of sql ($n, outside quoted
// identifiers and string literals) consecutive numbers in order of first
// use and returns the matching arguments, so that a fragment of a larger
// statement can be prepared on its own: PostgreSQL cannot infer the type of
// a parameter the statement does not use.
func renumberParams(sql string, args []any) (string, []any) {
	var (
		sb     strings.Builder
		out    []any
		newNum = map[int]int{}
	)
	sb.Grow(len(sql))
	for i := 0; i < len(sql); {
		switch c := sql[i]; {
		case c == '"' || c == '\'':
			// Copy the quoted text; a doubled quote is an escaped one.
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(sql))
			sb.WriteString(sql[i:end])
			i = end
		case c == '$' && i+1 < len(sql) && isDigit(sql[i+1]) && (i == 0 || !isIdentByte(sql[i-1])):
			j := i + 1
			for j < len(sql) && isDigit(sql[j]) {
				j++
			}
			old, err := strconv.Atoi(sql[i+1 : j])
			if err != nil || old < 1 || old > len(args) {
				// Not one of ours: leave it for PostgreSQL to refuse.
				sb.WriteString(sql[i:j])
				i = j
				continue
			}
			n, ok := newNum[old]
			if !ok {
				out = append(out, args[old-1])
				n = len(out)
				newNum[old] = n
			}
			sb.WriteString("$" + strconv.Itoa(n))
			i = j
		default:
			sb.WriteByte(c)
			i++
		}
	}
	if out == nil {
		out = []any{}
	}
	return sb.String(), out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// PlanRows reads the row estimate of the top plan node ("Plan Rows") from
// the output of EXPLAIN (FORMAT JSON), as the column value of its one row.
func PlanRows(explain []byte) (int64, error) {
	var plans []struct {
		Plan *struct {
			Rows *float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal(explain, &plans); err != nil {
		return 0, fmt.Errorf("decode explain output: %w", err)
	}
	if len(plans) == 0 || plans[0].Plan == nil || plans[0].Plan.Rows == nil {
		return 0, fmt.Errorf("explain output has no plan rows")
	}
	r := *plans[0].Plan.Rows
	if math.IsNaN(r) || r < 0 {
		return 0, fmt.Errorf("explain output has invalid plan rows %v", r)
	}
	if r >= math.MaxInt64 {
		return math.MaxInt64, nil
	}
	return int64(math.Round(r)), nil
}

// Total is the total to report in Content-Range, from the statement's
// total_result_set (counted, nil when NULL) and the planner's estimate from
// [Query.Explain] (planRows, nil when Explain was not run):
//
//   - count=planned: the estimate.
//   - count=estimated: the count while it is within max_rows; past it (the
//     count CTE stops at max_rows+1), the larger of the count and the
//     estimate. Without max_rows the count is never limited and the larger
//     of both is taken, as in PostgREST.
//   - otherwise: the count.
func (q *Query) Total(counted, planRows *int64) *int64 {
	if !q.planned {
		return counted
	}
	switch q.CountPref {
	case pgrest.CountPlanned:
		return planRows
	case pgrest.CountEstimated:
		if counted == nil || planRows == nil {
			return counted
		}
		if q.countLimit > 0 && *counted <= q.countLimit {
			return counted
		}
		t := max(*counted, *planRows)
		return &t
	}
	return counted
}

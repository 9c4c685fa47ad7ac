package gateway

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/pgexec"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/schema"
	"github.com/rowgate/rowgate/sqlgen"
)

// maxRPCBody caps the body of POST /rpc calls.
const maxRPCBody = 32 << 20

// codeMaxAffectedNotSet is PostgREST's PGRST128: max-affected with
// handling=strict on a function that does not return a set.
const codeMaxAffectedNotSet = "PGRST128"

// rpc serves /rpc/<function>: GET and HEAD run in a READ ONLY transaction;
// POST runs READ ONLY for STABLE and IMMUTABLE functions and READ WRITE for
// VOLATILE ones, as PostgREST does.
func (s *Server) rpc(w http.ResponseWriter, r *http.Request, id *auth.Identity, req *pgrest.Request, schemaName string) error {
	opts := sqlgen.Options{Schema: schemaName, MaxRows: s.opts.MaxRows}
	var (
		q   *sqlgen.Query
		err error
	)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q, err = sqlgen.Read(req, s.opts.Schema.Load(), opts)
	case http.MethodPost:
		var body sqlgen.CallBody
		if body, err = rpcReadBody(w, r); err != nil {
			return err
		}
		q, err = sqlgen.Call(req, body, s.opts.Schema.Load(), opts)
	default:
		return rowgate.Errorf(http.StatusMethodNotAllowed, rowgate.CodeRPCMethod, "Cannot use the %s method on RPC", r.Method)
	}
	if err != nil {
		return err
	}
	strict := req.Prefer.Handling == pgrest.HandlingStrict && req.Prefer.MaxAffected != nil
	if strict && !q.Function.ReturnsSet {
		return rowgate.Errorf(http.StatusBadRequest, codeMaxAffectedNotSet,
			"Function must return SETOF or TABLE when max-affected preference is used with handling=strict")
	}
	readOnly := r.Method != http.MethodPost || q.Function.Volatility != schema.Volatile
	rollback, txApplied := s.rpcTxEnd(req.Prefer.Tx)

	var res result
	scan := func(rows pgx.Rows) error {
		if err := scanResult(&res)(rows); err != nil {
			return err
		}
		// Failures decided on the result roll the transaction back.
		if q.Singular && res.pageTotal != 1 {
			return rowgate.Errorf(http.StatusNotAcceptable, rowgate.CodeSingular, "Cannot coerce the result to a single JSON object").
				WithDetails(fmt.Sprintf("The result contains %d rows", res.pageTotal))
		}
		if strict && res.pageTotal > *req.Prefer.MaxAffected {
			return rowgate.Errorf(http.StatusBadRequest, rowgate.CodeMaxAffected, "Query result exceeds max-affected preference constraint").
				WithDetails(fmt.Sprintf("The query affects %d rows", res.pageTotal))
		}
		if rollback {
			return pgexec.ErrRollback
		}
		return nil
	}
	tr := s.txRequest(r, id, schemaName, readOnly, q, req.Prefer.Timezone)
	total := withEstimate(tr, q)
	if err := s.opts.DB.Run(r.Context(), tr, scan); err != nil {
		return err
	}
	if res.total, err = total(res.total); err != nil {
		return err
	}
	return rpcRespond(w, r, req, q, &res, txApplied)
}

// rpcReadBody reads a POST body and classifies it by Content-Type. A
// missing Content-Type means JSON, as in PostgREST.
func rpcReadBody(w http.ResponseWriter, r *http.Request) (sqlgen.CallBody, error) {
	var body sqlgen.CallBody
	ct := r.Header.Get("Content-Type")
	mt := "application/json"
	if ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return body, rowgate.Errorf(http.StatusBadRequest, rowgate.CodeBody, "Content-Type not acceptable: %s", ct)
		}
	}
	switch mt {
	case "application/json", "*/*":
		body.Kind = sqlgen.BodyJSON
	case "application/x-www-form-urlencoded":
		body.Kind = sqlgen.BodyForm
	case "text/plain":
		body.Kind = sqlgen.BodyText
	case "text/xml":
		body.Kind = sqlgen.BodyXML
	case "application/octet-stream":
		body.Kind = sqlgen.BodyBinary
	default:
		return body, rowgate.Errorf(http.StatusBadRequest, rowgate.CodeBody, "Content-Type not acceptable: %s", mt)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRPCBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return body, rowgate.Errorf(http.StatusRequestEntityTooLarge, rowgate.CodeBody, "Request body too large").
				WithDetails(fmt.Sprintf("The body is limited to %d bytes", maxRPCBody))
		}
		return body, fmt.Errorf("read rpc body: %w", err)
	}
	body.Raw = raw
	return body, nil
}

// rpcTxEnd decides from [rowgate] tx_end and Prefer: tx whether the
// transaction is rolled back, and whether the preference was honoured (so
// it is echoed in Preference-Applied).
func (s *Server) rpcTxEnd(pref pgrest.TxPref) (rollback, applied bool) {
	mode := s.opts.TxEnd
	override := strings.HasSuffix(mode, "-allow-override")
	rollback = strings.HasPrefix(mode, "rollback")
	if override && pref != "" {
		return pref == pgrest.TxRollback, true
	}
	return rollback, false
}

// rpcRespond writes a function's result as PostgREST 14 does: void → 204;
// otherwise 200 (206 with a count smaller than the total, 416 past the end)
// with Content-Range; response.headers and response.status set in SQL
// override the defaults.
func rpcRespond(w http.ResponseWriter, r *http.Request, req *pgrest.Request, q *sqlgen.Query, res *result, txApplied bool) error {
	lower := q.Offset
	upper := lower + res.pageTotal - 1
	status := http.StatusOK
	total := "*"
	if res.total != nil {
		total = strconv.FormatInt(*res.total, 10)
		switch {
		case lower > *res.total:
			return rowgate.Errorf(http.StatusRequestedRangeNotSatisfiable, rowgate.CodeRange, "Requested range not satisfiable").
				WithDetails(fmt.Sprintf("An offset of %d was requested, but there are only %d rows.", lower, *res.total))
		case 1+upper-lower < *res.total:
			status = http.StatusPartialContent
		}
	}
	rng := "*"
	if (res.total == nil || *res.total != 0) && lower <= upper {
		rng = fmt.Sprintf("%d-%d", lower, upper)
	}
	h := w.Header()
	h.Set("Content-Range", rng+"/"+total)
	if applied := preferenceApplied(req.Prefer, appliedPrefs{tx: txApplied, handling: true, maxAffected: true}); applied != "" {
		h.Set("Preference-Applied", applied)
	}
	body := res.body
	if q.Void {
		status, body = http.StatusNoContent, ""
	} else {
		h.Set("Content-Type", contentType(req.Accept))
	}
	if err := applyGUCHeaders(h, res.headers); err != nil {
		return err
	}
	if res.status != nil && *res.status != "" {
		n, err := strconv.Atoi(strings.TrimSpace(*res.status))
		if err != nil || n < 100 || n > 599 {
			return rowgate.Errorf(http.StatusInternalServerError, rowgate.CodeResponseStatus, "response.status guc must be a valid status code")
		}
		status = n
	}
	if r.Method == http.MethodHead {
		body = ""
	}
	if status != http.StatusNoContent && status != http.StatusNotModified {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if body == "" {
		return nil
	}
	_, err := io.WriteString(w, body)
	return err
}

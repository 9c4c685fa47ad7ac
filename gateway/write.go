package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/pgexec"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/sqlgen"
)

// writeResult is the one row of a mutation statement.
type writeResult struct {
	result
	inserted *int32
	location *string
}

// write serves POST, PATCH, PUT and DELETE on tables and views: decode the
// body, build the statement, run it in a read-write transaction, and answer
// with PostgREST's status codes and headers (data-api.md §1.5). Failed
// checks after the statement ran (PGRST116 for .single(), PGRST115 for
// PUT, PGRST124 for max-affected) roll the transaction back.
func (s *Server) write(w http.ResponseWriter, r *http.Request, id *auth.Identity, req *pgrest.Request, schemaName string) error {
	switch r.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
	default:
		return rowgate.Errorf(http.StatusMethodNotAllowed, rowgate.CodeMethod, "Unsupported HTTP method: %s", r.Method)
	}
	var body *pgrest.Payload
	if r.Method != http.MethodDelete {
		mt, err := pgrest.ParseContentType(r.Header.Get("Content-Type"))
		if err != nil {
			return err
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, pgrest.MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return pgrest.TooLargeError()
			}
			return fmt.Errorf("read request body: %w", err)
		}
		body, err = pgrest.ParseBody(mt, raw, req.Columns)
		if err != nil {
			return err
		}
	}
	m, err := sqlgen.Write(req, body, s.opts.Schema.Load(), sqlgen.Options{Schema: schemaName, MaxRows: s.opts.MaxRows})
	if err != nil {
		return err
	}
	rollback, txApplied := s.txEnd(req)
	maxAffected := int64(-1)
	if req.Prefer.Handling == pgrest.HandlingStrict && req.Prefer.MaxAffected != nil &&
		(r.Method == http.MethodPatch || r.Method == http.MethodDelete) {
		maxAffected = *req.Prefer.MaxAffected
	}
	var res writeResult
	scan := func(rows pgx.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("main statement returned no row")
		}
		if err := rows.Scan(&res.total, &res.pageTotal, &res.body, &res.headers, &res.status, &res.inserted, &res.location); err != nil {
			return err
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		switch {
		case m.Singular && res.pageTotal != 1:
			return rowgate.Errorf(http.StatusNotAcceptable, rowgate.CodeSingular, "Cannot coerce the result to a single JSON object").
				WithDetails(fmt.Sprintf("The result contains %d rows", res.pageTotal))
		case r.Method == http.MethodPut && res.pageTotal != 1:
			return sqlgen.PutMismatchError()
		case maxAffected >= 0 && res.pageTotal > maxAffected:
			return rowgate.Errorf(http.StatusBadRequest, rowgate.CodeMaxAffected, "Query result exceeds max-affected preference constraint").
				WithDetails(fmt.Sprintf("The query affects %d rows", res.pageTotal))
		}
		if err := checkGUCStatus(res.status); err != nil {
			return err
		}
		if err := applyGUCHeaders(http.Header{}, res.headers); err != nil {
			return err
		}
		if rollback {
			return pgexec.ErrRollback
		}
		return nil
	}
	if err := s.opts.DB.Run(r.Context(), s.txRequest(r, id, schemaName, false, &m.Query, req.Prefer.Timezone), scan); err != nil {
		return err
	}
	return s.respondWrite(w, r, req, m, &res, txApplied)
}

// txEnd applies [rowgate] tx_end (PostgREST's db-tx-end) and Prefer: tx.
// applied reports that the preference was honoured (the *-allow-override
// settings).
func (s *Server) txEnd(req *pgrest.Request) (rollback, applied bool) {
	end := s.opts.TxEnd
	rollback = strings.HasPrefix(end, "rollback")
	if strings.HasSuffix(end, "-allow-override") && req.Prefer.Tx != pgrest.TxNone {
		return req.Prefer.Tx == pgrest.TxRollback, true
	}
	return rollback, false
}

func checkGUCStatus(raw *string) error {
	if raw == nil || *raw == "" {
		return nil
	}
	n, err := strconv.Atoi(*raw)
	if err != nil || n < 100 || n > 599 {
		return rowgate.Errorf(http.StatusInternalServerError, rowgate.CodeResponseStatus, "response.status guc must be a valid status code")
	}
	return nil
}

func (s *Server) respondWrite(w http.ResponseWriter, r *http.Request, req *pgrest.Request, m *sqlgen.Mutation, res *writeResult, txApplied bool) error {
	h := w.Header()
	if err := applyGUCHeaders(h, res.headers); err != nil {
		return err
	}
	total := "*"
	if res.total != nil {
		total = strconv.FormatInt(*res.total, 10)
	}
	if r.Method == http.MethodPatch && res.pageTotal > 0 {
		h.Set("Content-Range", fmt.Sprintf("0-%d/%s", res.pageTotal-1, total))
	} else {
		h.Set("Content-Range", "*/"+total)
	}
	if res.location != nil {
		if loc := locationHeader(m, *res.location); loc != "" {
			h.Set("Location", loc)
		}
	}
	if applied := preferenceApplied(req.Prefer, appliedPrefs{
		resolution: m.Resolution, missing: m.Missing, ret: true, tx: txApplied, handling: true,
		maxAffected: req.Method == http.MethodPatch || req.Method == http.MethodDelete,
	}); applied != "" {
		h.Set("Preference-Applied", applied)
	}
	rep := m.Representation()
	var status int
	switch r.Method {
	case http.MethodPost:
		status = http.StatusCreated
		if m.Resolution == pgrest.ResolutionMergeDuplicates && (res.inserted == nil || *res.inserted <= 0) {
			status = http.StatusOK
		}
	case http.MethodPut:
		switch {
		case !rep:
			status = http.StatusNoContent
		case res.inserted != nil && *res.inserted > 0:
			status = http.StatusCreated
		default:
			status = http.StatusOK
		}
	default:
		status = http.StatusNoContent
		if rep {
			status = http.StatusOK
		}
	}
	if res.status != nil && *res.status != "" {
		n, _ := strconv.Atoi(*res.status) // validated in the transaction
		status = n
	}
	if !rep || status == http.StatusNoContent {
		if status != http.StatusNoContent {
			h.Set("Content-Length", "0")
		}
		w.WriteHeader(status)
		return nil
	}
	h.Set("Content-Type", contentType(req.Accept))
	h.Set("Content-Length", strconv.Itoa(len(res.body)))
	w.WriteHeader(status)
	_, err := io.WriteString(w, res.body)
	return err
}

// locationHeader renders /table?pk=eq.value&… from the JSON object of
// primary key values the statement returned.
func locationHeader(m *sqlgen.Mutation, raw string) string {
	var vals map[string]string
	if json.Unmarshal([]byte(raw), &vals) != nil {
		return ""
	}
	parts := make([]string, 0, len(m.PrimaryKey))
	for _, k := range m.PrimaryKey {
		v, ok := vals[k]
		if !ok {
			return ""
		}
		parts = append(parts, url.QueryEscape(k)+"=eq."+url.QueryEscape(v))
	}
	return "/" + m.Table.Name + "?" + strings.Join(parts, "&")
}

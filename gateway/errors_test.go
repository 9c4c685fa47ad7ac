package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestSQLStateStatus(t *testing.T) {
	tests := []struct {
		code, msg string
		anon      bool
		want      int
	}{
		{"23505", "duplicate key", false, 409},
		{"23503", "fk", false, 409},
		{"25006", "read only", false, 405},
		{"21000", "DELETE requires a WHERE clause", false, 400},
		{"21000", "more than one row returned by a subquery", false, 500},
		{"22023", `role "nope" does not exist`, false, 401},
		{"22023", "invalid parameter value", false, 400},
		{"42501", "permission denied", true, 401},
		{"42501", "permission denied", false, 403},
		{"42883", "function foo() does not exist", false, 404},
		{"42883", "function xmlagg(integer) does not exist", false, 406},
		{"42P01", "relation does not exist", false, 404},
		{"42P17", "infinite recursion", false, 500},
		{"P0001", "raised", false, 400},
		{"P0002", "no data", false, 500},
		{"PT402", "pay", false, 402},
		{"PT999", "bad", false, 500},
		{"08006", "conn", false, 503},
		{"53400", "limit", false, 500},
		{"53300", "too many", false, 503},
		{"57P01", "admin shutdown", false, 503},
		{"57014", "canceled", false, 500},
		{"28000", "auth", false, 403},
		{"0P000", "role", false, 403},
		{"40001", "serialization", false, 500},
		{"XX000", "internal", false, 500},
		{"22P02", "invalid input syntax", false, 400},
		{"42703", "column does not exist", false, 400},
	}
	for _, tc := range tests {
		t.Run(tc.code+"_"+tc.msg, func(t *testing.T) {
			got := sqlstateStatus(&pgconn.PgError{Code: tc.code, Message: tc.msg}, tc.anon)
			if got != tc.want {
				t.Errorf("status = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestWriteErrorPGRSTRaise(t *testing.T) {
	tests := []struct {
		name       string
		err        *pgconn.PgError
		wantStatus int
		wantBody   string
		wantHeader [2]string
	}{
		{
			name:       "custom status and headers",
			err:        &pgconn.PgError{Code: "PGRST", Message: `{"code":"123","message":"Payment Required","details":"Quota exceeded","hint":"Upgrade your plan"}`, Detail: `{"status":402,"headers":{"X-Powered-By":"Nerd Rage"}}`},
			wantStatus: 402,
			wantBody:   `{"code":"123","details":"Quota exceeded","hint":"Upgrade your plan","message":"Payment Required"}`,
			wantHeader: [2]string{"X-Powered-By", "Nerd Rage"},
		},
		{
			name:       "invalid json",
			err:        &pgconn.PgError{Code: "PGRST", Message: `not json`, Detail: `{}`},
			wantStatus: 500,
			wantBody:   `{"code":"PGRST121","details":"Invalid JSON value for MESSAGE: 'not json'","hint":"MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.","message":"Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error"}`,
		},
		{
			name:       "message without code",
			err:        &pgconn.PgError{Code: "PGRST", Message: `{"message":"x"}`, Detail: `{"status":400,"headers":{}}`},
			wantStatus: 500,
			wantBody:   `{"code":"PGRST121","details":"Invalid JSON value for MESSAGE: '{\"message\":\"x\"}'","hint":"MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.","message":"Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error"}`,
		},
		{
			name:       "detail missing",
			err:        &pgconn.PgError{Code: "PGRST", Message: `{"code":"1","message":"x"}`},
			wantStatus: 500,
			wantBody:   `{"code":"PGRST121","details":"DETAIL is missing in the RAISE statement","hint":"DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.","message":"Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error"}`,
		},
		{
			name:       "detail without headers",
			err:        &pgconn.PgError{Code: "PGRST", Message: `{"code":"1","message":"x"}`, Detail: `{"status":402}`},
			wantStatus: 500,
			wantBody:   `{"code":"PGRST121","details":"Invalid JSON value for DETAIL: '{\"status\":402}'","hint":"DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.","message":"Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error"}`,
		},
		{
			name:       "minimal valid",
			err:        &pgconn.PgError{Code: "PGRST", Message: `{"code":"X1","message":"teapot","details":null}`, Detail: `{"status":418,"headers":{}}`},
			wantStatus: 418,
			wantBody:   `{"code":"X1","details":null,"hint":null,"message":"teapot"}`,
		},
		{
			name:       "plain postgres error",
			err:        &pgconn.PgError{Code: "23505", Message: `duplicate key value violates unique constraint "t_pkey"`, Detail: "Key (id)=(1) already exists."},
			wantStatus: 409,
			wantBody:   `{"code":"23505","details":"Key (id)=(1) already exists.","hint":null,"message":"duplicate key value violates unique constraint \"t_pkey\""}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/rest/v1/t", nil)
			writeError(rec, r, discard(), tc.err, false)
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			if got := rec.Body.String(); got != tc.wantBody {
				t.Errorf("body = %s\nwant %s", got, tc.wantBody)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Error("body is not JSON")
			}
			if tc.wantHeader[0] != "" && rec.Header().Get(tc.wantHeader[0]) != tc.wantHeader[1] {
				t.Errorf("header %s = %q", tc.wantHeader[0], rec.Header().Get(tc.wantHeader[0]))
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("content-type = %q", ct)
			}
		})
	}
}

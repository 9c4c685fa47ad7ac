package rowgate

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error is an error in PostgREST's wire shape: {code, message, details, hint}.
// All four keys are always present in its JSON form; an empty Details or Hint
// is rendered as null, as PostgREST does.
//
// Status is the HTTP status the gateway answers with. Header carries extra
// response headers that belong to the error (WWW-Authenticate on 401s,
// Retry-After on 503s).
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Details is a string, or any JSON value when DetailsJSON is set
	// (PGRST201 lists the candidate relationships as an array).
	Details     string          `json:"-"`
	DetailsJSON json.RawMessage `json:"-"`
	Hint        string          `json:"-"`
	Header      http.Header     `json:"-"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Details != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Details)
	}
	return e.Code + ": " + e.Message
}

// MarshalJSON renders the PostgREST error body.
func (e *Error) MarshalJSON() ([]byte, error) {
	type body struct {
		Code    string `json:"code"`
		Details any    `json:"details"`
		Hint    any    `json:"hint"`
		Message string `json:"message"`
	}
	b := body{Code: e.Code, Message: e.Message}
	switch {
	case len(e.DetailsJSON) > 0:
		b.Details = e.DetailsJSON
	case e.Details != "":
		b.Details = e.Details
	}
	if e.Hint != "" {
		b.Hint = e.Hint
	}
	return json.Marshal(b)
}

// Errorf builds an Error with the given status, code and formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns e with Details set.
func (e *Error) WithDetails(details string) *Error { e.Details = details; return e }

// WithHint returns e with Hint set.
func (e *Error) WithHint(hint string) *Error { e.Hint = hint; return e }

// PostgREST error codes used across packages. The numbering and meaning follow
// PostgREST 14 (https://docs.postgrest.org/en/v14/references/errors.html).
const (
	CodeDBConnection      = "PGRST000" // 503 Database connection error.
	CodeDBClient          = "PGRST001" // 503
	CodeSchemaCache       = "PGRST002" // 503
	CodePoolTimeout       = "PGRST003" // 504
	CodeParse             = "PGRST100" // 400 query string parse error
	CodeRPCMethod         = "PGRST101" // 405
	CodeBody              = "PGRST102" // 400 invalid body
	CodeRange             = "PGRST103" // 416
	CodePutPK             = "PGRST105" // 405
	CodeSchema            = "PGRST106" // 406 invalid schema
	CodeMediaType         = "PGRST107" // 406
	CodeNotEmbedded       = "PGRST108" // 400
	CodeResponseHeaders   = "PGRST111" // 500
	CodeResponseStatus    = "PGRST112" // 500
	CodePutLimit          = "PGRST114" // 400
	CodePutPayload        = "PGRST115" // 400
	CodeSingular          = "PGRST116" // 406
	CodeMethod            = "PGRST117" // 405
	CodeRelatedOrder      = "PGRST118" // 400
	CodeEmbedFilter       = "PGRST120" // 400
	CodeRaiseJSON         = "PGRST121" // 500
	CodePreferences       = "PGRST122" // 400
	CodeAggregates        = "PGRST123" // 400
	CodeMaxAffected       = "PGRST124" // 400
	CodeInvalidPath       = "PGRST125" // 404
	CodeFunctionSetof     = "PGRST128" // 400
	CodeNotImplemented    = "PGRST127" // 400
	CodeNoRelationship    = "PGRST200" // 400
	CodeAmbiguousEmbed    = "PGRST201" // 300
	CodeNoFunction        = "PGRST202" // 404
	CodeAmbiguousFunction = "PGRST203" // 300
	CodeNoColumn          = "PGRST204" // 400
	CodeNoTable           = "PGRST205" // 404
	CodeNoJWTSecret       = "PGRST300" // 500
	CodeJWTDecode         = "PGRST301" // 401
	CodeAnonDisabled      = "PGRST302" // 401
	CodeJWTClaims         = "PGRST303" // 401
	CodeInternal          = "PGRSTX00" // 500
)

// codeStatus is the HTTP status PostgREST 14 answers each of its own codes
// with (https://docs.postgrest.org/en/v14/references/errors.html).
var codeStatus = map[string]int{
	CodeDBConnection: 503, CodeDBClient: 503, CodeSchemaCache: 503, CodePoolTimeout: 504,
	CodeParse: 400, CodeRPCMethod: 405, CodeBody: 400, CodeRange: 416, CodePutPK: 405,
	CodeSchema: 406, CodeMediaType: 406, CodeNotEmbedded: 400, CodeResponseHeaders: 500,
	CodeResponseStatus: 500, CodePutLimit: 400, CodePutPayload: 400, CodeSingular: 406,
	CodeMethod: 405, CodeRelatedOrder: 400, CodeEmbedFilter: 400, CodeRaiseJSON: 500,
	CodePreferences: 400, CodeAggregates: 400, CodeMaxAffected: 400, CodeInvalidPath: 404,
	CodeNotImplemented: 400, CodeNoRelationship: 400, CodeAmbiguousEmbed: 300,
	CodeNoFunction: 404, CodeAmbiguousFunction: 300, CodeNoColumn: 400, CodeNoTable: 404,
	CodeNoJWTSecret: 500, CodeJWTDecode: 401, CodeAnonDisabled: 401, CodeJWTClaims: 401,
	CodeInternal: 500, CodeFunctionSetof: 400,
}

// StatusFor returns the HTTP status of a PostgREST error code, 500 for a
// code it does not know.
func StatusFor(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return 500
}

// NewError builds an Error for one of PostgREST's codes with the status
// PostgREST uses for it, so packages that know nothing of HTTP (the parser,
// the SQL builder) can still produce complete errors.
func NewError(code, format string, args ...any) *Error {
	return &Error{Status: StatusFor(code), Code: code, Message: fmt.Sprintf(format, args...)}
}

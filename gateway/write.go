package gateway

import (
	"net/http"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/pgrest"
)

// write serves POST, PATCH, PUT and DELETE on tables and views.
func (s *Server) write(w http.ResponseWriter, r *http.Request, id *auth.Identity, req *pgrest.Request, schemaName string) error {
	switch r.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return rowgate.Errorf(http.StatusBadRequest, rowgate.CodeNotImplemented, "Feature not implemented").
			WithDetails(r.Method + " is not supported by this version of rowgate yet")
	}
	return rowgate.Errorf(http.StatusMethodNotAllowed, rowgate.CodeMethod, "Unsupported HTTP method: %s", r.Method)
}

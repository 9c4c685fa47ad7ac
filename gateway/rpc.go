package gateway

import (
	"net/http"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/pgrest"
)

// rpc serves POST /rpc/<function> (GET and HEAD go through read).
func (s *Server) rpc(w http.ResponseWriter, r *http.Request, id *auth.Identity, req *pgrest.Request, schemaName string) error {
	if r.Method != http.MethodPost {
		return rowgate.Errorf(http.StatusMethodNotAllowed, rowgate.CodeRPCMethod, "Cannot use the %s method on RPC", r.Method)
	}
	return rowgate.Errorf(http.StatusBadRequest, rowgate.CodeNotImplemented, "Feature not implemented").
		WithDetails("POST /rpc is not supported by this version of rowgate yet")
}

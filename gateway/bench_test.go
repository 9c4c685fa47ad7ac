package gateway_test

import (
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/rowgate/rowgate/internal/testenv"
)

// BenchmarkGETSingle measures one PK GET under RLS through the whole stack
// (HTTP, cached token verification, parsing, SQL building, the pipelined
// transaction, the response), in process, for profiling.
func BenchmarkGETSingle(b *testing.B) {
	env := testenv.Start(b, testenv.Options{PoolSize: 8, SQL: whoamiSQL + `
insert into public.todos (user_id, title) select 'user_a', 'bulk ' || g from generate_series(1, 1000) g;`})
	h := env.UserHeader(env.Token("user_a", nil))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	b.ReportAllocs()
	b.SetParallelism(4) // 8 clients on 2 cores, as the load benchmark's c=8
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			req, _ := http.NewRequest(http.MethodGet, env.URL+"/rest/v1/todos?select=*&id=eq."+strconv.Itoa(i%1000+1), nil)
			req.Header = h
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// Package pgtest runs tests against a real PostgreSQL server.
//
// A test package opts in with a TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// [Main] uses the server named by ROWGATE_TEST_DATABASE_URL (a superuser URL)
// when that variable is set, and otherwise starts a private throwaway cluster
// with localdb for the duration of the test binary. Tests then call [NewDB]
// for a fresh database carrying the Supabase baseline (dbsetup.Bootstrap),
// dropped again when the test ends:
//
//	url := pgtest.NewDB(t)
//	conn := pgtest.Connect(t, url)
//
// Tests never skip for want of a database.
package pgtest

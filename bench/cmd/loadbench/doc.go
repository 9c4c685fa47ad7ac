// Command loadbench is rowgate's reproducible load benchmark (`make bench`).
//
// It starts a private PostgreSQL cluster (package localdb) in a temporary
// directory, loads a data set (an RLS-protected items table owned by many
// users, an owners table for a to-one embed, an item_tags table for a
// to-many embed, an anonymous catalog table and an RPC function), serves a
// loopback JWKS for Clerk-shaped RS256 tokens, builds rowgate in release
// mode and runs it as a child process, then drives each scenario at each
// concurrency with vegeta in max-rate mode (one worker per client,
// keep-alive HTTP). In the same run and at the same concurrency and pool
// size it measures two floors:
//
//   - the HTTP floor: a minimal net/http handler inside this program that
//     answers the same GET by sending rowgate's per-request SQL (fixed role,
//     precomputed claims, no token verification, no query parsing) in one
//     pipelined round trip and writing the body;
//   - the SQL floor: the same pipelined SQL sent straight over pgx from the
//     load generator, without HTTP.
//
// Results go to bench/results/<timestamp>/: results.md, results.json and
// chart.png. See bench/README.md for how to run it and read the ratios.
package main

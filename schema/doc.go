// Package schema introspects PostgreSQL's catalog into an immutable schema
// cache: the relations (tables, views, materialized views, partitioned and
// foreign tables), their columns and primary keys, the relationships between
// them (from foreign keys, including one-to-one, many-to-many through junction
// tables and foreign keys carried through views) and the functions of the
// exposed schemas.
//
// The cache mirrors what PostgREST 14 keeps in its schema cache; package sqlgen
// consults it to validate identifiers and to plan resource embedding.
//
// A [Cache] never changes after [Load] returns it. To reload, load a new one
// and swap it into a [Holder]; readers that already hold the old cache keep a
// consistent view. [ListenAndReload] does this whenever PostgreSQL sends
// NOTIFY pgrst (payload "reload schema" or empty), like PostgREST does:
//
//	var h schema.Holder
//	go schema.ListenAndReload(ctx, connString, []string{"public"}, func(c *schema.Cache, err error) {
//		if err != nil {
//			log.Printf("schema reload: %v", err)
//			return
//		}
//		h.Store(c)
//	})
//
// # Partitions
//
// Like PostgREST (since v10) partitions of a partitioned table are not part of
// the cache; the partitioned table itself is, with its foreign keys.
//
// # Relationships through views
//
// A view column is considered to pass a base-table column through when the
// view's stored query (pg_rewrite, "_RETURN" rule) has a top-level target entry
// whose resorigtbl/resorigcol name that column. This is the same information
// PostgREST's view key dependency query extracts; views over views are
// followed recursively. Expressions (casts, functions) do not pass a column
// through.
//
// # Suggestions
//
// [Cache.SuggestTable], [Cache.SuggestRelationship] and [Cache.SuggestFunction]
// produce the "Perhaps you meant" hints of PGRST205/200/202. They rank
// candidates by the normalised Levenshtein similarity 1 - d(a,b)/max(|a|,|b|)
// over lower-cased names and return the best one scoring at least 0.75 for
// table and function names (PostgREST's FuzzySet bar) or 0.5 for
// relationships. This is
// simpler than PostgREST's FuzzySet, so hints may differ in edge cases.
package schema

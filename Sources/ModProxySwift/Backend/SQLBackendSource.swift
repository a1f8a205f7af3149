import CProFTPD
import CShims

/// ProxyReverseServers sql:/NamedQuery: the rows of mod_sql's SQLNamedQuery,
/// run through mod_sql's "sql_lookup" hook as upstream does, with the user
/// name (the group name under PerGroup) as the query's %{0}, escaped by
/// mod_sql's "sql_escapestr". The query may also use mod_sql's own
/// variables (%U: the USER name, noted at USER). Every value of every row
/// is returned; a NULL value as "".
///
/// mod_sql 1.3.8 escapes %{0} itself too, unless the text looks quoted
/// already ('...'), which a client can fake: escaping first (as upstream
/// does) keeps that door shut, at the price upstream pays as well: a name
/// containing a quote is escaped twice and matches no row.
enum SQLBackendSource {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func rows(query: String, name: String) throws -> [String] {
        if pr_module_get("mod_sql.c") != nil, let problem = connectionProblem() {
            throw Failure(description: "SQLNamedQuery '\(query)': \(problem)")
        }
        let pool = make_sub_pool(session.pool)
        defer { destroy_pool(pool) }
        var found: Int32 = 0
        var escaped = name
        if let result = callHook(pool, "sql_escapestr", [name], &found), result.pointee.mr_error == 0,
           let text = result.pointee.data {
            escaped = String(cString: text.assumingMemoryBound(to: CChar.self))
        }
        let result = callHook(pool, "sql_lookup", ["sql_lookup", query, escaped], &found)
        guard found != 0 else {
            throw Failure(description: "SQLNamedQuery '\(query)': mod_sql is not loaded (no 'sql_lookup' hook)")
        }
        guard let result else {
            throw Failure(description: "SQLNamedQuery '\(query)': mod_sql declined the lookup")
        }
        guard result.pointee.mr_error == 0 else {
            throw Failure(description: "SQLNamedQuery '\(query)' failed (no such query, not a SELECT or FREEFORM query, or a database error; see the SQLLogFile)")
        }
        guard let data = result.pointee.data else { return [] }
        let values = data.assumingMemoryBound(to: array_header.self).pointee
        guard values.nelts > 0, let elements = values.elts else { return [] }
        let strings = elements.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
        return (0..<Int(values.nelts)).map { strings[$0].map { String(cString: $0) } ?? "" }
    }

    /// Why mod_sql has no database connection in this session, as its
    /// session init decides. Its escaping hook would end the session
    /// then ("unknown named connection"), so it is not asked.
    private static func connectionProblem() -> String? {
        let records = main_server?.pointee.conf
        if let engine = find_config(records, Int32(CONF_PARAM), "SQLEngine", FALSE),
           let value = engine.pointee.argv?[0], value.assumingMemoryBound(to: Int32.self).pointee == 0 {
            return "SQLEngine is off"
        }
        if find_config(records, Int32(CONF_PARAM), "SQLConnectInfo", FALSE) == nil {
            return "no SQLConnectInfo is configured"
        }
        return nil
    }

    private static func callHook(_ pool: OpaquePointer?, _ symbol: String, _ args: [String],
                                 _ found: inout Int32) -> UnsafeMutablePointer<modret_t>? {
        let argv: [UnsafePointer<CChar>?] = args.map { UnsafePointer(pstrdup(pool, $0)) }
        return argv.withUnsafeBufferPointer { buffer in
            mps_call_hook(pool, symbol, Int32(args.count), UnsafeMutablePointer(mutating: buffer.baseAddress), &found)
        }
    }
}

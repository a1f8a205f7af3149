/// A side file of the datastore (TLS sessions, DNS answers) that a session
/// opens the first time it needs it, and tries at most once: when it cannot
/// be opened (SessionDatastore logs why) the session goes on without it.
struct SessionSideStore<Store> {
    private var store: Store?
    private var unavailable = false

    mutating func get(_ open: () -> Store?) -> Store? {
        if let store { return store }
        guard !unavailable else { return nil }
        store = open()
        unavailable = store == nil
        return store
    }

    mutating func close(_ closing: (Store) -> Void) {
        if let store { closing(store) }
        store = nil
    }
}

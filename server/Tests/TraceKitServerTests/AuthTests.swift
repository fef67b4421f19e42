import Testing
@testable import TraceKitServer

@Suite("Authentication and authorisation")
struct AuthTests {
    @Test("SDK and management routes refuse a missing or unknown key with 401 JSON")
    func missingOrBadKey() async throws {
        try await TestServer.run { server in
            for key in [nil, "tk_not_a_real_key"] as [String?] {
                expectJSONError(try await server.request(.get, "/api/services", key: key), .unauthorized, code: "unauthorized")
                expectJSONError(try await server.request(.get, "/sdk/snapshots/active/checkout", key: key), .unauthorized)
                expectJSONError(try await server.request(.post, "/sdk/snapshots/capture", key: key, body: "{}"), .unauthorized)
            }
        }
    }

    @Test("An SDK key cannot use /api/ (403) nor act for another service (403)")
    func sdkKeyScope() async throws {
        try await TestServer.run { server in
            expectJSONError(try await server.sdk(.get, "/api/breakpoints"), .forbidden, code: "forbidden")
            expectJSONError(try await server.sdk(.get, "/sdk/snapshots/active/billing"), .forbidden)
            let ok = try await server.sdk(.get, "/sdk/snapshots/active/checkout")
            #expect(ok.status == .ok)
        }
    }

    @Test("A key created through the API works, is listed without its secret, and stops working once revoked")
    func keyLifecycle() async throws {
        try await TestServer.run { server in
            let created = try await server.admin(.post, "/api/keys", #"{"name": "ci", "role": "sdk", "services": ["billing"]}"#)
            #expect(created.status == .created)
            let secret = try #require(created["key"]?.stringValue)
            let id = try #require(created["id"]?.stringValue)
            #expect(secret.hasPrefix("tk_"))
            #expect(try await server.request(.get, "/sdk/snapshots/active/billing", key: secret).status == .ok)

            let list = try await server.admin(.get, "/api/keys")
            let keys = try #require(list["keys"]?.arrayValue)
            #expect(keys.count == 3)
            #expect(!list.json.jsonText.contains(secret))
            #expect(!list.json.jsonText.contains(SHA256.hexDigest(secret)))

            let revoked = try await server.admin(.delete, "/api/keys/\(id)")
            #expect(revoked.status == .ok)
            #expect(revoked["revoked_at"]?.stringValue != nil)
            expectJSONError(try await server.request(.get, "/sdk/snapshots/active/billing", key: secret), .unauthorized)
            expectJSONError(try await server.admin(.delete, "/api/keys/nope"), .notFound)
        }
    }

    @Test("Keys are stored hashed, never in plain text")
    func keysStoredHashed() async throws {
        try await TestServer.run { server in
            let hashes = try await storedKeyHashes(server.state.store)
            #expect(hashes.contains(SHA256.hexDigest(server.adminKey)))
            #expect(!hashes.contains(server.adminKey))
        }
    }

    @Test("A configured admin key works without being stored, and cannot be revoked through the API")
    func configuredAdminKey() async throws {
        var config = TestServer.config()
        config.adminKey = "tk_configured_admin_for_tests"
        try await TestServer.run(config: config) { server in
            let reply = try await server.request(.get, "/api/keys", key: "tk_configured_admin_for_tests")
            #expect(reply.status == .ok)
            #expect(reply["keys"]?.arrayValue?.contains { $0["name"]?.stringValue == "admin key from configuration" } == false)
            let hashes = try await storedKeyHashes(server.state.store)
            #expect(!hashes.contains(SHA256.hexDigest("tk_configured_admin_for_tests")))
            expectJSONError(try await server.admin(.delete, "/api/keys/configured-admin"), .notFound)
            #expect(try await server.request(.get, "/api/services", key: "tk_configured_admin_for_tests").status == .ok)
        }
    }

    @Test("Creating a key validates its body")
    func keyValidation() async throws {
        try await TestServer.run { server in
            expectJSONError(try await server.admin(.post, "/api/keys", #"{"role": "sdk"}"#), .badRequest)
            expectJSONError(try await server.admin(.post, "/api/keys", #"{"name": "x", "role": "root"}"#), .badRequest)
            expectJSONError(try await server.admin(.post, "/api/keys", #"{"name": "x", "services": "all"}"#), .badRequest)
        }
    }
}

import GRDB

/// The key_hash column as stored, whatever the backend.
func storedKeyHashes(_ store: any ServerStore) async throws -> [String] {
    let table = try #require(StoreDump.tables.first { $0.name == "api_keys" })
    let column = try #require(table.columns.firstIndex { $0.name == "key_hash" })
    var hashes: [String] = []
    _ = try await store.exportRows(of: table) { row in
        if case .text(let hash)? = row[column] { hashes.append(hash) }
    }
    return hashes
}

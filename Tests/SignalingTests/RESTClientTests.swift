import Foundation
import Testing

@testable import Signaling

/// `RESTClient` against the scripted HTTPS server over real TLS on loopback.
@Suite struct RESTClientTests {
    @Test func postEchoesBodyAndReusesTheConnection() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client()
        defer { client.close() }
        let body = Array("{\"hello\":\"kvs\"}".utf8) + [0, 1, 2, 255]
        for _ in 0..<3 {
            let result = client.sendAndWait(
                HTTPRequest(method: "POST", url: server.baseURL + "/echo", headers: [HTTPHeader("Content-Type", "application/json")], body: body))
            let response = try #require(try result?.get())
            #expect(response.status == 200)
            #expect(response.body == body)
            #expect(response.header("CONTENT-TYPE") == "application/octet-stream")
            #expect(response.mediaType == "application/octet-stream")
        }
        let log = try server.log()
        #expect(log.count == 3)
        #expect(log.map(\.method) == ["POST", "POST", "POST"])
        // HTTP/1.1 keep-alive: all three came over one TCP connection.
        #expect(Set(log.map(\.peerPort)).count == 1)
        #expect(log.first?.header("Expect") == nil)
        #expect(log.first?.header("Content-Type") == "application/json")
    }

    @Test func getAndStatusesAreResponsesNotErrors() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client()
        defer { client.close() }
        for status in [200, 404, 503] {
            let response = try #require(try client.sendAndWait(HTTPRequest(method: "GET", url: server.baseURL + "/status/\(status)"))?.get())
            #expect(response.status == status)
            #expect(response.body == Array("status \(status)".utf8))
        }
        #expect(try server.log().map(\.method) == ["GET", "GET", "GET"])
    }

    @Test func dateHeaderIsParsed() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client()
        defer { client.close() }
        let before = Int64(Date().timeIntervalSince1970)
        let response = try #require(try client.sendAndWait(HTTPRequest(method: "GET", url: server.baseURL + "/date/-900"))?.get())
        let after = Int64(Date().timeIntervalSince1970)
        let date = try #require(response.date)
        #expect(date >= before - 901 && date <= after - 899, "date \(date) vs now \(before)")
    }

    @Test func bodyLargerThanTheCapIsRefused() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client(maximumResponseSize: 4096)
        defer { client.close() }
        let fits = try #require(try client.sendAndWait(HTTPRequest(method: "GET", url: server.baseURL + "/big/4096"))?.get())
        #expect(fits.body.count == 4096)
        let result = client.sendAndWait(HTTPRequest(method: "GET", url: server.baseURL + "/big/100000"))
        #expect(result == .failure(.responseTooLarge(limit: 4096)))
    }

    @Test func slowResponseHitsTheTotalTimeout() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client(totalTimeout: .milliseconds(700))
        defer { client.close() }
        let start = ContinuousClock.now
        let result = client.sendAndWait(HTTPRequest(method: "GET", url: server.baseURL + "/hang"))
        let elapsed = ContinuousClock.now - start
        guard case .failure(.timedOut(let detail)) = result else {
            Issue.record("expected a timeout, got \(String(describing: result))")
            return
        }
        #expect(detail.contains("timed out") || detail.contains("Timeout"), "\(detail)")
        #expect(elapsed >= .milliseconds(650) && elapsed < .seconds(5), "\(elapsed)")
        // A per-request timeout overrides the client's.
        let quick = client.sendAndWait(
            HTTPRequest(method: "GET", url: server.baseURL + "/hang", totalTimeout: .milliseconds(200)))
        guard case .failure(.timedOut) = quick else {
            Issue.record("expected a timeout, got \(String(describing: quick))")
            return
        }
    }

    /// A listener that accepts TCP (in the kernel backlog) but never speaks TLS: the connect
    /// timeout, which covers the TLS handshake, fires long before the total timeout.
    @Test func stalledHandshakeHitsTheConnectTimeout() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let client = try RESTClient(configuration: .init(trustStore: .libraryDefault, connectTimeout: .milliseconds(300), totalTimeout: .seconds(20)))
        defer { client.close() }
        let start = ContinuousClock.now
        let result = client.sendAndWait(HTTPRequest(method: "GET", url: "https://127.0.0.1:\(port)/"))
        let elapsed = ContinuousClock.now - start
        guard case .failure(.timedOut) = result else {
            Issue.record("expected a connect timeout, got \(String(describing: result))")
            return
        }
        #expect(elapsed >= .milliseconds(280) && elapsed < .seconds(5), "\(elapsed)")
    }

    @Test func closedPortIsConnectionFailed() throws {
        // Bind a port and close it again so nothing listens there.
        let port = try Self.unusedPort()
        let client = try RESTClient(configuration: .init(trustStore: .libraryDefault))
        defer { client.close() }
        let result = client.sendAndWait(HTTPRequest(method: "GET", url: "https://127.0.0.1:\(port)/"))
        guard case .failure(.connectionFailed(let detail)) = result else {
            Issue.record("expected connection refused, got \(String(describing: result))")
            return
        }
        #expect(detail.contains("\(port)"), "\(detail)")
    }

    @Test func certificateFromAnotherCAIsUntrusted() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client(ca: server.rogueCA)
        defer { client.close() }
        let result = client.sendAndWait(HTTPRequest(method: "GET", url: server.baseURL + "/status/200"))
        guard case .failure(.certificateUntrusted(let detail)) = result else {
            Issue.record("expected an untrusted certificate, got \(String(describing: result))")
            return
        }
        #expect(detail.contains("certificate"), "\(detail)")
        #expect(try server.log().isEmpty)
    }

    @Test func missingCAFileIsATLSError() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client(ca: server.path("no-such-ca.pem"))
        defer { client.close() }
        let result = client.sendAndWait(HTTPRequest(method: "GET", url: server.baseURL + "/status/200"))
        guard case .failure(.tlsFailed) = result else {
            Issue.record("expected a TLS failure, got \(String(describing: result))")
            return
        }
    }

    @Test func onlyHTTPSAndCleanHeadersAreSent() throws {
        let client = try RESTClient(configuration: .init(trustStore: .libraryDefault))
        defer { client.close() }
        #expect(
            client.sendAndWait(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/"))
                == .failure(.invalidRequest("only https:// URLs are allowed")))
        #expect(
            client.sendAndWait(HTTPRequest(method: "GET", url: "https://127.0.0.1:1/", headers: [HTTPHeader("X-A", "1\r\nX-B: 2")]))
                == .failure(.invalidRequest("header 'X-A' has a forbidden character")))
        #expect(
            client.sendAndWait(HTTPRequest(method: "get", url: "https://127.0.0.1:1/"))
                == .failure(.invalidRequest("method 'get' is not an uppercase token")))
    }

    @Test func hundredConcurrentRequestsComplete() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client()
        defer { client.close() }
        let results = RESTResults<(Int, Result<HTTPResponse, HTTPError>)>()
        // Sent from several threads at once.
        let url = server.baseURL + "/echo"
        DispatchQueue.concurrentPerform(iterations: 100) { index in
            let body = Array("request \(index)".utf8)
            client.send(HTTPRequest(method: "POST", url: url, body: body)) { results.add((index, $0)) }
        }
        let all = results.wait(for: 100, seconds: 60)
        #expect(all.count == 100)
        for (index, result) in all {
            #expect((try? result.get().body) == Array("request \(index)".utf8))
        }
        #expect(Set(all.map(\.0)) == Set(0..<100))
        let log = try server.log()
        #expect(log.count == 100)
        // Connections are capped per host and reused.
        #expect(Set(log.map(\.peerPort)).count <= 8)
        #expect(client.pendingCount == 0)
    }

    @Test func closeCancelsInFlightRequestsAndJoins() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client(totalTimeout: .seconds(60))
        let results = RESTResults<Result<HTTPResponse, HTTPError>>()
        for _ in 0..<5 {
            client.send(HTTPRequest(method: "GET", url: server.baseURL + "/hang")) { results.add($0) }
        }
        // Wait until the server has seen all five, so they are really in flight.
        #expect(server.waitForRequests(5))
        let start = ContinuousClock.now
        client.close()
        #expect(ContinuousClock.now - start < .seconds(5))
        // close() returned only after every completion ran.
        let done = results.wait(for: 5, seconds: 0)
        #expect(done.count == 5)
        #expect(done.allSatisfy { $0 == .failure(.cancelled) })
        // After close, a request completes at once with .cancelled.
        let late = RESTResults<Result<HTTPResponse, HTTPError>>()
        client.send(HTTPRequest(method: "GET", url: server.baseURL + "/status/200")) { late.add($0) }
        #expect(late.wait(for: 1, seconds: 0) == [.failure(.cancelled)])
        client.close()
    }

    @Test func closeFromACompletionDoesNotDeadlock() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let client = try server.client()
        let results = RESTResults<Int>()
        client.send(HTTPRequest(method: "GET", url: server.baseURL + "/status/200")) { [client] result in
            client.close()
            results.add((try? result.get().status) ?? -1)
        }
        #expect(results.wait(for: 1) == [200])
        client.close()
    }

    @Test func deinitShutsDownCleanly() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        let results = RESTResults<Result<HTTPResponse, HTTPError>>()
        do {
            let client = try server.client(totalTimeout: .seconds(60))
            client.send(HTTPRequest(method: "GET", url: server.baseURL + "/hang")) { results.add($0) }
            #expect(server.waitForRequests(1))
        }
        // The client went out of scope: deinit cancelled the request and joined the thread.
        #expect(results.wait(for: 1, seconds: 0) == [.failure(.cancelled)])
    }

    /// Clients opened and closed repeatedly, with traffic, leave no connection behind: the
    /// server sees every connection closed after each `close()`, and sees the four concurrent
    /// requests of a round share connections up to the per-host cap.
    @Test func closeReleasesEveryConnection() throws {
        let server = try RESTTestServer()
        defer { server.stop() }
        for _ in 0..<10 {
            let client = try server.client()
            let results = RESTResults<Result<HTTPResponse, HTTPError>>()
            for _ in 0..<4 {
                client.send(HTTPRequest(method: "GET", url: server.baseURL + "/status/200")) { results.add($0) }
            }
            #expect(results.wait(for: 4).allSatisfy { (try? $0.get().status) == 200 })
            client.close()
            #expect(server.waitForOpenConnections(0))
        }
        let log = try server.log()
        #expect(log.count == 40)
    }

    // MARK: Helpers

    static func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

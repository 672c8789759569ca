import Testing

@testable import Signaling

@Suite struct IoTCredentialExchangeTests {
    static let configuration = IoTCredentialConfiguration(
        endpoint: "https://c2abc.credentials.iot.us-west-2.amazonaws.com/", certificatePath: "/c.pem",
        privateKeyPath: "/c.key", roleAlias: "Kvs Camera/Alias", thingName: "cam-1")

    @Test func requestShape() {
        let request = IoTCredentialRequest(configuration: Self.configuration)
        #expect(request.url == "https://c2abc.credentials.iot.us-west-2.amazonaws.com/role-aliases/Kvs%20Camera%2FAlias/credentials")
        #expect(request.headers == [SigV4Header("Accept", "application/json"), SigV4Header("x-amzn-iot-thingname", "cam-1")])
        var anonymous = Self.configuration
        anonymous.thingName = nil
        #expect(IoTCredentialRequest(configuration: anonymous).headers == [SigV4Header("Accept", "application/json")])
        #expect(IoTCredentialConfiguration.host(fromEndpoint: "host:8443") == "host:8443")
    }

    @Test func parsesTheResponse() throws {
        let body = Array(
            #"{"credentials":{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"s/k+","sessionToken":"tok==","expiration":"2019-09-18T17:15:27Z"}}"#
                .utf8)
        #expect(
            try IoTCredentialResponse.parse(body)
                == AWSCredentials(accessKeyID: "ASIAEXAMPLE", secretAccessKey: "s/k+", sessionToken: "tok==", expiration: 1_568_826_927))
        #expect(throws: IoTCredentialError.invalidResponse("not a JSON object")) { try IoTCredentialResponse.parse(Array("nope".utf8)) }
        #expect(throws: IoTCredentialError.invalidResponse("no \"credentials\" object")) {
            try IoTCredentialResponse.parse(Array("{}".utf8))
        }
        #expect(throws: IoTCredentialError.invalidResponse("no sessionToken")) {
            try IoTCredentialResponse.parse(
                Array(#"{"credentials":{"accessKeyId":"A","secretAccessKey":"S","expiration":"2019-09-18T17:15:27Z"}}"#.utf8))
        }
        #expect(throws: IoTCredentialError.invalidResponse("expiration is not an ISO 8601 date-time")) {
            try IoTCredentialResponse.parse(
                Array(#"{"credentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":"soon"}}"#.utf8))
        }
        #expect(IoTCredentialResponse.error(status: 403, body: Array(#"{"message":"Access Denied"}"#.utf8)) == .forbidden(message: "Access Denied"))
        #expect(IoTCredentialResponse.error(status: 500, body: Array("<html>".utf8)) == .httpStatus(500, message: nil))
    }

    @Test func iso8601() {
        typealias ISO = IoTCredentialResponse.ISO8601
        #expect(ISO.unixSeconds("1970-01-01T00:00:00Z") == 0)
        #expect(ISO.unixSeconds("2019-09-18T17:15:27Z") == 1_568_826_927)
        #expect(ISO.unixSeconds("2019-09-18T17:15:27.123456Z") == 1_568_826_927)
        #expect(ISO.unixSeconds("2019-09-18t17:15:27z") == 1_568_826_927)
        #expect(ISO.unixSeconds("2019-09-18T19:15:27+02:00") == 1_568_826_927)
        #expect(ISO.unixSeconds("2019-09-18T12:45:27-0430") == 1_568_826_927)
        #expect(ISO.unixSeconds("2024-02-29T23:59:59Z") == 1_709_251_199)
        #expect(ISO.unixSeconds("2023-02-29T00:00:00Z") == nil)
        #expect(ISO.unixSeconds("2019-09-18T24:00:00Z") == nil)
        #expect(ISO.unixSeconds("2019-09-18T17:15:27") == nil)
        #expect(ISO.unixSeconds("2019-09-18T17:15:27.Z") == nil)
        #expect(ISO.unixSeconds("2019-09-18T17:15:27+2:00") == nil)
        #expect(ISO.unixSeconds("2019-9-18T17:15:27Z") == nil)
        #expect(ISO.unixSeconds("") == nil)
    }

    /// The refresh schedule under a virtual clock.
    @Test func refresherSchedule() {
        var refresher = IoTCredentialRefresher(margin: 300, initialRetryDelay: 2, maximumRetryDelay: 16)
        var now: Int64 = 1_000
        #expect(refresher.credentials(now: now) == nil)
        #expect(refresher.poll(now: now) == .fetch)
        #expect(refresher.poll(now: now) == nil)
        #expect(refresher.pollTimeout() == nil)

        // Three failures in a row: 2, 4, 8 s apart.
        var retries: [Int64] = []
        for _ in 0..<3 {
            refresher.fetchFailed(now: now)
            guard let next = refresher.pollTimeout() else { break }
            retries.append(next - now)
            #expect(refresher.poll(now: next - 1) == nil)
            now = next
            #expect(refresher.poll(now: now) == .fetch)
        }
        #expect(retries == [2, 4, 8])

        // One-hour credentials: refreshed five minutes before expiry.
        let first = AWSCredentials(accessKeyID: "A", secretAccessKey: "S", sessionToken: "T", expiration: now + 3600)
        refresher.fetchSucceeded(first, now: now)
        #expect(refresher.pollTimeout() == now + 3300)
        #expect(refresher.credentials(now: now) == first)
        now += 3300
        #expect(refresher.poll(now: now) == .fetch)
        // While refreshing and backing off, the old credentials stay in use until they expire.
        refresher.fetchFailed(now: now)
        #expect(refresher.credentials(now: now + 10) == first)
        #expect(refresher.credentials(now: now + 300) == nil)
        #expect(refresher.pollTimeout() == now + 2)

        // Short-lived credentials refresh at half-life; expired ones count as a failure.
        now += 2
        #expect(refresher.poll(now: now) == .fetch)
        refresher.fetchSucceeded(AWSCredentials(accessKeyID: "A", secretAccessKey: "S", expiration: now + 100), now: now)
        #expect(refresher.pollTimeout() == now + 50)
        now += 50
        #expect(refresher.poll(now: now) == .fetch)
        refresher.fetchSucceeded(AWSCredentials(accessKeyID: "A", secretAccessKey: "S", expiration: now), now: now)
        guard case .backingOff(_, let retryAt, 1) = refresher.state else {
            Issue.record("expected backoff, got \(refresher.state)")
            return
        }
        #expect(retryAt == now + 2)
        #expect(IoTCredentialRefresher.refreshTime(expiration: .max, fetchedAt: .min, margin: 300) == .max - 300)
    }
}

import Testing

@testable import Signaling

@Suite struct KVSEndpointsTests {
    struct Row: Sendable, CustomStringConvertible {
        var environment: [String: String]
        var url: String
        var region: String
        var dualStack: Bool
        var stun: String
        var description: String { "\(environment)" }
    }

    static let table: [Row] = [
        Row(environment: [:], url: "https://kinesisvideo.us-west-2.amazonaws.com", region: "us-west-2", dualStack: false,
            stun: "stun:stun.kinesisvideo.us-west-2.amazonaws.com:443"),
        Row(environment: ["AWS_DEFAULT_REGION": "eu-central-1"], url: "https://kinesisvideo.eu-central-1.amazonaws.com",
            region: "eu-central-1", dualStack: false, stun: "stun:stun.kinesisvideo.eu-central-1.amazonaws.com:443"),
        Row(environment: ["AWS_DEFAULT_REGION": "cn-north-1"], url: "https://kinesisvideo.cn-north-1.amazonaws.com.cn",
            region: "cn-north-1", dualStack: false, stun: "stun:stun.kinesisvideo.cn-north-1.amazonaws.com.cn:443"),
        Row(environment: ["AWS_DEFAULT_REGION": "ap-south-1", "KVS_DUALSTACK_ENDPOINTS": "ON"],
            url: "https://kinesisvideo.ap-south-1.api.aws", region: "ap-south-1", dualStack: true,
            stun: "stun:stun.kinesisvideo.ap-south-1.api.aws:443"),
        Row(environment: ["AWS_DEFAULT_REGION": "cn-northwest-1", "KVS_DUALSTACK_ENDPOINTS": "on"],
            url: "https://kinesisvideo.cn-northwest-1.api.amazonwebservices.com.cn", region: "cn-northwest-1", dualStack: true,
            stun: "stun:stun.kinesisvideo.cn-northwest-1.api.amazonwebservices.com.cn:443"),
        Row(environment: ["KVS_DUALSTACK_ENDPOINTS": "OFF"], url: "https://kinesisvideo.us-west-2.amazonaws.com",
            region: "us-west-2", dualStack: false, stun: "stun:stun.kinesisvideo.us-west-2.amazonaws.com:443"),
        Row(environment: ["AWS_DEFAULT_REGION": "", "KVS_DUALSTACK_ENDPOINTS": ""], url: "https://kinesisvideo.us-west-2.amazonaws.com",
            region: "us-west-2", dualStack: false, stun: "stun:stun.kinesisvideo.us-west-2.amazonaws.com:443"),
        Row(environment: ["CONTROL_PLANE_URI": "https://127.0.0.1:8443", "AWS_DEFAULT_REGION": "us-east-1"],
            url: "https://127.0.0.1:8443", region: "us-east-1", dualStack: false,
            stun: "stun:stun.kinesisvideo.us-east-1.amazonaws.com:443"),
        Row(environment: ["CONTROL_PLANE_URI": "HTTPS://KVS.Example.com:443/prefix/", "KVS_DUALSTACK_ENDPOINTS": "ON"],
            url: "https://kvs.example.com/prefix", region: "us-west-2", dualStack: true,
            stun: "stun:stun.kinesisvideo.us-west-2.api.aws:443"),
        Row(environment: ["CONTROL_PLANE_URI": "localhost:4443", "KVS_STUN_URI": "stun:127.0.0.1:3478"],
            url: "https://localhost:4443", region: "us-west-2", dualStack: false, stun: "stun:127.0.0.1:3478"),
    ]

    @Test(arguments: table)
    func resolves(_ row: Row) throws {
        let endpoints = try KVSEndpoints.resolve(environment: row.environment).get()
        #expect(endpoints.controlPlane.description == row.url)
        #expect(endpoints.region == row.region)
        #expect(endpoints.dualStack == row.dualStack)
        #expect(endpoints.stunURI == row.stun)
        #expect(endpoints.controlPlaneOverridden == (row.environment["CONTROL_PLANE_URI"] != nil))
    }

    @Test func urlsAndAuthorities() throws {
        let endpoints = try KVSEndpoints.resolve(environment: ["CONTROL_PLANE_URI": "https://127.0.0.1:8443/base"]).get()
        #expect(endpoints.controlPlane.authority == "127.0.0.1:8443")
        #expect(endpoints.controlPlane.url(path: "/describeSignalingChannel") == "https://127.0.0.1:8443/base/describeSignalingChannel")
        #expect(HTTPSEndpoint("https://[::1]:443")?.authority == "[::1]")
        #expect(HTTPSEndpoint("https://r-1234.kinesisvideo.us-west-2.amazonaws.com")?.authority == "r-1234.kinesisvideo.us-west-2.amazonaws.com")
    }

    /// Authorities that only look like host:port were once accepted (found by fuzzing: ":443:443"
    /// became "https://:443", which does not parse back).
    @Test(arguments: [
        ":443:443", "https://:443", ":8443", "host:", "host:0", "host:65536", "host:99999", "a:b:c", "host:44a",
        "[::1", "[1.2.3.4]:443", "[::1]x", "https://[zz::1]/", "ho st",
    ])
    func malformedAuthoritiesAreRefused(text: String) {
        #expect(HTTPSEndpoint(text) == nil, "\(text) should be refused")
    }

    @Test(arguments: [
        ("kinesisvideo.us-west-2.amazonaws.com:443", "https://kinesisvideo.us-west-2.amazonaws.com"),
        ("https://127.0.0.1:8443/base/", "https://127.0.0.1:8443/base"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("https://[::1]:443", "https://[::1]"),
        ("LocalHost:65535", "https://localhost:65535"),
    ])
    func wellFormedAuthoritiesRoundTrip(text: String, canonical: String) throws {
        let endpoint = try #require(HTTPSEndpoint(text))
        #expect(endpoint.description == canonical)
        #expect(HTTPSEndpoint(endpoint.description) == endpoint)
    }

    @Test func badSettingsNameTheVariable() {
        #expect(KVSEndpoints.resolve(environment: ["CONTROL_PLANE_URI": "http://127.0.0.1:8080"]) == .failure(.invalidControlPlaneURI("http://127.0.0.1:8080")))
        #expect(KVSEndpoints.resolve(environment: ["CONTROL_PLANE_URI": "https://a b"]) == .failure(.invalidControlPlaneURI("https://a b")))
        #expect(KVSEndpoints.resolve(environment: ["CONTROL_PLANE_URI": "https://host/?x=1"]) == .failure(.invalidControlPlaneURI("https://host/?x=1")))
        #expect(KVSEndpoints.resolve(environment: ["AWS_DEFAULT_REGION": "us-west-2.evil.com/"]) == .failure(.invalidRegion("us-west-2.evil.com/")))
        #expect(KVSEndpoints.resolve(environment: ["AWS_DEFAULT_REGION": "US-WEST-2"]) == .failure(.invalidRegion("US-WEST-2")))
        #expect(KVSEndpointsError.invalidRegion("x y").description == "AWS_DEFAULT_REGION='x y' is not a region name (e.g. us-west-2)")
        #expect(KVSEndpointsError.invalidControlPlaneURI("http://h").description.hasPrefix("CONTROL_PLANE_URI='http://h' is not an https:// URL"))
    }
}

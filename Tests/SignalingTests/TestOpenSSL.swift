import TestSupport

/// The openssl CLI that makes the TLS tests' throwaway CAs and certificates (IoT, REST,
/// WebSocket): ``TestSupport/TestOpenSSL`` under the name these suites use.
typealias TestOpenSSL = TestSupport.TestOpenSSL

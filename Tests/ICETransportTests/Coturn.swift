import TestSupport

// The shared helpers under the names these suites use.

/// coturn on loopback or in a namespace for one test (``CoturnServer``).
typealias Coturn = CoturnServer
/// A blocking UDP socket for probes outside the event loop (``UDPProbe``).
typealias ProbeSocket = UDPProbe
/// A throwaway CA, a wrong CA and a `turn.test` server certificate (``TestSupport/TestPKI``).
typealias TestPKI = TestSupport.TestPKI

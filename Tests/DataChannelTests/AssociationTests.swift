import CUsrsctp
import DataChannel
import Testing

@Suite(.serialized) struct AssociationTests {
    @Test func associationComesUpWithSimultaneousOpen() throws {
        let pair = try AssociationPair()
        #expect(pair.connect())
        #expect(pair.a.state == .established)
        #expect(pair.b.state == .established)
        print("up after \(pair.virtualMilliseconds) ms, packets \(pair.sentByA)/\(pair.sentByB)")
    }
}

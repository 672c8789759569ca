import Testing

@Suite struct KVSMasterTestsBuild {
    @Test func moduleBuilds() { #expect(Bool(true)) }
}

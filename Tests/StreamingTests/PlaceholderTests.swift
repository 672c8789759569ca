import Testing

@Suite struct StreamingTestsBuild {
    @Test func moduleBuilds() { #expect(Bool(true)) }
}

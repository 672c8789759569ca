import Testing

@Suite struct MediaTestsBuild {
    @Test func moduleBuilds() { #expect(Bool(true)) }
}

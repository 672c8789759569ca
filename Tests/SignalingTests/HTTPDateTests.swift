import Testing

@testable import Signaling

@Suite struct HTTPDateTests {
    /// RFC 9110 §5.6.7's example, in its three forms.
    @Test func theThreeFormsOfTheRFCExample() {
        let expected: Int64 = 784_111_777
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: 1_700_000_000) == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.format(expected) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func knownInstants() {
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Tue, 19 Jan 2038 03:14:08 GMT") == 2_147_483_648)
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 23:59:59 GMT") == 1_709_251_199)
        #expect(HTTPDate.parse("Fri, 21 Nov 2025 08:15:27 GMT") == 1_763_712_927)
        // A leap second is accepted as the next second's worth.
        #expect(HTTPDate.parse("Sat, 31 Dec 2016 23:59:60 GMT") == 1_483_228_800)
        #expect(HTTPDate.format(1_763_712_927) == "Fri, 21 Nov 2025 08:15:27 GMT")
        #expect(HTTPDate.format(-1) == "Wed, 31 Dec 1969 23:59:59 GMT")
    }

    @Test func rfc850TwoDigitYearsFollowTheFiftyYearRule() {
        let now: Int64 = 1_763_712_927  // 2025
        #expect(HTTPDate.parse("Monday, 01-Jan-75 00:00:00 GMT", now: now) == HTTPDate.parse("Wed, 01 Jan 2075 00:00:00 GMT"))
        #expect(HTTPDate.parse("Monday, 01-Jan-76 00:00:00 GMT", now: now) == HTTPDate.parse("Thu, 01 Jan 1976 00:00:00 GMT"))
    }

    @Test(arguments: [
        "", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 29 Feb 2100 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:37 GMT", "Sun, 06 Xyz 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 19a4 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37",
        "Funday, 06-Nov-94 08:49:37 GMT", "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", ",",
        "20240919T085634Z",
    ])
    func rejects(_ text: String) {
        #expect(HTTPDate.parse(text, now: 1_763_712_927) == nil)
    }

    @Test func responseDateAndHeaderLookup() {
        let response = HTTPResponse(
            status: 200, headers: [HTTPHeader("date", "Sun, 06 Nov 1994 08:49:37 GMT"), HTTPHeader("Content-Type", "Application/JSON; charset=utf-8")])
        #expect(response.date == 784_111_777)
        #expect(response.header("DATE") == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(response.mediaType == "application/json")
        #expect(HTTPResponse(status: 200).date == nil)
    }
}

import COpenSSL
import CSRTP
import CCurl
import CUsrsctp
import CWebSockets
import DataChannel
import KVSCrypto
import Security
import Signaling
import Testing
import WireKit

#if KVS_GSTREAMER
import CGStreamer
import Media
#endif

/// Calls each system library for real, so a broken install or a wrong module map fails here first.
@Suite struct SystemLibrarySmokeTests {
    @Test func openSSLBuildsADTLSContextWithSRTPProfiles() throws {
        #expect(Crypto.libraryVersion.hasPrefix("OpenSSL 3"))
        let ctx = try #require(SSL_CTX_new(DTLS_method()), "SSL_CTX_new(DTLS_method()) failed")
        SSL_CTX_free(ctx)
        let profiles = try DTLSLibrary.probe()
        #expect(profiles.contains("SRTP_AES128_CM_SHA1_80"))
    }

    @Test func openSSLDigestsAndHMACMatchPublishedVectors() throws {
        // RFC 1321 §A.5: MD5("") and MD5("abc").
        #expect(Hex.encode(try Crypto.digest(.md5, [UInt8]())) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Hex.encode(try Crypto.digest(.md5, Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        // FIPS 180-2 "abc" for SHA-1 and SHA-256.
        #expect(Hex.encode(try Crypto.digest(.sha1, Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            Hex.encode(try Crypto.digest(.sha256, Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // RFC 2202 test case 1 (HMAC-SHA1) and RFC 4231 test case 1 (HMAC-SHA256).
        let key = [UInt8](repeating: 0x0B, count: 20)
        #expect(
            Hex.encode(try Crypto.hmac(.sha1, key: key, data: Array("Hi There".utf8)))
                == "b617318655057264e28bc0b6fb378c8ef146be00")
        #expect(
            Hex.encode(try Crypto.hmac(.sha256, key: key, data: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(try Crypto.hmac(.sha1, key: [UInt8](), data: [UInt8]()).count == 20)
        let random = try Crypto.randomBytes(32)
        #expect(random.count == 32 && random != [UInt8](repeating: 0, count: 32))
    }

    @Test func libsrtp2Initializes() throws {
        try SRTPLibrary.initialize()
        #expect(srtp_get_version() >= 0x0205_0000)  // 2.5.0 or later
        #expect(SRTPLibrary.version.hasPrefix("libsrtp2"))
    }

    @Test func usrsctpInitializesWithoutThreadsAndOpensAnAFConnSocket() throws {
        SCTPLibrary.initialize()
        #expect(SCTPLibrary.maxRetransmissionsInit > 0)
        let socket = usrsctp_socket(AF_CONN, Int32(SOCK_STREAM.rawValue), Int32(IPPROTO_SCTP), nil, nil, 0, nil)
        let s = try #require(socket, "usrsctp_socket(AF_CONN) failed")
        usrsctp_close(s)
        SCTPLibrary.handleTimers(elapsedMilliseconds: 10)
    }

    @Test func libcurlUsesOpenSSL() throws {
        #expect(NetworkLibraries.initialize())
        #expect(NetworkLibraries.curlVersion.hasPrefix("libcurl/"))
        #expect(NetworkLibraries.curlTLSBackend.contains("OpenSSL"))
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(kvs_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 2000) == CURLE_OK)
        #expect(kvs_curl_setopt_string(handle, CURLOPT_URL, "https://127.0.0.1:1/") == CURLE_OK)
    }

    @Test func libwebsocketsCreatesAContext() throws {
        #expect(NetworkLibraries.webSocketsVersion.hasPrefix("4."))
        kvs_lws_set_log(0, nil)
        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        let context = try #require(lws_create_context(&info), "lws_create_context failed")
        lws_context_destroy(context)
    }

    #if KVS_GSTREAMER
    @Test func gstreamerInitializesAndHasTheEncoders() throws {
        try GStreamerLibrary.initialize()
        #expect(GStreamerLibrary.version.hasPrefix("GStreamer 1."))
        for element in ["videotestsrc", "x264enc", "appsink", "opusenc"] {
            #expect(GStreamerLibrary.hasElement(element), "GStreamer element \(element) missing")
        }
        #expect(!GStreamerLibrary.hasElement("no-such-element"))
    }

    @Test func gstreamerPipelineDeliversEncodedH264() throws {
        let pipeline = try AppSinkPipeline(
            description: "videotestsrc num-buffers=5 ! video/x-raw,width=160,height=120 ! x264enc tune=zerolatency "
                + "! video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink",
            sinkName: "sink")
        var samples = 0
        var keyframes = 0
        while let sample = try pipeline.pull() {
            samples += 1
            if sample.isKeyframe { keyframes += 1 }
            #expect(Array(sample.data.prefix(3)) == [0, 0, 0] || Array(sample.data.prefix(3)) == [0, 0, 1])
        }
        #expect(samples == 5)
        #expect(keyframes >= 1)
    }

    @Test func gstreamerReportsBadPipelines() {
        #expect(throws: GStreamerError.self) { _ = try AppSinkPipeline(description: "nosuchelement ! appsink name=sink", sinkName: "sink") }
        #expect(throws: GStreamerError.missingAppSink("sink")) {
            _ = try AppSinkPipeline(description: "videotestsrc ! fakesink", sinkName: "sink")
        }
    }
    #endif
}

import KVSCrypto
import STUN
import WireKit

extension SelfCheck {
    /// Encodes an ICE connectivity check (RFC 8445 §7.1.1) signed with a short-term credential,
    /// decodes it again and verifies MESSAGE-INTEGRITY and FINGERPRINT, and checks that a wrong
    /// password is refused.
    func checkSTUN() -> CheckResult {
        var random = SecureRandom()
        let password = "selfcheck-password-22c"
        let request = STUNMessage(
            method: .binding, messageClass: .request, transactionID: .random(using: &random),
            attributes: [
                .username("remote:local"), .priority(0x6E7F_1EFF), .iceControlling(random.next()), .useCandidate,
            ])
        do {
            let bytes = try request.encode(integrity: .shortTerm(password: password), fingerprint: true)
            let decoded = try STUNMessage(decoding: bytes)
            guard STUNMessage.verifyIntegrity(of: bytes, key: .shortTerm(password: password)),
                STUNMessage.verifyFingerprint(of: bytes),
                !STUNMessage.verifyIntegrity(of: bytes, key: .shortTerm(password: password + "x")),
                decoded.username == "remote:local"
            else {
                return CheckResult(.failed, "STUN", "a signed binding request did not verify after decoding")
            }
            return CheckResult(.ok, "STUN", "binding request (\(bytes.count) bytes) signed, decoded, integrity and fingerprint verified")
        } catch {
            return CheckResult(.failed, "STUN", "\(error)")
        }
    }
}

/// The product version, printed by `kvsmaster --version`.
public enum KVSMasterVersion {
    public static let number = "0.1.0"

    public static var string: String {
        #if KVS_GSTREAMER
        "kvsmaster \(number) (GStreamer support built in)"
        #else
        "kvsmaster \(number) (built without GStreamer)"
        #endif
    }
}

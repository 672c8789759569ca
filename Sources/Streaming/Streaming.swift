/// Media fan-out for the daemon (sans-IO): answer negotiation for the source's codecs, one
/// packetization per frame shared by every viewer, per-viewer RTCP (RFC 3550 §6.4 sender and
/// receiver reports, RFC 4585 feedback), the shared retransmission cache (RFC 4588) and the
/// keyframe and bitrate control that feedback drives.
public enum Streaming {}

// The page side of chromium_viewer.py: an offering RTCPeerConnection viewer. Everything it has
// to tell the driver goes through the CDP binding kvsEmit (Runtime.addBinding) as JSON text.
"use strict";

const emit = (message) => kvsEmit(JSON.stringify(message));
const now = () => performance.now() / 1000;

// The message patterns shared with the Swift tests (and with aiortc_viewer.py).
function pad3(i) { return String(i).padStart(3, "0"); }

function viewerMessage(i) {
  if (i % 2 === 0) return "viewer-" + pad3(i) + "-" + "v".repeat(i);
  const bytes = new Uint8Array(1 + i * 3);
  bytes[0] = i & 0xff;
  for (let j = 0; j < i * 3; j++) bytes[1 + j] = (i * 31 + j) & 0xff;
  return bytes.buffer;
}

function masterMessage(i) {
  if (i % 2 === 0) return "master-" + pad3(i) + "-" + "m".repeat(i * 2);
  const bytes = new Uint8Array(2 + i * 5);
  bytes[0] = 0xa5;
  bytes[1] = i & 0xff;
  for (let j = 0; j < i * 5; j++) bytes[2 + j] = (i * 17 + j * 3) & 0xff;
  return bytes.buffer;
}

function describe(message) {
  if (typeof message === "string") return JSON.stringify(message.slice(0, 40));
  return "binary[" + message.byteLength + "] " + Array.from(new Uint8Array(message).slice(0, 12)).join(",");
}

function sameMessage(got, expected) {
  if (typeof expected === "string") return typeof got === "string" && got === expected;
  if (!(got instanceof ArrayBuffer) || got.byteLength !== expected.byteLength) return false;
  const a = new Uint8Array(got), b = new Uint8Array(expected);
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function preferH264(transceiver) {
  const codecs = RTCRtpReceiver.getCapabilities("video").codecs;
  const rank = (codec) => {
    if (codec.mimeType.toLowerCase() !== "video/h264") return 2;
    const fmtp = codec.sdpFmtpLine || "";
    return fmtp.includes("packetization-mode=1") && fmtp.includes("42e01f") ? 0 : 1;
  };
  transceiver.setCodecPreferences(codecs.slice().sort((a, b) => rank(a) - rank(b)));
}

async function selectedPair(report) {
  let pair = null;
  report.forEach((s) => { if (s.type === "transport" && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId); });
  if (!pair) report.forEach((s) => { if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s; });
  if (!pair) return null;
  const side = (id) => {
    const c = report.get(id);
    return c ? { type: c.candidateType, protocol: c.protocol, address: c.address, port: c.port } : null;
  };
  return { local: side(pair.localCandidateId), remote: side(pair.remoteCandidateId), state: pair.state };
}

async function reportStats(pc) {
  const report = await pc.getStats();
  const stats = { event: "stats", t: now(), framesDecoded: 0, frameWidth: 0, frameHeight: 0, bytesReceived: 0,
                  packetsReceived: 0, packetsLost: 0, nackCount: 0, pliCount: 0, keyFramesDecoded: 0 };
  report.forEach((s) => {
    if (s.type !== "inbound-rtp" || s.kind !== "video") return;
    stats.framesDecoded += s.framesDecoded || 0;
    stats.keyFramesDecoded += s.keyFramesDecoded || 0;
    stats.frameWidth = s.frameWidth || stats.frameWidth;
    stats.frameHeight = s.frameHeight || stats.frameHeight;
    stats.bytesReceived += s.bytesReceived || 0;
    stats.packetsReceived += s.packetsReceived || 0;
    stats.packetsLost += s.packetsLost || 0;
    stats.nackCount += s.nackCount || 0;
    stats.pliCount += s.pliCount || 0;
    if (s.decoderImplementation) stats.decoder = s.decoderImplementation;
    if (s.codecId && report.get(s.codecId)) stats.codec = report.get(s.codecId).mimeType;
  });
  stats.candidatePair = await selectedPair(report);
  emit(stats);
}

window.kvsStart = async (options) => {
  const pc = new RTCPeerConnection({ iceServers: [] });
  window.kvsPC = pc;
  const received = [];
  const errors = [];

  pc.onconnectionstatechange = () => emit({ event: "connectionState", state: pc.connectionState, t: now() });
  pc.oniceconnectionstatechange = () => emit({ event: "iceConnectionState", state: pc.iceConnectionState, t: now() });

  const channel = pc.createDataChannel("viewer");
  channel.binaryType = "arraybuffer";
  const report = () => emit({ event: "received", count: received.length, ok: errors.length === 0, errors: errors.slice(0, 5) });
  channel.onopen = () => {
    emit({ event: "open", t: now() });
    for (let i = 0; i < options.messages; i++) channel.send(viewerMessage(i));
  };
  channel.onmessage = (e) => {
    const index = received.length;
    received.push(e.data);
    const expected = masterMessage(index);
    if (!sameMessage(e.data, expected)) {
      errors.push("message " + index + ": got " + describe(e.data) + ", expected " + describe(expected));
    }
    if (received.length === options.messages) report();
  };
  window.kvsReport = report;

  pc.ondatachannel = (e) => {
    const remote = e.channel;
    remote.binaryType = "arraybuffer";
    emit({ event: "remoteChannel", label: remote.label, protocol: remote.protocol });
    remote.onmessage = (m) => {
      if (typeof m.data === "string") { remote.send("echo:" + m.data); return; }
      const echo = new Uint8Array(5 + m.data.byteLength);
      echo.set(new TextEncoder().encode("echo:"), 0);
      echo.set(new Uint8Array(m.data), 5);
      remote.send(echo.buffer);
    };
  };

  if (options.video) {
    const transceiver = pc.addTransceiver("video", { direction: "recvonly" });
    if (options.h264) preferH264(transceiver);
  }
  if (options.audio) pc.addTransceiver("audio", { direction: "recvonly" });

  pc.ontrack = (e) => {
    emit({ event: "track", kind: e.track.kind, mid: e.transceiver.mid, t: now() });
    if (e.track.kind !== "video") return;
    const video = document.getElementById("video");
    video.srcObject = e.streams[0] || new MediaStream([e.track]);
    video.play().catch((error) => emit({ event: "log", text: "video.play: " + error }));
  };

  // Chromium ends gathering with an empty candidate and then a null one: one end signal.
  let ended = false;
  const gathered = new Promise((resolve) => {
    pc.onicecandidate = (e) => {
      if (!e.candidate || !e.candidate.candidate) {
        if (options.trickle && !ended) emit({ type: "endOfCandidates" });
        ended = true;
        resolve();
        return;
      }
      if (options.trickle) {
        emit({ type: "candidate", candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid,
               sdpMLineIndex: e.candidate.sdpMLineIndex });
      }
    };
  });

  await pc.setLocalDescription();
  if (!options.trickle) await gathered;
  emit({ type: "offer", sdp: pc.localDescription.sdp, t: now() });

  if (options.video) setInterval(() => reportStats(pc).catch((e) => emit({ event: "log", text: "getStats: " + e })), options.statsInterval);
};

window.kvsAnswer = async (sdp) => {
  await window.kvsPC.setRemoteDescription({ type: "answer", sdp });
  emit({ event: "answerApplied", t: now() });
};

window.kvsCandidate = async (candidate) => {
  try {
    await window.kvsPC.addIceCandidate(candidate);
  } catch (error) {
    emit({ event: "log", text: "addIceCandidate(" + JSON.stringify(candidate) + "): " + error });
  }
};

window.kvsClose = () => {
  const state = window.kvsPC ? window.kvsPC.connectionState : "new";
  if (window.kvsPC) window.kvsPC.close();
  return state;
};

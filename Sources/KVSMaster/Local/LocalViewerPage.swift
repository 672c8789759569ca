import WireKit

/// The browser viewer that `--local` serves at `/` (HTML) and `/viewer.js`: plain HTML and
/// JavaScript, kept in memory, with no build step and nothing fetched from elsewhere.
///
/// It signals over the same origin's WebSocket in the KVS viewer message format (the token and
/// an optional `clientId` come from the page URL), offers recvonly H.264 video and audio with a
/// data channel, plays both, shows live statistics and a data-channel message box, and exposes
/// `window.kvsmasterStats()` (the latest statistics object) for tests.
struct LocalViewerPage: Sendable {
    /// The page with its script inline: one request, so the `?token=` in the page's URL is the
    /// only credential the browser ever has to present for it.
    let html: [UInt8] = Array(
        LocalViewerPage.htmlText.replacingText("<script src=\"viewer.js\"></script>", with: "<script>\n\(LocalViewerPage.scriptText)\n</script>").utf8)
    let script: [UInt8] = Array(LocalViewerPage.scriptText.utf8)

    static let htmlText = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>kvsmaster viewer</title>
        <style>
        body{margin:0;font:14px system-ui,sans-serif;background:#111;color:#ddd}
        header{padding:8px 12px;background:#222;display:flex;gap:12px;align-items:center}
        header b{color:#fff}
        #state{padding:2px 8px;border-radius:4px;background:#444}
        main{display:flex;flex-wrap:wrap;gap:12px;padding:12px}
        #videoBox{flex:1 1 640px;max-width:960px;position:relative}
        video{width:100%;aspect-ratio:4/3;background:#000;display:block}
        #unmute{position:absolute;left:12px;bottom:12px;display:none}
        aside{flex:0 1 320px;display:flex;flex-direction:column;gap:12px}
        table{border-collapse:collapse;width:100%}
        td{padding:3px 6px;border-bottom:1px solid #333}
        td:first-child{color:#999;width:45%}
        #messages{height:160px;overflow:auto;background:#000;padding:6px;font-family:monospace;font-size:12px}
        #log{height:120px;overflow:auto;font-family:monospace;font-size:11px;color:#999}
        form{display:flex;gap:6px} input{flex:1}
        </style></head>
        <body>
        <header><b>kvsmaster</b><span id="channel"></span><span id="state">starting</span></header>
        <main>
        <div id="videoBox"><video id="video" autoplay playsinline></video>
        <button id="unmute">Click to unmute</button></div>
        <aside>
        <table id="stats">
        <tr><td>Resolution</td><td id="s-resolution">-</td></tr>
        <tr><td>Frames per second</td><td id="s-fps">-</td></tr>
        <tr><td>Video bitrate</td><td id="s-bitrate">-</td></tr>
        <tr><td>Frames decoded</td><td id="s-frames">-</td></tr>
        <tr><td>Video codec</td><td id="s-codec">-</td></tr>
        <tr><td>Audio</td><td id="s-audio">-</td></tr>
        <tr><td>Round-trip time</td><td id="s-rtt">-</td></tr>
        <tr><td>Candidates (local / remote)</td><td id="s-candidates">-</td></tr>
        <tr><td>Packets lost</td><td id="s-lost">-</td></tr>
        </table>
        <div><div>Data channel</div>
        <div id="messages"></div>
        <form id="sendForm"><input id="message" placeholder="message to the master" autocomplete="off">
        <button>Send</button></form></div>
        <div id="log"></div>
        </aside>
        </main>
        <script src="viewer.js"></script>
        </body></html>
        """#

    static let scriptText = #"""
        // kvsmaster local viewer: KVS viewer-side signaling over this page's own WebSocket.
        "use strict";
        (function () {
          const params = new URLSearchParams(location.search);
          const token = params.get("token");
          const clientId = params.get("clientId") || "viewer-" + Math.random().toString(36).slice(2, 10);
          const $ = (id) => document.getElementById(id);
          const video = $("video");
          const stream = new MediaStream();
          let pc = null, ws = null, channel = null, remoteSet = false;
          const pendingCandidates = [];
          let latest = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, framesPerSecond: 0, bitrate: 0,
                         bytesReceived: 0, audioPacketsReceived: 0, roundTripTime: null, localCandidateType: null,
                         remoteCandidateType: null, connectionState: "new", messagesReceived: 0 };
          let previous = null;

          window.kvsmasterStats = () => Object.assign({}, latest);

          function log(text) {
            const line = document.createElement("div");
            line.textContent = new Date().toLocaleTimeString() + " " + text;
            $("log").prepend(line);
          }

          function setState(text) { $("state").textContent = text; latest.connectionState = text; }

          function toBase64(text) {
            const bytes = new TextEncoder().encode(text);
            let binary = "";
            for (const b of bytes) binary += String.fromCharCode(b);
            return btoa(binary);
          }

          function fromBase64(text) {
            const binary = atob(text);
            const bytes = new Uint8Array(binary.length);
            for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
            return new TextDecoder().decode(bytes);
          }

          function signal(action, payload) {
            if (!ws || ws.readyState !== WebSocket.OPEN) return;
            ws.send(JSON.stringify({ action: action, recipientClientId: "MASTER", messagePayload: toBase64(JSON.stringify(payload)) }));
          }

          function preferH264(transceiver) {
            if (!transceiver.setCodecPreferences || !RTCRtpReceiver.getCapabilities) return;
            const codecs = RTCRtpReceiver.getCapabilities("video").codecs;
            const rank = (c) => {
              if (c.mimeType.toLowerCase() !== "video/h264") return 2;
              const fmtp = c.sdpFmtpLine || "";
              return fmtp.includes("packetization-mode=1") && fmtp.includes("42e01f") ? 0 : 1;
            };
            transceiver.setCodecPreferences(codecs.slice().sort((a, b) => rank(a) - rank(b)));
          }

          function showMessage(direction, text) {
            const line = document.createElement("div");
            line.textContent = direction + " " + text;
            $("messages").append(line);
            $("messages").scrollTop = $("messages").scrollHeight;
          }

          async function play() {
            try {
              video.muted = false;
              await video.play();
            } catch (error) {
              // Autoplay with sound needs a user gesture: play muted until the click.
              video.muted = true;
              $("unmute").style.display = "block";
              try { await video.play(); } catch (e) { log("video.play: " + e); }
            }
          }

          $("unmute").onclick = () => { video.muted = false; video.play(); $("unmute").style.display = "none"; };

          async function addRemoteCandidate(candidate) {
            if (!candidate.candidate) return;
            if (candidate.sdpMid == null && candidate.sdpMLineIndex == null) candidate.sdpMLineIndex = 0;
            if (!remoteSet) { pendingCandidates.push(candidate); return; }
            try { await pc.addIceCandidate(candidate); } catch (error) { log("addIceCandidate: " + error); }
          }

          async function onSignalingMessage(event) {
            let message;
            try { message = JSON.parse(event.data); } catch (error) { log("bad signaling frame"); return; }
            if (!message.messagePayload) return;
            const payload = JSON.parse(fromBase64(message.messagePayload));
            if (message.messageType === "SDP_ANSWER") {
              await pc.setRemoteDescription({ type: "answer", sdp: payload.sdp });
              remoteSet = true;
              log("answer received");
              for (const c of pendingCandidates.splice(0)) await addRemoteCandidate(c);
            } else if (message.messageType === "ICE_CANDIDATE") {
              await addRemoteCandidate({ candidate: payload.candidate, sdpMid: payload.sdpMid, sdpMLineIndex: payload.sdpMLineIndex });
            }
          }

          async function startPeer() {
            pc = new RTCPeerConnection({ iceServers: [] });
            preferH264(pc.addTransceiver("video", { direction: "recvonly" }));
            pc.addTransceiver("audio", { direction: "recvonly" });
            channel = pc.createDataChannel("kvsDataChannel");
            channel.onopen = () => { log("data channel open"); $("message").disabled = false; };
            channel.onmessage = (event) => {
              latest.messagesReceived += 1;
              showMessage("\u2190", typeof event.data === "string" ? event.data : "[" + event.data.byteLength + " bytes]");
            };
            pc.ontrack = (event) => {
              stream.addTrack(event.track);
              if (video.srcObject !== stream) { video.srcObject = stream; play(); }
            };
            pc.onicecandidate = (event) => {
              if (event.candidate && event.candidate.candidate) {
                signal("ICE_CANDIDATE", { candidate: event.candidate.candidate, sdpMid: event.candidate.sdpMid,
                                          sdpMLineIndex: event.candidate.sdpMLineIndex });
              }
            };
            pc.onconnectionstatechange = () => { setState(pc.connectionState); log("peer connection " + pc.connectionState); };
            const offer = await pc.createOffer();
            await pc.setLocalDescription(offer);
            signal("SDP_OFFER", { type: "offer", sdp: pc.localDescription.sdp });
            log("offer sent as " + clientId);
          }

          function connect() {
            const query = new URLSearchParams();
            if (token) query.set("token", token);
            query.set("X-Amz-ClientId", clientId);
            ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/signaling?" + query);
            setState("signaling");
            ws.onopen = () => { log("signaling connected"); startPeer().catch((e) => log("offer failed: " + e)); };
            ws.onmessage = (event) => { onSignalingMessage(event).catch((e) => log("signaling: " + e)); };
            ws.onclose = (event) => log("signaling closed (" + event.code + (event.reason ? " " + event.reason : "") + ")");
          }

          function format(bits) {
            return bits >= 1e6 ? (bits / 1e6).toFixed(2) + " Mbit/s" : (bits / 1e3).toFixed(0) + " kbit/s";
          }

          async function collectStats() {
            if (!pc) return;
            const report = await pc.getStats();
            const next = { time: performance.now(), bytes: 0, frames: 0 };
            let pairId = null, audioPackets = 0, codec = "-";
            report.forEach((s) => {
              if (s.type === "inbound-rtp" && s.kind === "video") {
                next.bytes = s.bytesReceived || 0;
                next.frames = s.framesDecoded || 0;
                latest.frameWidth = s.frameWidth || 0;
                latest.frameHeight = s.frameHeight || 0;
                latest.packetsLost = s.packetsLost || 0;
                if (s.codecId && report.get(s.codecId)) codec = report.get(s.codecId).mimeType;
                if (s.framesPerSecond !== undefined) latest.framesPerSecond = s.framesPerSecond;
              } else if (s.type === "inbound-rtp" && s.kind === "audio") {
                audioPackets = s.packetsReceived || 0;
              } else if (s.type === "transport" && s.selectedCandidatePairId) {
                pairId = s.selectedCandidatePairId;
              }
            });
            if (!pairId) report.forEach((s) => { if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pairId = s.id; });
            const pair = pairId ? report.get(pairId) : null;
            if (pair) {
              latest.roundTripTime = pair.currentRoundTripTime !== undefined ? pair.currentRoundTripTime : null;
              const local = report.get(pair.localCandidateId), remote = report.get(pair.remoteCandidateId);
              latest.localCandidateType = local ? local.candidateType : null;
              latest.remoteCandidateType = remote ? remote.candidateType : null;
            }
            if (previous && next.time > previous.time) {
              const seconds = (next.time - previous.time) / 1000;
              latest.bitrate = Math.max(0, (next.bytes - previous.bytes) * 8 / seconds);
              if (latest.framesPerSecond === 0) latest.framesPerSecond = Math.max(0, (next.frames - previous.frames) / seconds);
            }
            previous = next;
            latest.framesDecoded = next.frames;
            latest.bytesReceived = next.bytes;
            latest.audioPacketsReceived = audioPackets;
            latest.codec = codec;
            $("s-resolution").textContent = latest.frameWidth ? latest.frameWidth + " \u00d7 " + latest.frameHeight : "-";
            $("s-fps").textContent = latest.framesPerSecond ? latest.framesPerSecond.toFixed(1) : "-";
            $("s-bitrate").textContent = format(latest.bitrate);
            $("s-frames").textContent = String(latest.framesDecoded);
            $("s-codec").textContent = codec;
            $("s-audio").textContent = audioPackets + " packets";
            $("s-rtt").textContent = latest.roundTripTime == null ? "-" : (latest.roundTripTime * 1000).toFixed(1) + " ms";
            $("s-candidates").textContent = (latest.localCandidateType || "-") + " / " + (latest.remoteCandidateType || "-");
            $("s-lost").textContent = String(latest.packetsLost || 0);
          }

          $("message").disabled = true;
          $("sendForm").onsubmit = (event) => {
            event.preventDefault();
            const text = $("message").value;
            if (!text || !channel || channel.readyState !== "open") return;
            channel.send(text);
            showMessage("\u2192", text);
            $("message").value = "";
          };
          window.kvsmasterSend = (text) => {
            if (!channel || channel.readyState !== "open") return false;
            channel.send(text);
            showMessage("\u2192", text);
            return true;
          };
          $("channel").textContent = clientId;
          setInterval(() => { collectStats().catch((e) => log("stats: " + e)); }, 1000);
          connect();
        })();
        """#
}

import Glibc
import Media

extension Doctor {
    /// Whether the configured source can run in this build: the GStreamer elements of its
    /// pipeline (with the trait), or the file sources (without it).
    func checkMedia() -> [DoctorResult] {
        let name = "media"
        switch configuration.source {
        case .sampleFrames(let video, let audio):
            let folders = [video] + (configuration.sendsAudio ? audio.map { [$0] } ?? [] : [])
            if let missing = folders.first(where: { !Self.isDirectory($0) }) {
                return [.fail(name, "sample-frame folder \(missing) does not exist", fix: "give --sample-frames an existing folder")]
            }
            return [.pass(name, "source sample frames \(folders.joined(separator: ", ")) (no GStreamer needed)")]
        case .annexB(let path):
            if path != "-", access(path, R_OK) != 0 {
                return [.fail(name, "Annex-B input \(path) is not readable", fix: "check the path, or create the FIFO first (mkfifo)")]
            }
            return [.pass(name, "source Annex-B \(path) (no GStreamer needed)")]
        case .testsrc, .devicesrc, .rtspsrc, .pipeline:
            return checkGStreamer(name)
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    #if KVS_GSTREAMER
        func checkGStreamer(_ name: String) -> [DoctorResult] {
            do {
                try GStreamerLibrary.initialize()
            } catch {
                return [.fail(name, "GStreamer does not initialize: \(error)", fix: "reinstall libgstreamer1.0-0")]
            }
            let source: GStreamerSource
            do {
                source = try GStreamerSource(MediaSourceFactory.gstreamerSettings(configuration))
            } catch {
                return [.fail(name, "\(error)", fix: "correct the source settings")]
            }
            var elements = source.requiredElements
            if case .pipeline(let description) = configuration.source { elements = Self.elementNames(in: description) }
            let missing = elements.filter { !GStreamerLibrary.hasElement($0) }
            guard missing.isEmpty else {
                let messages = missing.map { GStreamerSource.missingElementMessage($0) }
                return [
                    .fail(
                        name, "\(source.name): " + messages.joined(separator: "; "),
                        fix: "install the named packages (apt-get install …), or choose another source or codec")
                ]
            }
            return [.pass(name, "\(source.name): \(GStreamerLibrary.version), elements present: \(elements.joined(separator: " "))")]
        }
    #else
        func checkGStreamer(_ name: String) -> [DoctorResult] {
            [
                .warn(
                    name, "source \(Self.describe(configuration.source)) needs GStreamer, and this kvsmaster was built without it; "
                        + "the sample-frame and Annex-B sources are available",
                    fix: "use --sample-frames DIR or --annexb PATH|-, or a build with GStreamer")
            ]
        }
    #endif

    /// The element factory names of a gst-launch description: bare words, not properties
    /// (`k=v`), caps (`video/x-raw,…`) or references to named elements (`src.`).
    static func elementNames(in description: String) -> [String] {
        var names: [String] = []
        let separators: Set<Character> = [" ", "\t", "\n", "!", "(", ")"]
        for token in description.split(whereSeparator: { separators.contains($0) }) {
            guard let first = token.first, first.isLetter,
                token.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
            else { continue }
            let word = String(token)
            if !names.contains(word) { names.append(word) }
        }
        return names
    }
}

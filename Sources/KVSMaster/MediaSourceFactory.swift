import Media

/// Builds the configured ``MediaSource``.
public enum MediaSourceFactory {
    public static func make(_ configuration: DaemonConfiguration) -> Result<(any MediaSource)?, MediaSourceError> {
        .success(nil)
    }
}

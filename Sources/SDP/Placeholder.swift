// SDP: see the module's files.

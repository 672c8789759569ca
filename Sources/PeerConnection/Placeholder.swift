// PeerConnection: see the module's files.

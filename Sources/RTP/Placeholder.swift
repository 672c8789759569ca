// RTP: see the module's files.

// STUN: see the module's files.

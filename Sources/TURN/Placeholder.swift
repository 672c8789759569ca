// TURN: see the module's files.

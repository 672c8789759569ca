// EventLoop: see the module's files.

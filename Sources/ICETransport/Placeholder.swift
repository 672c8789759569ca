// ICETransport: see the module's files.

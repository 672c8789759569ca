// ICE: see the module's files.

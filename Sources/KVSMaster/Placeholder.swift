// KVSMaster: see the module's files.

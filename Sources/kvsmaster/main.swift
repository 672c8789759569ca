import KVSMaster
print("kvsmaster")

// usrsctp for Swift. SwiftPM drops pkg-config's -DINET -DINET6, and usrsctp.h changes its
// structures depending on them, so they are defined here before the header is read.
#ifndef KVS_CUSRSCTP_SHIM_H
#define KVS_CUSRSCTP_SHIM_H
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <usrsctp.h>
#endif

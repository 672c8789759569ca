// libsrtp2 for Swift: SRTP/SRTCP sessions keyed from DTLS-SRTP.
#ifndef KVS_CSRTP_SHIM_H
#define KVS_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#endif

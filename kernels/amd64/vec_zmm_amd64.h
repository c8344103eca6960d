// Vector width for the shared kernel bodies (*_amd64.h): ZMM registers, 16 floats (AVX-512F; VPXORD, as VXORPS on ZMM needs AVX512DQ).
#define VB    64
#define LANES 16
#define VB4   256 // four vectors
#define LANES4 64
#define V0 Z0
#define V1 Z1
#define V2 Z2
#define V3 Z3
#define V4 Z4
#define V5 Z5
#define V6 Z6
#define V7 Z7
#define V8 Z8
#define V9 Z9
#define V10 Z10
#define V11 Z11
#define V12 Z12
#define V13 Z13
#define V14 Z14
#define V15 Z15
#define VORV VPORD
#define VZERO(v) VPXORD v, v, v

// Vector width for the shared kernel bodies (*_amd64.h): YMM registers, 8 floats (AVX).
#define VB    32
#define LANES 8
#define VB4   128 // four vectors
#define LANES4 32
#define V0 Y0
#define V1 Y1
#define V2 Y2
#define V3 Y3
#define V4 Y4
#define V5 Y5
#define V6 Y6
#define V7 Y7
#define V8 Y8
#define V9 Y9
#define V10 Y10
#define V11 Y11
#define V12 Y12
#define V13 Y13
#define V14 Y14
#define V15 Y15
#define VORV VORPS
#define VZERO(v) VXORPS v, v, v

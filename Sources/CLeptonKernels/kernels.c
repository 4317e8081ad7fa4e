// The trainer's portable kernels. On x86-64 Linux they come from kernels_x86_64.S instead: the
// same source (generate/kernels_source.c) compiled once with clang -O2 by generate/generate.sh,
// so that packing, pooling and the other loops run at full speed in debug builds too (SwiftPM
// builds the plugin's tool and `swift run` with -O0, where this C ran 3x slower). The source
// keeps `#pragma STDC FP_CONTRACT OFF`, so both forms give the same bits.
#if !(defined(__x86_64__) && defined(__linux__))
#include "generate/kernels_source.c"
#endif

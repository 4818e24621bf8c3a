//===- TestKernelsNoFatbin.c - No nvcc at build time ----------------------===//

#include "CudaChecks.h"

const unsigned char sto_test_kernels_fatbin[1] = {0};
const size_t sto_test_kernels_fatbin_size = 0;

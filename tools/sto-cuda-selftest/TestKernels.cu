// Kernels of the CUDA runtime checks (CudaChecks.c). Built into a fatbin
// with nvcc when the toolkit is present; TestKernelsPtx.c holds the same
// kernels as hand-checked PTX, which needs no toolkit at build time.

extern "C" __global__ void sto_test_axpy(float a, const float *x, float *y,
                                         unsigned n) {
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = a * x[i] + y[i];
}

extern "C" __global__ void sto_test_fill_index(unsigned *out, unsigned n) {
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    out[i] = i * 2654435761u + 12345u;
}

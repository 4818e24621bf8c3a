/*===- sto-c/Runtime.h - C ABI of compiled sto modules ------------*- C -*-===*\
|*                                                                            *|
|* Every compiled function returns one of these status codes. Tensor          *|
|* arguments are `const T *` to row-major, contiguous data (host memory for   *|
|* --target=cpu, device memory for --target=cuda), each followed by one       *|
|* int64_t per dynamic dimension; results are caller-allocated `T *` after    *|
|* the arguments.                                                             *|
|*                                                                            *|
|* The second half of this header is the CUDA part of libsto_runtime: device  *|
|* memory, copies, streams and the error state of the mgpu* functions that    *|
|* compiled CUDA modules call.                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef STO_C_RUNTIME_H
#define STO_C_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sto_status {
  STO_OK = 0,
  STO_ERROR_NULL_POINTER = 1,  /* a tensor or result pointer was NULL */
  STO_ERROR_NEGATIVE_SIZE = 2, /* a dynamic dimension was negative */
  STO_ERROR_RUNTIME = 3, /* the runtime failed, or a buffer of the function
                            could not be allocated (see the message) */
  /* No usable CUDA driver (libcuda.so.1) or no device; the reason is in
     sto_cuda_last_error_message(). */
  STO_ERROR_NO_CUDA_DRIVER = 4,
  /* A CUDA driver or cuBLAS call failed; the message names the call and its
     result (CUresult or cublasStatus_t: name and text). */
  STO_ERROR_CUDA = 5,
  /* An argument is out of range, or a result array overlaps another array
     of the call (results must not: sto_last_error_message() names both). */
  STO_ERROR_INVALID_ARGUMENT = 6,
  /* Dynamic sizes do not agree: sizes of the arguments that the function
     needs equal (a bias's length and a matrix's columns, the two operands
     of an elementwise op, ...), checked before anything is computed, and
     sizes of an argument or result whose byte count does not fit in
     int64_t, checked on entry: nothing was written to the results. Or a
     size given for a result that differs from the size the function
     computed, found where that result would be written: it and the
     results after it are untouched, earlier ones may be written. Also a
     value the
     function computes that it cannot use: an index out of its tensor (an
     embedding id past the table), an integer division by zero; the
     results may then be partly written. sto_last_error_message() names the
     op and the sizes. */
  STO_ERROR_SHAPE_MISMATCH = 7,
  /* cuBLAS (libcublas.so.13, .so.12 or .so), which matrix products of
     --target=cuda use, could not be loaded; the reason is in
     sto_cuda_last_error_message(). */
  STO_ERROR_NO_CUBLAS = 8,
  /* A `cf.assert` written in the model failed; sto_last_error_message()
     gives its message. Nothing after it in its block ran. */
  STO_ERROR_ASSERTION = 9
};

/* A static, human-readable message for a status code. */
const char *sto_status_message(int32_t status);

/* Randomized smoothing (sto.certify): a one-sided lower confidence bound at
 * level 1 - alpha on the probability of a class that got `top` of `total`
 * votes (0 when top is 0), by STO_BOUND_CLOPPER_PEARSON (exact: the alpha
 * quantile of Beta(top, total - top + 1)) or STO_BOUND_BERNSTEIN (empirical
 * Bernstein, Maurer and Pontil 2009); and the standard normal quantile. */
#define STO_BOUND_CLOPPER_PEARSON 0
#define STO_BOUND_BERNSTEIN 1
double sto_certify_lower_bound(int64_t top, int64_t total, double alpha,
                               int32_t method);
/* 1 - sto_certify_lower_bound(...), computed from the upper tail so that it
 * keeps its relative precision when the bound is close to 1 (what compiled
 * sto.certify calls: the radius is -stddev * sto_normal_quantile(it)). */
double sto_certify_upper_tail(int64_t top, int64_t total, double alpha,
                              int32_t method);
double sto_normal_quantile(double p);

/* For compiled code: the status of the calling thread's current call. Entry
   points take (and so clear) it on entry and return it on exit; code inside
   records failures that it cannot return itself. The first one is kept. */
void sto_record_status(int32_t status);
int32_t sto_take_status(void);

/* As sto_record_status, with a message (a string that outlives the program's
   use of it: compiled code passes its own constants). */
void sto_record_error(int32_t status, const char *message);

/* What went wrong in the calling thread's last failed call: the message of
   its first failure, e.g. "<model.mlir:12:8: 'sto.topk_gate' op dimension 0
   of 'bias' differs from dimension 1 of 'logits'", or the status's message
   when the failure gave none; "" before any failure. */
const char *sto_last_error_message(void);

/* Host memory. Compiled CPU code (and the host side of --target=
   cuda-emulator) allocates its temporary buffers through the three functions
   below, MLIR's generic allocation functions. Blocks of 1 MiB and more are
   kept for reuse when freed, up to a cap on the bytes kept (1 GiB; the
   environment variable STO_HOST_CACHE_BYTES, read on first use, sets
   another, 0 disables the cache): glibc returns such blocks to the system
   on free, and each call of a model page-faulted its large temporaries in
   anew. Smaller blocks come from malloc. All functions are thread-safe. */
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
/* Frees every block the cache keeps. */
void sto_host_release_cached(void);
/* Sets the cap on the bytes kept (0 disables the cache; a negative value
   counts as 0), over STO_HOST_CACHE_BYTES. When more is kept, it is freed. */
void sto_host_set_cache_bytes(int64_t bytes);
/* The bytes the cache keeps now, and how many cacheable blocks were served
   from it and freshly allocated since the program started. Any pointer may
   be NULL. */
void sto_host_memory_stats(int64_t *cached_bytes, int64_t *reused_blocks,
                           int64_t *fresh_blocks);

/*===--------------------------------------------------------------------===*\
|* CUDA                                                                     *|
|*                                                                          *|
|* libcuda.so.1 is loaded with dlopen on first use (the environment         *|
|* variable STO_CUDA_DRIVER, if set, names another file to load; "none"     *|
|* disables CUDA). A program linked with libsto_runtime therefore builds,   *|
|* links and runs on machines without a driver: every function below then   *|
|* returns STO_ERROR_NO_CUDA_DRIVER. Nothing in this part of the runtime    *|
|* aborts or exits.                                                         *|
|*                                                                          *|
|* Context. The runtime uses the primary context of the device (the one the *|
|* CUDA runtime API, PyTorch, JAX... use as well), retained once per device *|
|* and never released. Every entry point makes it current in the calling    *|
|* thread; if the thread had another context current, that context is       *|
|* restored before returning. Device pointers and streams from cudaMalloc / *|
|* cudaStreamCreate on the same device can be passed in directly.           *|
|*                                                                          *|
|* Temporary buffers of compiled code come from the device's default        *|
|* memory pool (cuMemAllocAsync) when they are stream-ordered; the runtime  *|
|* sets that pool's release threshold to UINT64_MAX, so that freed memory   *|
|* stays cached for the next call instead of going back to the OS at every  *|
|* synchronization (cudaMallocAsync users in the process share the pool).   *|
|*                                                                          *|
|* Errors. Every function returning int32_t returns a status and, on        *|
|* failure, stores a message retrievable with sto_cuda_last_error_message() *|
|* in the calling thread. The mgpu* functions called by compiled code       *|
|* cannot return a status: they keep the FIRST failure of the thread until  *|
|* sto_cuda_clear_error() and return NULL / do nothing. Compiled entry      *|
|* points are to clear it on entry and return sto_cuda_last_error().        *|
|*                                                                          *|
|* Threads. All functions are thread-safe. The device, the stream of        *|
|* sto_cuda_set_stream and the error state are per thread.                  *|
\*===--------------------------------------------------------------------===*/

/* 1 if libcuda.so.1 loads, initializes and reports at least one device. */
int32_t sto_cuda_available(void);

/* Loads and initializes the driver (done implicitly by every function).
   STO_OK, or STO_ERROR_NO_CUDA_DRIVER with the reason in the message. */
int32_t sto_cuda_init(void);

/* The driver's CUDA version, e.g. 13000 for 13.0 (cuDriverGetVersion). */
int32_t sto_cuda_driver_version(int32_t *version);

/* Number of devices; *count is 0 when the status is not STO_OK. */
int32_t sto_cuda_device_count(int32_t *count);

/* The device's name, NUL-terminated and truncated to size bytes. */
int32_t sto_cuda_device_name(int32_t device, char *name, size_t size);

/* The device's compute capability (9.0 for an H100/H200). */
int32_t sto_cuda_device_compute_capability(int32_t device, int32_t *major,
                                           int32_t *minor);

/* The device that this thread's calls use (default 0); mgpuSetDefaultDevice
   sets the same per-thread value. */
int32_t sto_cuda_set_device(int32_t device);
int32_t sto_cuda_get_device(int32_t *device);

/* Waits for all work on the current device (cuCtxSynchronize). */
int32_t sto_cuda_synchronize(void);

/* Device memory (cuMemAlloc / cuMemFree). Freeing NULL is STO_OK. */
int32_t sto_cuda_malloc(void **ptr, size_t bytes);
int32_t sto_cuda_free(void *ptr);

/* Copies bytes from src to dst. Each of them may be host or device memory
   (unified addressing), so one function covers host to device, device to
   host and device to device. With stream == NULL the copy has completed when
   the function returns; otherwise it is enqueued on stream and the function
   returns at once (host memory should then be page-locked and must stay
   valid until the stream reaches the copy). */
int32_t sto_cuda_memcpy(void *dst, const void *src, size_t bytes, void *stream);

/* Sets bytes bytes of device memory to value (cuMemsetD8), or count 32-bit
   words to value (cuMemsetD32; dst 4-byte aligned). stream as for memcpy. */
int32_t sto_cuda_memset(void *dst, uint8_t value, size_t bytes, void *stream);
int32_t sto_cuda_memset_u32(void *dst, uint32_t value, size_t count,
                            void *stream);

/* Streams (a sto stream is a CUstream / cudaStream_t). sto_cuda_stream_create
   makes a non-blocking stream (no implicit synchronization with stream 0). */
int32_t sto_cuda_stream_create(void **stream);
int32_t sto_cuda_stream_destroy(void *stream);
int32_t sto_cuda_stream_synchronize(void *stream);

/* The stream that compiled functions called from this thread run on.
 *
 * Compiled code gets its stream from mgpuStreamCreate() and, for a
 * synchronous gpu.launch_func or at the end of an async region, calls
 * mgpuStreamSynchronize() and then mgpuStreamDestroy() on it before
 * returning. The runtime turns that pattern into the following:
 *
 *  - No stream set (the default): mgpuStreamCreate takes a non-blocking
 *    stream from a process-wide pool and mgpuStreamDestroy puts it back, so
 *    a call creates no stream, concurrent calls from different threads get
 *    different streams (they run concurrently on the GPU), and a compiled
 *    function has finished its GPU work when it returns.
 *
 *  - A stream set with sto_cuda_set_stream(stream, 0): mgpuStreamCreate
 *    returns that stream (so all of a call's work, including the forks of an
 *    async region, is ordered on it), mgpuStreamDestroy never destroys it,
 *    and mgpuStreamSynchronize on it returns at once: the compiled function
 *    enqueues its work after the work already on the stream and returns
 *    without waiting, like a cuBLAS call. Synchronize the stream (or record
 *    an event) before reading the results on the host. Temporary buffers
 *    are allocated and freed in stream order (cuMemAllocAsync/FreeAsync),
 *    and a buffer freed on the stream is kept for the stream's next
 *    allocation of its size (up to 4 GiB of such idle buffers in all, the
 *    pool's streams included): a call repeated on one stream asks the
 *    driver for no memory, which costs the host microseconds per buffer
 *    while the GPU waits. The kept buffers are given back when this thread
 *    sets another stream (sto_cuda_set_stream(NULL, 0) too) or
 *    sto_cuda_stream_destroy destroys the stream: do one of those before
 *    destroying the stream by other means. sto_cuda_release_cached_memory
 *    gives back every kept buffer (like torch.cuda.empty_cache), and so does
 *    an allocation of a compiled call that runs out of device memory, before
 *    it tries once more.
 *
 *  - With flags STO_CUDA_STREAM_WAIT the stream is used the same way but the
 *    synchronization emitted by MLIR is kept: the function returns when its
 *    work (and everything before it on the stream) has finished.
 *
 * sto_cuda_set_stream(NULL, 0) goes back to the default. The stream stays
 * owned by the caller; the setting is per thread. */
enum { STO_CUDA_STREAM_WAIT = 1 };
int32_t sto_cuda_set_stream(void *stream, uint32_t flags);
void *sto_cuda_get_stream(void);
/* Gives every temporary buffer kept for reuse back to the driver (in stream
   order; the memory is free once the streams reach the frees). */
int32_t sto_cuda_release_cached_memory(void);

/* Matrix products on cuBLAS
 *
 * cuBLAS is loaded with dlopen on the first product, like the driver:
 * libcublas.so.13, else libcublas.so.12, else libcublas.so (the environment
 * variable STO_CUBLAS, if set, names the file to load instead; "none"
 * disables cuBLAS). Where it is missing, products fail with
 * STO_ERROR_NO_CUBLAS and everything else works.
 *
 * sto_cuda_sgemm computes, for each i < batch,
 *     C_i = alpha * op(A_i) * op(B_i) + beta * C_i
 * on row-major f32 matrices in device memory: C_i is m x n, op(A_i) m x k,
 * op(B_i) k x n; op(X) is X, or X transposed with STO_CUDA_GEMM_TRANSPOSE_A
 * / _B in flags (A_i is then stored k x m, B_i n x k). Row r of a matrix
 * starts ld elements after row r - 1 (lda >= the stored row length of A,
 * and so on), and matrix i of a batch stride_* elements after matrix i - 1
 * (strides are ignored when batch is 1; the matrices of C must not overlap).
 * With beta == 0, C is not read (NaNs in it do not propagate).
 *
 * Arithmetic: cublasSgemm / cublasSgemmStridedBatched in
 * CUBLAS_DEFAULT_MATH, i.e. f32 inputs, products and accumulation, never
 * TF32 tensor cores. The summation order is cuBLAS's, so results agree with
 * a CPU product to rounding, not bit for bit.
 *
 * Stream: the one compiled functions use (see sto_cuda_set_stream): the
 * stream set for this thread, on which the product is enqueued (and waited
 * for with STO_CUDA_STREAM_WAIT), or else a stream of the runtime's pool,
 * and the product has completed when the function returns.
 *
 * Threads: cuBLAS handles come from a per-device pool (one per concurrent
 * call, each bound to the device's primary context, its stream set per
 * call), so calls from any number of threads are safe and no handle is tied
 * to a thread.
 *
 * Checks the arguments first (STO_ERROR_INVALID_ARGUMENT: unknown flags,
 * negative sizes, leading dimensions or strides too small, sizes beyond
 * INT_MAX; STO_ERROR_NULL_POINTER), returns STO_OK at once when C is empty
 * (batch, m or n is 0), then needs the driver (STO_ERROR_NO_CUDA_DRIVER) and
 * cuBLAS (STO_ERROR_NO_CUBLAS); a failed cuBLAS call is STO_ERROR_CUDA.
 *
 * Compiled code (--target=cuda lowers linalg.matmul and linalg.batch_matmul
 * on f32 to it) calls sto_cuda_compiled_sgemm, which takes the same
 * arguments, returns nothing and keeps the thread's first failure like the
 * mgpu* functions, so that the entry point returns it. */
enum { STO_CUDA_GEMM_TRANSPOSE_A = 1, STO_CUDA_GEMM_TRANSPOSE_B = 2 };
int32_t sto_cuda_sgemm(int32_t flags, int64_t batch, int64_t m, int64_t n,
                       int64_t k, float alpha, const float *a, int64_t lda,
                       int64_t stride_a, const float *b, int64_t ldb,
                       int64_t stride_b, float beta, float *c, int64_t ldc,
                       int64_t stride_c);

/* Loads cuBLAS (no driver needed) and gives its version as
   major * 10000 + minor * 100 + patch (cublasGetProperty), e.g. 130000. */
int32_t sto_cuda_cublas_version(int32_t *version);

/* The error state of the calling thread: the status of the failure recorded
   last by a sto_cuda_* function or first by an mgpu* function (STO_OK if
   none), its message ("" if none), and a reset. */
int32_t sto_cuda_last_error(void);
const char *sto_cuda_last_error_message(void);
void sto_cuda_clear_error(void);

#ifdef __cplusplus
}
#endif

#endif /* STO_C_RUNTIME_H */

/*===- sto-c/Runtime.h - C ABI of compiled sto modules ------------*- C -*-===*\
|*                                                                            *|
|* Every compiled function returns one of these status codes. Tensor         *|
|* arguments are `const T *` to row-major, contiguous data (host memory for   *|
|* --target=cpu), each followed by one int64_t per dynamic dimension;         *|
|* results are caller-allocated `T *` after the arguments.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef STO_C_RUNTIME_H
#define STO_C_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sto_status {
  STO_OK = 0,
  STO_ERROR_NULL_POINTER = 1,  /* a tensor or result pointer was NULL */
  STO_ERROR_NEGATIVE_SIZE = 2, /* a dynamic dimension was negative */
  STO_ERROR_RUNTIME = 3,       /* the runtime failed (see the message) */
};

/* A static, human-readable message for a status code. */
const char *sto_status_message(int32_t status);

#ifdef __cplusplus
}
#endif

#endif /* STO_C_RUNTIME_H */

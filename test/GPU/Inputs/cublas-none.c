// Driver of cublas-matmul.test run with STO_CUBLAS=none: the product fails
// with STO_ERROR_NO_CUBLAS and the message names the reason.
#include "sto-c/Runtime.h"

#include <stdio.h>

int main(void) {
  void *a = NULL, *b = NULL, *c = NULL;
  if (sto_cuda_malloc(&a, 37 * 129 * 4) || sto_cuda_malloc(&b, 129 * 53 * 4) ||
      sto_cuda_malloc(&c, 37 * 53 * 4)) {
    printf("no device memory: %s\n", sto_cuda_last_error_message());
    return 1;
  }
  int32_t status = mm(a, b, c);
  printf("status %d: %s\n", (int)status, sto_cuda_last_error_message());
  return 0;
}

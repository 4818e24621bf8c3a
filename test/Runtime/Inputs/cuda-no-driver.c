// Driver of cuda-object-without-driver.test: calls a compiled CUDA function
// where no CUDA driver can be loaded. Compiled with -include <its header>.
#include "sto-c/Runtime.h"

#include <stdio.h>

int main(void) {
  int32_t available = sto_cuda_available();
  sto_cuda_clear_error();
  /* Two disjoint 1 MiB ranges (an overlap would be status 6). */
  int32_t status = dropout(1, (const float *)0x100000, (float *)0x400000);
  printf("available %d\n", (int)available);
  printf("status %d\n", (int)status);
  printf("last error %d: %s\n", (int)sto_cuda_last_error(),
         sto_cuda_last_error_message());
  return 0;
}

// Two models whose headers have one file name (a/model.h, b/model.h) are
// included into one C program: each header's include guard ends with a hash
// of its declarations, so the second is not skipped (it was: "use of
// undeclared identifier" in C++, an implicit declaration in C).
// REQUIRES: sto-example-drivers
// RUN: rm -rf %t && split-file %s %t && mkdir -p %t/a %t/b
// RUN: sto-compile %t/a.mlir -o %t/a/model.o --header %t/a/model.h
// RUN: sto-compile %t/b.mlir -o %t/b/model.o --header %t/b/model.h
// RUN: %sto_example_cc -Werror=implicit-function-declaration -I%sto_src_root/include -I%t %t/main.c %t/a/model.o %t/b/model.o %sto_runtime_link -o %t/main
// RUN: %t/main | FileCheck %s
// CHECK: fa 0 2 4, fb 0 1 4

//--- a.mlir
func.func @fa(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = arith.addf %x, %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
//--- b.mlir
func.func @fb(%x: tensor<3xf32>) -> tensor<3xf32> {
  %y = arith.mulf %x, %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
//--- main.c
#include "a/model.h"
#include "b/model.h"
#include <stdio.h>
int main(void) {
  float x[3] = {0, 1, 2}, ya[3], yb[3];
  if (fa(x, ya) || fb(x, yb))
    return 1;
  printf("fa %g %g %g, fb %g %g %g\n", ya[0], ya[1], ya[2], yb[0], yb[1],
         yb[2]);
  return 0;
}

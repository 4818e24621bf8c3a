// --target=cuda-emulator takes host pointers as --target=cpu does, aligned
// only to their element: every array here ends right before a PROT_NONE
// page (driver: Inputs/emulator-host-pointers.cpp), so a read or write past
// its end faults. The emulated kernels kept the GPU's 16-byte alignment
// assumption of their buffers, and LLVM widened loads on it: the last bf16
// of a 3-element array was read with a 4-byte load, the last f64 of three
// with a 16-byte one (segmentation faults). Results are compared, bit for
// bit, with include/sto/Runtime/Philox.h, on both targets.

// RUN: rm -rf %t && mkdir -p %t/cpu %t/emu
// RUN: sto-compile %s -o %t/cpu/hp.o --header %t/cpu/emulator-host-pointers.h
// RUN: %clangxx %sto_driver_flags -I%t/cpu %S/Inputs/emulator-host-pointers.cpp %t/cpu/hp.o %sto_runtime_link -o %t/cpu/hp
// RUN: %t/cpu/hp | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t/emu/hp.o --header %t/emu/emulator-host-pointers.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/emulator-host-pointers.cpp %t/emu/hp.o %sto_runtime_link -o %t/emu/hp
// RUN: %t/emu/hp | FileCheck %s

// CHECK: dropout bf16 [3]: 0 mismatches of 3
// CHECK: uniform f64 [3]: 0 mismatches of 3
// CHECK: normal f64 [3]: 0 mismatches of 3
// CHECK: ema bf16 []: 0 mismatches of 1
// CHECK: noise f16 [5]: 0 mismatches of 5
// CHECK: ALL OK

func.func @dropout_bf16(%k: !sto.key, %x: tensor<3xbf16>) -> tensor<3xbf16> {
  %0 = sto.dropout %k, %x {rate = 3.0e-01 : f64} : tensor<3xbf16>
  return %0 : tensor<3xbf16>
}
func.func @uniform_f64(%k: !sto.key) -> tensor<3xf64> {
  %0 = sto.uniform %k {low = -1.5 : f64, high = 2.0 : f64} : tensor<3xf64>
  return %0 : tensor<3xf64>
}
func.func @normal_f64(%k: !sto.key) -> tensor<3xf64> {
  %0 = sto.normal %k {mean = 0.5 : f64, stddev = 2.0 : f64} : tensor<3xf64>
  return %0 : tensor<3xf64>
}
func.func @ema_bf16(%a: tensor<bf16>, %p: tensor<bf16>, %n: index) -> tensor<bf16> {
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 9.0e-01 : f64} : tensor<bf16>, index
  return %0 : tensor<bf16>
}
func.func @noise_f16(%k: !sto.key, %x: tensor<5xf16>) -> tensor<5xf16> {
  %0 = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<5xf16>
  return %0 : tensor<5xf16>
}

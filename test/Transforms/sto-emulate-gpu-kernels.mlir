// RUN: sto-opt %s --sto-emulate-gpu-kernels -split-input-file -verify-diagnostics | FileCheck %s

// A launch becomes loops over blocks (z, y, x) and threads (z, y, x) around
// the kernel's body, with the ids of the iteration and the launch's sizes;
// the entry block's arguments are the launch operands. Device memory is host
// memory (256-byte aligned), copies are memref copies, tokens and waits go,
// sqrt.rn is math.sqrt, and the gpu.module is erased.

// CHECK-LABEL: func.func @host(
// CHECK-SAME:    %[[X:.+]]: memref<1000xf32>, %[[N:.+]]: index)
// CHECK-NOT:     gpu.
// CHECK-DAG:     %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK:         %[[D:.+]] = memref.alloc() {alignment = 256 : i64} : memref<1000xf32>
// CHECK:         memref.copy %[[X]], %[[D]]
// CHECK:         scf.for %[[BZ:.+]] = %{{.+}} to %[[C1]]
// CHECK:           scf.for %[[BY:.+]] = %{{.+}} to %[[C1]]
// CHECK:             scf.for %[[BX:.+]] = %{{.+}} to %[[C4]]
// CHECK:               scf.for %[[TZ:.+]] = %{{.+}} to %[[C1]]
// CHECK:                 scf.for %[[TY:.+]] = %{{.+}} to %[[C1]]
// CHECK:                   scf.for %[[TX:.+]] = %{{.+}} to %[[C256]]
// CHECK:                     scf.execute_region {
// CHECK:                       %[[I0:.+]] = arith.muli %[[BX]], %[[C256]]
// CHECK:                       %[[I:.+]] = arith.addi %[[I0]], %[[TX]]
// CHECK:                       %[[IN:.+]] = arith.cmpi ult, %[[I]], %[[N]]
// CHECK:                       scf.if %[[IN]] {
// CHECK:                         %[[V:.+]] = memref.load %[[D]][%[[I]]]
// CHECK:                         %[[S:.+]] = math.sqrt %[[V]] : f32
// CHECK:                         memref.store %[[S]], %[[D]][%[[I]]]
// CHECK:                       scf.yield
// CHECK:         memref.copy %[[D]], %[[X]]
// CHECK:         memref.dealloc %[[D]]
// CHECK-NOT:     gpu.module
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @sqrt(%x: memref<1000xf32>, %n: index) kernel {
      %b = gpu.block_id x
      %d = gpu.block_dim x
      %t = gpu.thread_id x
      %o = arith.muli %b, %d : index
      %i = arith.addi %o, %t : index
      %in = arith.cmpi ult, %i, %n : index
      scf.if %in {
        %v = memref.load %x[%i] : memref<1000xf32>
        %s = llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f" %v : (f32) -> f32
        memref.store %s, %x[%i] : memref<1000xf32>
      }
      gpu.return
    }
  }
  func.func @host(%x: memref<1000xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c256 = arith.constant 256 : index
    %t0 = gpu.wait async
    %d, %t1 = gpu.alloc async [%t0] () : memref<1000xf32>
    %t2 = gpu.memcpy async [%t1] %d, %x : memref<1000xf32>, memref<1000xf32>
    %t3 = gpu.launch_func async [%t2] @k::@sqrt blocks in (%c4, %c1, %c1)
        threads in (%c256, %c1, %c1) args(%d : memref<1000xf32>, %n : index)
    %t4 = gpu.memcpy async [%t3] %x, %d : memref<1000xf32>, memref<1000xf32>
    %t5 = gpu.dealloc async [%t4] %d : memref<1000xf32>
    gpu.wait [%t5]
    return
  }
}

// -----

// A kernel with several blocks keeps them inside the scf.execute_region; the
// y and z ids and sizes map to their own loops and operands.

// CHECK-LABEL: func.func @host2d(
// CHECK:         scf.for %[[BZ:.+]] =
// CHECK:           scf.for %[[BY:.+]] =
// CHECK:             scf.for %[[BX:.+]] =
// CHECK:               scf.for %[[TZ:.+]] =
// CHECK:                 scf.for %[[TY:.+]] =
// CHECK:                   scf.for %[[TX:.+]] =
// CHECK:                     scf.execute_region {
// CHECK:                       arith.addi %[[BY]], %[[TY]]
// CHECK:                       cf.cond_br
// CHECK:                       scf.yield
// CHECK:                       scf.yield
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @twod(%x: memref<4x8xi32>, %c: i1) kernel {
      %by = gpu.block_id y
      %ty = gpu.thread_id y
      %s = arith.addi %by, %ty : index
      %tx = gpu.thread_id x
      cf.cond_br %c, ^store, ^done
    ^store:
      %v = arith.index_cast %s : index to i32
      memref.store %v, %x[%s, %tx] : memref<4x8xi32>
      gpu.return
    ^done:
      gpu.return
    }
  }
  func.func @host2d(%x: memref<4x8xi32>, %c: i1) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c8 = arith.constant 8 : index
    gpu.launch_func @k::@twod blocks in (%c1, %c2, %c1) threads in (%c8, %c2, %c1)
        args(%x : memref<4x8xi32>, %c : i1)
    return
  }
}

// -----

// Threads that talk to each other cannot run one after another.
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @barrier(%x: memref<256xf32>) kernel {
      // expected-error @below {{cannot emulate 'gpu.barrier' in kernel barrier (only independent threads are emulated)}}
      gpu.barrier
      gpu.return
    }
  }
  func.func @host(%x: memref<256xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@barrier blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : memref<256xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @asm(%x: f32) kernel {
      // expected-error @below {{cannot emulate 'llvm.inline_asm' in kernel asm}}
      %r = llvm.inline_asm "ex2.approx.f32 $0, $1;", "=f,f" %x : (f32) -> f32
      gpu.return
    }
  }
  func.func @host(%x: f32) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@asm blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : f32)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @shared(%x: memref<256xf32>) workgroup(%s: memref<256xf32, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
  func.func @host(%x: memref<256xf32>) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{cannot emulate kernel shared: it has memory attributions}}
    gpu.launch_func @k::@shared blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : memref<256xf32>)
    return
  }
}

// -----

func.func @host(%x: memref<256xf32>, %v: f32) {
  // expected-error @below {{cannot emulate 'gpu.memset' on the host}}
  gpu.memset %x, %v : memref<256xf32>, f32
  return
}

// -----

// Matrix products call the runtime's host version of cuBLAS.
// CHECK-LABEL: func.func private @sto_emulated_sgemm(i32)
// CHECK-NOT:   sto_cuda_compiled_sgemm
// CHECK-LABEL: func.func @sgemm(
// CHECK:         call @sto_emulated_sgemm
func.func private @sto_cuda_compiled_sgemm(i32)
func.func @sgemm(%f: i32) {
  func.call @sto_cuda_compiled_sgemm(%f) : (i32) -> ()
  return
}

// -----

// Nothing else of the CUDA runtime has a host version.
func.func private @sto_cuda_set_stream(i32)
func.func @host(%f: i32) {
  // expected-error @below {{cannot emulate a call of sto_cuda_set_stream (the CUDA runtime) on the host}}
  func.call @sto_cuda_set_stream(%f) : (i32) -> ()
  return
}

// RUN: sto-opt %s --sto-prepare-gpu-kernels -split-input-file | FileCheck %s

// On every gpu.func kernel: constant loops of at most four trips (the lanes
// of a Philox block) are unrolled, memref arguments in use are declared
// 16-byte aligned, and f32/f64 math.sqrt becomes PTX's correctly rounded
// sqrt.rn in inline assembly. Other functions are not touched.

// CHECK-LABEL: gpu.func @lanes(
// CHECK-SAME:    %[[N:[^:]+]]: index, %[[X:[^:]+]]: memref<256x4xf32>, %[[Y:[^:]+]]: memref<256x4xf32>, %[[U:[^:]+]]: memref<4xf32>) kernel
// CHECK-NEXT:    %[[AX:.+]] = memref.assume_alignment %[[X]], 16 : memref<256x4xf32>
// CHECK-NEXT:    %[[AY:.+]] = memref.assume_alignment %[[Y]], 16 : memref<256x4xf32>
// CHECK-NOT:     memref.assume_alignment
// CHECK-NOT:     scf.for
// CHECK:         %[[B:.+]] = gpu.block_id x
// CHECK:         %[[V0:.+]] = memref.load %[[AX]][%[[B]], %{{.+}}] : memref<256x4xf32>
// CHECK-NEXT:    %[[S0:.+]] = llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f" %[[V0]] : (f32) -> f32
// CHECK-NEXT:    memref.store %[[S0]], %[[AY]][%[[B]], %{{.+}}] : memref<256x4xf32>
// CHECK-COUNT-3: llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f"
// CHECK-NOT:     math.sqrt
// CHECK-NOT:     scf.for
// CHECK-NOT:     llvm.inline_asm
// CHECK:         gpu.return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @lanes(%n: index, %x: memref<256x4xf32>, %y: memref<256x4xf32>, %unused: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %b = gpu.block_id x
      scf.for %l = %c0 to %c4 step %c1 {
        %v = memref.load %x[%b, %l] : memref<256x4xf32>
        %s = math.sqrt %v : f32
        memref.store %s, %y[%b, %l] : memref<256x4xf32>
      }
      gpu.return
    }
  }
}

// -----

// Only loops of at most four constant trips are unrolled: 8 and 5 trips and
// a dynamic bound stay loops; 0 to 8 step 2 (four trips) is unrolled, at
// the indices 0, 2, 4, 6.

// CHECK-LABEL: gpu.func @which_loops(
// CHECK-SAME:    %[[N:[^:]+]]: index, %[[X:[^:]+]]: memref<?xf32>) kernel
// CHECK-NEXT:    %[[AX:.+]] = memref.assume_alignment %[[X]], 16 : memref<?xf32>
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG:     %[[C5:.+]] = arith.constant 5 : index
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CHECK:         scf.for %{{.+}} = %[[C0]] to %[[C8]] step %[[C1]] {
// CHECK:         scf.for %{{.+}} = %[[C0]] to %[[C5]] step %[[C1]] {
// CHECK:         scf.for %{{.+}} = %[[C0]] to %[[N]] step %[[C1]] {
// CHECK-NOT:     scf.for
// CHECK:         memref.store %{{.+}}, %[[AX]][%[[C0]]]
// CHECK:         %[[M1:.+]] = arith.muli %[[C2]], %{{.+}} : index
// CHECK-NEXT:    %[[I1:.+]] = arith.addi %[[C0]], %[[M1]] : index
// CHECK-NEXT:    memref.store %{{.+}}, %[[AX]][%[[I1]]]
// CHECK:         %[[M2:.+]] = arith.muli %[[C2]], %{{.+}} : index
// CHECK-NEXT:    %[[I2:.+]] = arith.addi %[[C0]], %[[M2]] : index
// CHECK-NEXT:    memref.store %{{.+}}, %[[AX]][%[[I2]]]
// CHECK:         %[[M3:.+]] = arith.muli %[[C2]], %{{.+}} : index
// CHECK-NEXT:    %[[I3:.+]] = arith.addi %[[C0]], %[[M3]] : index
// CHECK-NEXT:    memref.store %{{.+}}, %[[AX]][%[[I3]]]
// CHECK-NEXT:    gpu.return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @which_loops(%n: index, %x: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c5 = arith.constant 5 : index
      %c8 = arith.constant 8 : index
      %cst = arith.constant 0.0 : f32
      scf.for %i = %c0 to %c8 step %c1 {
        memref.store %cst, %x[%i] : memref<?xf32>
      }
      scf.for %i = %c0 to %c5 step %c1 {
        memref.store %cst, %x[%i] : memref<?xf32>
      }
      scf.for %i = %c0 to %n step %c1 {
        memref.store %cst, %x[%i] : memref<?xf32>
      }
      scf.for %i = %c0 to %c8 step %c2 {
        memref.store %cst, %x[%i] : memref<?xf32>
      }
      gpu.return
    }
  }
}

// -----

// sqrt: f32 and f64 get sqrt.rn with their register constraints; f16 and
// vectors are left to the NVVM lowering.

// CHECK-LABEL: gpu.func @sqrt_types(
// CHECK-SAME:    %[[A:[^:]+]]: f32, %[[B:[^:]+]]: f64, %[[C:[^:]+]]: f16, %[[D:[^:]+]]: vector<4xf32>
// CHECK:         %[[SA:.+]] = llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f" %[[A]] : (f32) -> f32
// CHECK-NEXT:    %[[SB:.+]] = llvm.inline_asm "sqrt.rn.f64 $0, $1;", "=d,d" %[[B]] : (f64) -> f64
// CHECK-NEXT:    math.sqrt %[[C]] : f16
// CHECK-NEXT:    math.sqrt %[[D]] : vector<4xf32>
// CHECK-NEXT:    %[[E:.+]] = arith.extf %[[SA]] : f32 to f64
// CHECK-NEXT:    arith.addf %[[E]], %[[SB]] : f64
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @sqrt_types(%a: f32, %b: f64, %c: f16, %d: vector<4xf32>, %o: memref<4xf64>) kernel {
      %c0 = arith.constant 0 : index
      %sa = math.sqrt %a : f32
      %sb = math.sqrt %b : f64
      %sc = math.sqrt %c : f16
      %sd = math.sqrt %d : vector<4xf32>
      %e = arith.extf %sa : f32 to f64
      %f = arith.addf %e, %sb : f64
      memref.store %f, %o[%c0] : memref<4xf64>
      gpu.return
    }
  }
}

// -----

// A device function (no `kernel`) and host code are left alone.

// CHECK-LABEL: gpu.func @device_fn(
// CHECK-NOT:     memref.assume_alignment
// CHECK:         scf.for
// CHECK:         math.sqrt %{{.+}} : f32
// CHECK-LABEL: func.func @host(
// CHECK-NOT:     memref.assume_alignment
// CHECK:         scf.for
// CHECK:         math.sqrt %{{.+}} : f32
// CHECK-NOT:     llvm.inline_asm
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @device_fn(%a: f32, %x: memref<4xf32>) -> f32 {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      scf.for %l = %c0 to %c4 step %c1 {
        memref.store %a, %x[%l] : memref<4xf32>
      }
      %s = math.sqrt %a : f32
      gpu.return %s : f32
    }
  }
  func.func @host(%a: f32, %x: memref<4xf32>) -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    scf.for %l = %c0 to %c4 step %c1 {
      memref.store %a, %x[%l] : memref<4xf32>
    }
    %s = math.sqrt %a : f32
    return %s : f32
  }
}

// RUN: sto-opt %s --sto-prepare-gpu-kernels -split-input-file | FileCheck %s
// RUN: sto-opt %s --sto-prepare-gpu-kernels="interleave=false" -split-input-file | FileCheck %s --check-prefix=NOINT

// On every gpu.func kernel: constant loops of at most four trips (the lanes
// of a Philox block) are unrolled, memref arguments in use are declared
// 16-byte aligned, f32/f64 math.sqrt becomes PTX's correctly rounded
// sqrt.rn in inline assembly, and four accesses of consecutive elements
// become one vector access where that is safe (below). Other functions are
// not touched. Here no launch says what x and y are bound to, so they may
// overlap and the accesses stay scalar.

// CHECK-LABEL: gpu.func @lanes(
// CHECK-SAME:    %[[N:[^:]+]]: index, %[[X:[^:]+]]: memref<256x4xf32>, %[[Y:[^:]+]]: memref<256x4xf32>, %[[U:[^:]+]]: memref<4xf32>) kernel
// CHECK-DAG:     %[[AX:.+]] = memref.assume_alignment %[[X]], 16 : memref<256x4xf32>
// CHECK-DAG:     %[[AY:.+]] = memref.assume_alignment %[[Y]], 16 : memref<256x4xf32>
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
// CHECK-DAG:     %[[AX:.+]] = memref.assume_alignment %[[X]], 16 : memref<?xf32>
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG:     %[[C6:.+]] = arith.constant 6 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG:     %[[C5:.+]] = arith.constant 5 : index
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CHECK:         scf.for %{{.+}} = %[[C0]] to %[[C8]] step %[[C1]] {
// CHECK:         scf.for %{{.+}} = %[[C0]] to %[[C5]] step %[[C1]] {
// CHECK:         scf.for %{{.+}} = %[[C0]] to %[[N]] step %[[C1]] {
// CHECK-NOT:     scf.for
// The unrolled indices are folded to constants.
// CHECK:         memref.store %{{.+}}, %[[AX]][%[[C0]]]
// CHECK-NEXT:    memref.store %{{.+}}, %[[AX]][%[[C2]]]
// CHECK-NEXT:    memref.store %{{.+}}, %[[AX]][%[[C4]]]
// CHECK-NEXT:    memref.store %{{.+}}, %[[AX]][%[[C6]]]
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
    gpu.func @sqrt_types(%a: f32, %b: f64, %c: f16, %d: vector<4xf32>, %o: memref<4xf64>, %h: memref<4xf16>, %v: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %sa = math.sqrt %a : f32
      %sb = math.sqrt %b : f64
      %sc = math.sqrt %c : f16
      %sd = math.sqrt %d : vector<4xf32>
      %e = arith.extf %sa : f32 to f64
      %f = arith.addf %e, %sb : f64
      memref.store %f, %o[%c0] : memref<4xf64>
      memref.store %sc, %h[%c0] : memref<4xf16>
      vector.store %sd, %v[%c0] : memref<4xf32>, vector<4xf32>
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

// -----

// 16-byte accesses. The lanes of a thread read x[b, 0..3] and write
// y[b, 0..3]; the launch binds x and y to two different arguments of an
// entry function (which the C ABI requires not to overlap), so the four
// loads become one aligned vector load where the first was, and the four
// stores one vector store where the last was.

// CHECK-LABEL: gpu.func @merged(
// CHECK-SAME:    %[[X:[^:]+]]: memref<256x4xf32>, %[[Y:[^:]+]]: memref<256x4xf32>
// CHECK-DAG:     %[[AX:.+]] = memref.assume_alignment %[[X]], 16
// CHECK-DAG:     %[[AY:.+]] = memref.assume_alignment %[[Y]], 16
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK:         %[[B:.+]] = gpu.block_id x
// CHECK-NEXT:    %[[V:.+]] = vector.load %[[AX]][%[[B]], %[[C0]]] {alignment = 16 : i64} : memref<256x4xf32>, vector<4xf32>
// CHECK-NEXT:    %[[V0:.+]] = vector.extract %[[V]][0]
// CHECK-NEXT:    %[[S0:.+]] = llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f" %[[V0]]
// CHECK-NEXT:    %[[V1:.+]] = vector.extract %[[V]][1]
// CHECK-NEXT:    %[[S1:.+]] = llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f" %[[V1]]
// CHECK-NEXT:    %[[V2:.+]] = vector.extract %[[V]][2]
// CHECK-NEXT:    %[[S2:.+]] = llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f" %[[V2]]
// CHECK-NEXT:    %[[V3:.+]] = vector.extract %[[V]][3]
// CHECK-NEXT:    %[[S3:.+]] = llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f" %[[V3]]
// CHECK-NEXT:    %[[W:.+]] = vector.from_elements %[[S0]], %[[S1]], %[[S2]], %[[S3]] : vector<4xf32>
// CHECK-NEXT:    vector.store %[[W]], %[[AY]][%[[B]], %[[C0]]] {alignment = 16 : i64} : memref<256x4xf32>, vector<4xf32>
// CHECK-NOT:     memref.load
// CHECK-NOT:     memref.store
// CHECK:         gpu.return
module attributes {gpu.container_module} {
  func.func @entry(%x: memref<1024xf32>, %y: memref<1024xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %ex = memref.expand_shape %x [[0, 1]] output_shape [256, 4] : memref<1024xf32> into memref<256x4xf32>
    %ey = memref.expand_shape %y [[0, 1]] output_shape [256, 4] : memref<1024xf32> into memref<256x4xf32>
    gpu.launch_func @k::@merged blocks in (%c256, %c1, %c1) threads in (%c1, %c1, %c1) args(%ex : memref<256x4xf32>, %ey : memref<256x4xf32>)
    return
  }
  gpu.module @k {
    gpu.func @merged(%x: memref<256x4xf32>, %y: memref<256x4xf32>) kernel {
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

// The same, but the two buffers may overlap: one launch binds two views of
// one argument, the other two arguments of a function that is also called
// (its caller may pass one buffer twice). The accesses stay scalar.

// CHECK-LABEL: gpu.func @views_of_one_buffer(
// CHECK-NOT:     vector.
// CHECK-COUNT-4: memref.load
// CHECK-LABEL: gpu.func @called_function(
// CHECK-NOT:     vector.
// CHECK-COUNT-4: memref.store
module attributes {gpu.container_module} {
  func.func @one_buffer(%x: memref<2048xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %lo = memref.subview %x[0] [1024] [1] : memref<2048xf32> to memref<1024xf32, strided<[1]>>
    %hi = memref.subview %x[1000] [1024] [1] : memref<2048xf32> to memref<1024xf32, strided<[1], offset: 1000>>
    %clo = memref.cast %lo : memref<1024xf32, strided<[1]>> to memref<1024xf32>
    %ehi = memref.alloc() : memref<1024xf32>
    memref.copy %hi, %ehi : memref<1024xf32, strided<[1], offset: 1000>> to memref<1024xf32>
    %ex = memref.expand_shape %clo [[0, 1]] output_shape [256, 4] : memref<1024xf32> into memref<256x4xf32>
    %ey = memref.expand_shape %x [[0, 1]] output_shape [512, 4] : memref<2048xf32> into memref<512x4xf32>
    gpu.launch_func @k::@views_of_one_buffer blocks in (%c256, %c1, %c1) threads in (%c1, %c1, %c1) args(%ex : memref<256x4xf32>, %ey : memref<512x4xf32>)
    return
  }
  func.func @called(%x: memref<256x4xf32>, %y: memref<256x4xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    gpu.launch_func @k::@called_function blocks in (%c256, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<256x4xf32>, %y : memref<256x4xf32>)
    return
  }
  func.func @caller(%x: memref<256x4xf32>) {
    func.call @called(%x, %x) : (memref<256x4xf32>, memref<256x4xf32>) -> ()
    return
  }
  gpu.module @k {
    gpu.func @views_of_one_buffer(%x: memref<256x4xf32>, %y: memref<512x4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %b = gpu.block_id x
      scf.for %l = %c0 to %c4 step %c1 {
        %v = memref.load %x[%b, %l] : memref<256x4xf32>
        memref.store %v, %y[%b, %l] : memref<512x4xf32>
      }
      gpu.return
    }
    gpu.func @called_function(%x: memref<256x4xf32>, %y: memref<256x4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %b = gpu.block_id x
      scf.for %l = %c0 to %c4 step %c1 {
        %v = memref.load %x[%b, %l] : memref<256x4xf32>
        memref.store %v, %y[%b, %l] : memref<256x4xf32>
      }
      gpu.return
    }
  }
}

// -----

// One buffer, read and written in place through one view: a lane's store
// does not touch the elements later lanes read, so both sides merge. When a
// lane reads back what an earlier lane wrote, nothing merges. Groups need
// four lanes starting at a multiple of four, in an identity layout whose
// last dimension is a multiple of four: a 6-wide row stays scalar. f16 and
// f64 groups are 8- and 16-byte aligned.

// CHECK-LABEL: gpu.func @in_place(
// CHECK:         vector.load %{{.+}}[%{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<256x4xf32>, vector<4xf32>
// CHECK:         vector.store %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<256x4xf32>, vector<4xf32>
// CHECK-NOT:     memref.load
// CHECK-LABEL: gpu.func @read_back(
// CHECK-NOT:     vector.
// CHECK-COUNT-4: memref.load
// CHECK-NOT:     vector.
// CHECK-LABEL: gpu.func @rows_of_six(
// CHECK-NOT:     vector.
// CHECK-LABEL: gpu.func @halves_and_doubles(
// CHECK:         vector.load %{{.+}} {alignment = 8 : i64} : memref<8x8xf16>, vector<4xf16>
// CHECK:         vector.load %{{.+}} {alignment = 8 : i64} : memref<8x8xf16>, vector<4xf16>
// CHECK:         vector.load %{{.+}} {alignment = 16 : i64} : memref<8x4xf64>, vector<4xf64>
module attributes {gpu.container_module} {
  func.func @entry(%x: memref<256x4xf32>, %r: memref<256x6xf32>, %h: memref<8x8xf16>, %d: memref<8x4xf64>, %o: memref<8x4xf64>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    gpu.launch_func @k::@in_place blocks in (%c256, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<256x4xf32>)
    gpu.launch_func @k::@read_back blocks in (%c256, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<256x4xf32>)
    gpu.launch_func @k::@rows_of_six blocks in (%c256, %c1, %c1) threads in (%c1, %c1, %c1) args(%r : memref<256x6xf32>)
    gpu.launch_func @k::@halves_and_doubles blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%h : memref<8x8xf16>, %d : memref<8x4xf64>, %o : memref<8x4xf64>)
    return
  }
  gpu.module @k {
    gpu.func @in_place(%x: memref<256x4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %b = gpu.block_id x
      scf.for %l = %c0 to %c4 step %c1 {
        %v = memref.load %x[%b, %l] : memref<256x4xf32>
        %n = arith.negf %v : f32
        memref.store %n, %x[%b, %l] : memref<256x4xf32>
      }
      gpu.return
    }
    gpu.func @read_back(%x: memref<256x4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      %b = gpu.block_id x
      // Lane l writes lane l+1 before lane l+1 reads it.
      %v0 = memref.load %x[%b, %c0] : memref<256x4xf32>
      memref.store %v0, %x[%b, %c1] : memref<256x4xf32>
      %v1 = memref.load %x[%b, %c1] : memref<256x4xf32>
      memref.store %v1, %x[%b, %c2] : memref<256x4xf32>
      %v2 = memref.load %x[%b, %c2] : memref<256x4xf32>
      memref.store %v2, %x[%b, %c3] : memref<256x4xf32>
      %v3 = memref.load %x[%b, %c3] : memref<256x4xf32>
      memref.store %v3, %x[%b, %c0] : memref<256x4xf32>
      gpu.return
    }
    gpu.func @rows_of_six(%r: memref<256x6xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %b = gpu.block_id x
      scf.for %l = %c0 to %c4 step %c1 {
        %v = memref.load %r[%b, %l] : memref<256x6xf32>
        %n = arith.negf %v : f32
        memref.store %n, %r[%b, %l] : memref<256x6xf32>
      }
      gpu.return
    }
    gpu.func @halves_and_doubles(%h: memref<8x8xf16>, %d: memref<8x4xf64>, %o: memref<8x4xf64>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %b = gpu.thread_id x
      scf.for %l = %c0 to %c4 step %c1 {
        %l4 = arith.addi %l, %c4 : index
        %lo = memref.load %h[%b, %l] : memref<8x8xf16>
        %hi = memref.load %h[%b, %l4] : memref<8x8xf16>
        %s = arith.addf %lo, %hi : f16
        %e = arith.extf %s : f16 to f64
        %v = memref.load %d[%b, %l] : memref<8x4xf64>
        %w = arith.addf %e, %v : f64
        memref.store %w, %o[%b, %l] : memref<8x4xf64>
      }
      gpu.return
    }
  }
}

// -----

// Lanes of a loop that steps over Philox blocks (a top-k gate reads four
// logits per iteration): the last index is iv + 0..3 with iv a multiple of
// four, so the group is aligned and merges. With a step of 2 it is not.
// (15 trips: too few whole groups of 4 for the chain unrolling below.)

// CHECK-LABEL: gpu.func @stepping(
// CHECK-SAME:    %[[L:[^:]+]]: memref<64x64xf32>, %[[O:[^:]+]]: memref<64xf32>)
// CHECK:         scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK-NEXT:      %[[V:.+]] = vector.load %{{.+}}[%{{.+}}, %[[J]]] {alignment = 16 : i64} : memref<64x64xf32>, vector<4xf32>
// CHECK-NOT:       memref.load
// CHECK:           scf.yield
// CHECK-LABEL: gpu.func @odd_step(
// CHECK-NOT:     vector.load
// CHECK-COUNT-4: memref.load
module attributes {gpu.container_module} {
  func.func @entry(%l: memref<64x64xf32>, %o: memref<64xf32>, %p: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @k::@stepping blocks in (%c64, %c1, %c1) threads in (%c1, %c1, %c1) args(%l : memref<64x64xf32>, %o : memref<64xf32>)
    gpu.launch_func @k::@odd_step blocks in (%c64, %c1, %c1) threads in (%c1, %c1, %c1) args(%l : memref<64x64xf32>, %p : memref<64xf32>)
    return
  }
  gpu.module @k {
    gpu.func @stepping(%l: memref<64x64xf32>, %o: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      %c4 = arith.constant 4 : index
      %c64 = arith.constant 64 : index
      %zero = arith.constant 0.0 : f32
      %b = gpu.block_id x
      %c60 = arith.constant 60 : index
      %s = scf.for %j = %c0 to %c60 step %c4 iter_args(%acc = %zero) -> (f32) {
        %j1 = arith.addi %j, %c1 : index
        %j2 = arith.addi %j, %c2 : index
        %j3 = arith.addi %j, %c3 : index
        %v0 = memref.load %l[%b, %j] : memref<64x64xf32>
        %v1 = memref.load %l[%b, %j1] : memref<64x64xf32>
        %v2 = memref.load %l[%b, %j2] : memref<64x64xf32>
        %v3 = memref.load %l[%b, %j3] : memref<64x64xf32>
        %a0 = arith.addf %acc, %v0 : f32
        %a1 = arith.addf %a0, %v1 : f32
        %a2 = arith.addf %a1, %v2 : f32
        %a3 = arith.addf %a2, %v3 : f32
        scf.yield %a3 : f32
      }
      memref.store %s, %o[%b] : memref<64xf32>
      gpu.return
    }
    gpu.func @odd_step(%l: memref<64x64xf32>, %o: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c3 = arith.constant 3 : index
      %c60 = arith.constant 60 : index
      %zero = arith.constant 0.0 : f32
      %b = gpu.block_id x
      %s = scf.for %j = %c0 to %c60 step %c2 iter_args(%acc = %zero) -> (f32) {
        %j1 = arith.addi %j, %c1 : index
        %j2 = arith.addi %j, %c2 : index
        %j3 = arith.addi %j, %c3 : index
        %v0 = memref.load %l[%b, %j] : memref<64x64xf32>
        %v1 = memref.load %l[%b, %j1] : memref<64x64xf32>
        %v2 = memref.load %l[%b, %j2] : memref<64x64xf32>
        %v3 = memref.load %l[%b, %j3] : memref<64x64xf32>
        %a0 = arith.addf %acc, %v0 : f32
        %a1 = arith.addf %a0, %v1 : f32
        %a2 = arith.addf %a1, %v2 : f32
        %a3 = arith.addf %a2, %v3 : f32
        scf.yield %a3 : f32
      }
      memref.store %s, %o[%b] : memref<64xf32>
      gpu.return
    }
  }
}

// -----

// A reduction chain (a thread's sum over 64 elements, as in dp_aggregate's
// norm lanes): unrolled by 32 with the 32 loads ahead of the 32 adds,
// which keep their order. Launched with few threads (at most 32768: about
// a block per SM), by up to 128, with the block size and one block per SM
// told to ptxas so that it keeps all the loads in flight. A loop that also
// writes memory is left alone.

// CHECK-LABEL: gpu.func @chain(
// CHECK-NOT:     nvvm.minctasm
// CHECK:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c32{{.*}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (f32) {
// CHECK-COUNT-32:  memref.load
// CHECK-NOT:       memref.load
// CHECK:           %[[A0:.+]] = math.fma %{{.+}}, %{{.+}}, %[[ACC]] : f32
// CHECK-NEXT:      math.fma %{{.+}}, %{{.+}}, %[[A0]] : f32
// CHECK-COUNT-30:  math.fma
// CHECK-NEXT:      scf.yield
// CHECK-LABEL: gpu.func @chain_few_threads(
// CHECK-SAME:    nvvm.maxntid = array<i32: 128, 1, 1>, nvvm.minctasm = 1 : i32
// CHECK:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c128
// CHECK-COUNT-128: memref.load
// CHECK-NOT:       memref.load
// CHECK-COUNT-128: math.fma
// CHECK-LABEL: gpu.func @chain_with_store(
// CHECK:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1{{.*}} iter_args
// CHECK-COUNT-1:   memref.load
// CHECK-NOT:       memref.load
module attributes {gpu.container_module} {
  func.func @entry(%g: memref<65536x64xf32>, %o: memref<65536xf32>, %p: memref<64x64xf32>, %q: memref<64xf32>, %h: memref<64x64xf32>, %f: memref<64x1024xf32>) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %c512 = arith.constant 512 : index
    gpu.launch_func @k::@chain blocks in (%c512, %c1, %c1) threads in (%c128, %c1, %c1) args(%g : memref<65536x64xf32>, %o : memref<65536xf32>)
    gpu.launch_func @k::@chain_few_threads blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1) args(%f : memref<64x1024xf32>, %q : memref<64xf32>)
    gpu.launch_func @k::@chain_with_store blocks in (%c64, %c1, %c1) threads in (%c1, %c1, %c1) args(%h : memref<64x64xf32>, %p : memref<64x64xf32>)
    return
  }
  gpu.module @k {
    gpu.func @chain(%g: memref<65536x64xf32>, %o: memref<65536xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %c128 = arith.constant 128 : index
      %zero = arith.constant 0.0 : f32
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %bt = arith.muli %b, %c128 : index
      %r = arith.addi %bt, %t : index
      %s = scf.for %j = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f32) {
        %v = memref.load %g[%r, %j] : memref<65536x64xf32>
        %a = math.fma %v, %v, %acc : f32
        scf.yield %a : f32
      }
      memref.store %s, %o[%r] : memref<65536xf32>
      gpu.return
    }
    gpu.func @chain_few_threads(%g: memref<64x1024xf32>, %o: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c1024 = arith.constant 1024 : index
      %zero = arith.constant 0.0 : f32
      %t = gpu.thread_id x
      %s = scf.for %j = %c0 to %c1024 step %c1 iter_args(%acc = %zero) -> (f32) {
        %v = memref.load %g[%t, %j] : memref<64x1024xf32>
        %a = math.fma %v, %v, %acc : f32
        scf.yield %a : f32
      }
      memref.store %s, %o[%t] : memref<64xf32>
      gpu.return
    }
    gpu.func @chain_with_store(%g: memref<64x64xf32>, %p: memref<64x64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %zero = arith.constant 0.0 : f32
      %b = gpu.block_id x
      %s = scf.for %j = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f32) {
        %v = memref.load %g[%b, %j] : memref<64x64xf32>
        %a = math.fma %v, %v, %acc : f32
        memref.store %a, %p[%b, %j] : memref<64x64xf32>
        scf.yield %a : f32
      }
      gpu.return
    }
  }
}

// -----

// Kernel names become PTX identifiers (letters, digits, '_'): outlining names
// a kernel after its function, and a private function may be called "a-b" or
// "a.b" (the NVPTX printer aborted on the first, ptxas failed on the second).
// The launches follow the new names.

// CHECK-LABEL: gpu.module @"a-b_kernel"
// CHECK:         gpu.func @k_a_b_kernel(
// CHECK:         gpu.func @k_a_b_kernel_1(
// CHECK:         gpu.func @ok_kernel(
// CHECK-LABEL: func.func @launch
// CHECK:         gpu.launch_func @"a-b_kernel"::@k_a_b_kernel blocks
// CHECK:         gpu.launch_func @"a-b_kernel"::@k_a_b_kernel_1 blocks
// CHECK:         gpu.launch_func @"a-b_kernel"::@ok_kernel blocks
module attributes {gpu.container_module} {
  gpu.module @"a-b_kernel" {
    gpu.func @"a-b_kernel"() kernel {
      gpu.return
    }
    gpu.func @"a.b_kernel"() kernel {
      gpu.return
    }
    gpu.func @ok_kernel() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @"a-b_kernel"::@"a-b_kernel" blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @"a-b_kernel"::@"a.b_kernel" blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @"a-b_kernel"::@ok_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}

// -----

// A grid of 2^55 blocks of 256 threads: the thread count saturates (it used
// to overflow int64_t, which UBSan reports) and the kernel is not one of the
// few-thread kernels (no .maxntid).

// CHECK-LABEL: gpu.func @huge(
// CHECK-NOT:     nvvm.maxntid
// CHECK:         gpu.return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @huge(%x: memref<?xf32>) kernel {
      gpu.return
    }
  }
  func.func @launch(%x: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %big = arith.constant 36028797018963968 : index
    gpu.launch_func @k::@huge blocks in (%big, %c1, %c1) threads in (%c256, %c1, %c1)
        args(%x : memref<?xf32>)
    return
  }
}

// -----

// A loop whose bounds span more than int64_t has no constant trip count
// here (computing it overflowed): it is neither unrolled nor an error.
// CHECK-LABEL: gpu.func @wide_bounds(
// CHECK:         scf.for
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @wide_bounds(%x: memref<?xf32>) kernel {
      %lo = arith.constant -9223372036854775807 : index
      %hi = arith.constant 9223372036854775807 : index
      %c1 = arith.constant 1 : index
      %z = arith.constant 0.0 : f32
      %s = scf.for %i = %lo to %hi step %c1 iter_args(%a = %z) -> f32 {
        %v = memref.load %x[%i] : memref<?xf32>
        %n = arith.addf %a, %v : f32
        scf.yield %n : f32
      }
      %c0 = arith.constant 0 : index
      memref.store %s, %x[%c0] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// A kernel that cannot fill the GPU (at most 131072 threads: the MoE gates'
// thread per token) with a loop that carries values through a large body:
// unrolled by 4, the copies' work that does not depend on the carried value
// moved ahead and interleaved (op k of every copy, then op k + 1), the
// carried chain after it in its order. With more threads it is left alone.
// CHECK-LABEL: gpu.func @walk_row(
// CHECK:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c4{{.*}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (f32) {
// CHECK:           memref.load
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      arith.mulf
// CHECK-NEXT:      arith.mulf
// CHECK-COUNT-68:  arith.mulf
// CHECK-NEXT:      %[[M0:.+]] = arith.maximumf %[[ACC]], %{{.+}} : f32
// CHECK-NEXT:      %[[M1:.+]] = arith.maximumf %[[M0]], %{{.+}} : f32
// CHECK-NEXT:      %[[M2:.+]] = arith.maximumf %[[M1]], %{{.+}} : f32
// CHECK-NEXT:      %[[M3:.+]] = arith.maximumf %[[M2]], %{{.+}} : f32
// CHECK-NEXT:      scf.yield %[[M3]]
// Without `interleave` (sto-compile --gpu-interleave=false) the loop stays.
// NOINT-LABEL: gpu.func @walk_row(
// NOINT:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1{{.*}} iter_args
// CHECK-LABEL: gpu.func @walk_row_full_gpu(
// CHECK:         scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1{{.*}} iter_args
module attributes {gpu.container_module} {
  func.func @entry(%x: memref<65536x64xf32>, %o: memref<65536xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %c1024 = arith.constant 1024 : index
    gpu.launch_func @k::@walk_row blocks in (%c256, %c1, %c1) threads in (%c256, %c1, %c1) args(%x : memref<65536x64xf32>, %o : memref<65536xf32>)
    gpu.launch_func @k::@walk_row_full_gpu blocks in (%c1024, %c1, %c1) threads in (%c256, %c1, %c1) args(%x : memref<65536x64xf32>, %o : memref<65536xf32>)
    return
  }
  gpu.module @k {
    gpu.func @walk_row(%x: memref<65536x64xf32>, %o: memref<65536xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %c256 = arith.constant 256 : index
      %z = arith.constant 0.0 : f32
      %b = gpu.block_id x
      %t0 = gpu.thread_id x
      %bb = arith.muli %b, %c256 : index
      %t = arith.addi %bb, %t0 : index
      %s = scf.for %i = %c0 to %c64 step %c1 iter_args(%a = %z) -> f32 {
        %v = memref.load %x[%t, %i] : memref<65536x64xf32>
        %m0 = arith.mulf %v, %v : f32
        %m1 = arith.mulf %m0, %v : f32
        %m2 = arith.mulf %m1, %v : f32
        %m3 = arith.mulf %m2, %v : f32
        %m4 = arith.mulf %m3, %v : f32
        %m5 = arith.mulf %m4, %v : f32
        %m6 = arith.mulf %m5, %v : f32
        %m7 = arith.mulf %m6, %v : f32
        %m8 = arith.mulf %m7, %v : f32
        %m9 = arith.mulf %m8, %v : f32
        %m10 = arith.mulf %m9, %v : f32
        %m11 = arith.mulf %m10, %v : f32
        %m12 = arith.mulf %m11, %v : f32
        %m13 = arith.mulf %m12, %v : f32
        %m14 = arith.mulf %m13, %v : f32
        %m15 = arith.mulf %m14, %v : f32
        %m16 = arith.mulf %m15, %v : f32
        %m17 = arith.mulf %m16, %v : f32
        %n = arith.maximumf %a, %m17 : f32
        scf.yield %n : f32
      }
      memref.store %s, %o[%t] : memref<65536xf32>
      gpu.return
    }
    gpu.func @walk_row_full_gpu(%x: memref<65536x64xf32>, %o: memref<65536xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %c256 = arith.constant 256 : index
      %z = arith.constant 0.0 : f32
      %b = gpu.block_id x
      %t0 = gpu.thread_id x
      %bb = arith.muli %b, %c256 : index
      %t = arith.addi %bb, %t0 : index
      %s = scf.for %i = %c0 to %c64 step %c1 iter_args(%a = %z) -> f32 {
        %v = memref.load %x[%t, %i] : memref<65536x64xf32>
        %m0 = arith.mulf %v, %v : f32
        %m1 = arith.mulf %m0, %v : f32
        %m2 = arith.mulf %m1, %v : f32
        %m3 = arith.mulf %m2, %v : f32
        %m4 = arith.mulf %m3, %v : f32
        %m5 = arith.mulf %m4, %v : f32
        %m6 = arith.mulf %m5, %v : f32
        %m7 = arith.mulf %m6, %v : f32
        %m8 = arith.mulf %m7, %v : f32
        %m9 = arith.mulf %m8, %v : f32
        %m10 = arith.mulf %m9, %v : f32
        %m11 = arith.mulf %m10, %v : f32
        %m12 = arith.mulf %m11, %v : f32
        %m13 = arith.mulf %m12, %v : f32
        %m14 = arith.mulf %m13, %v : f32
        %m15 = arith.mulf %m14, %v : f32
        %m16 = arith.mulf %m15, %v : f32
        %m17 = arith.mulf %m16, %v : f32
        %n = arith.maximumf %a, %m17 : f32
        scf.yield %n : f32
      }
      memref.store %s, %o[%t] : memref<65536xf32>
      gpu.return
    }
  }
}

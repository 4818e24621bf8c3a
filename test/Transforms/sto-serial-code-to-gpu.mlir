// RUN: sto-opt %s --sto-serial-code-to-gpu -split-input-file -verify-diagnostics | FileCheck %s

// A histogram (a loop that is not parallel) left in host code after the GPU
// mapping runs as a kernel of one thread, in order with the kernel before it
// and the copy after it; the host keeps the launch, the copy and the pure
// op that does not depend on device data.

// CHECK-LABEL: func.func @histogram(
// CHECK-SAME:    %[[I:.+]]: memref<37x3xi32>, %[[L:.+]]: memref<8xi32>, %[[O:.+]]: memref<8xi32>)
// CHECK:         gpu.launch blocks
// CHECK:           memref.store %{{.+}}, %[[L]]
// CHECK:         %[[ONE:.+]] = arith.constant 1 : index
// CHECK-NEXT:    gpu.launch blocks(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]]) threads(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]])
// CHECK-NEXT:      scf.for
// CHECK-NEXT:        scf.for
// CHECK:               memref.load %[[I]]
// CHECK:               memref.load %[[L]]
// CHECK:               memref.store %{{.+}}, %[[L]]
// CHECK:           gpu.terminator
// CHECK:         %[[N:.+]] = arith.muli
// CHECK-NEXT:    memref.copy %[[L]], %[[O]]
// CHECK-NEXT:    return %[[N]]
func.func @histogram(%idx: memref<37x3xi32>, %load: memref<8xi32>, %out: memref<8xi32>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c37 = arith.constant 37 : index
  %z = arith.constant 0 : i32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c8, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %z, %load[%bx] : memref<8xi32>
    gpu.terminator
  }
  scf.for %t = %c0 to %c37 step %c1 {
    scf.for %j = %c0 to %c3 step %c1 {
      %e32 = memref.load %idx[%t, %j] : memref<37x3xi32>
      %e = arith.index_cast %e32 : i32 to index
      %n = memref.load %load[%e] : memref<8xi32>
      %one = arith.constant 1 : i32
      %m = arith.addi %n, %one : i32
      memref.store %m, %load[%e] : memref<8xi32>
    }
  }
  %host = arith.muli %c8, %c37 : index
  memref.copy %load, %out : memref<8xi32> to memref<8xi32>
  return %host : index
}

// -----

// A scalar computed from device memory and used on the host comes back
// through a device buffer and a stack slot. The kernel holds the pure ops
// on the loaded values; the host reads the slot.

// CHECK-LABEL: func.func @scalar_result(
// CHECK-SAME:    %[[S:.+]]: memref<i64>, %[[F:.+]]: memref<f32>)
// CHECK:         %[[BUF:.+]] = memref.alloc() : memref<f32>
// CHECK:         gpu.launch
// CHECK:           %[[A:.+]] = memref.load %[[F]][]
// CHECK:           %[[B:.+]] = memref.load %[[S]][]
// CHECK:           %[[M:.+]] = arith.mulf %[[A]]
// CHECK:           %[[Z:.+]] = arith.cmpi eq, %[[B]]
// CHECK:           %[[R:.+]] = arith.select %[[Z]], %{{.+}}, %[[M]] : f32
// CHECK-NEXT:      memref.store %[[R]], %[[BUF]][] : memref<f32>
// CHECK-NEXT:      gpu.terminator
// CHECK:         %[[SLOT:.+]] = memref.alloca() : memref<f32>
// CHECK-NEXT:    memref.copy %[[BUF]], %[[SLOT]]
// CHECK-NEXT:    %[[V:.+]] = memref.load %[[SLOT]][] : memref<f32>
// CHECK-NEXT:    memref.dealloc %[[BUF]]
// CHECK-NEXT:    return %[[V]] : f32
func.func @scalar_result(%sum: memref<i64>, %acc: memref<f32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %c0 = arith.constant 0 : i64
  %a = memref.load %acc[] : memref<f32>
  %b = memref.load %sum[] : memref<i64>
  %m = arith.mulf %a, %two : f32
  %none = arith.cmpi eq, %b, %c0 : i64
  %r = arith.select %none, %zero, %m : f32
  return %r : f32
}

// -----

// Host ops split the device code into kernels, each where its stretch ended:
// the store of a rank-0 result before a call, and the one after it. Device
// code inside an scf.if that also holds a host call gets a kernel there; an
// scf.if made of device code only moves whole.

// CHECK-LABEL: func.func @stretches(
// CHECK:         gpu.launch
// CHECK-NEXT:      memref.store
// CHECK-NEXT:      gpu.terminator
// CHECK:         call @record
// CHECK:         gpu.launch
// CHECK-NEXT:      memref.store
// CHECK-NEXT:      gpu.terminator
// CHECK:         scf.if
// CHECK:           gpu.launch
// CHECK-NEXT:        memref.store
// CHECK-NEXT:        gpu.terminator
// CHECK:           call @record
// CHECK:         }
// CHECK:         gpu.launch
// CHECK-NEXT:      scf.if
// CHECK-NEXT:        memref.store
// CHECK:         return
func.func private @record(i32)
func.func @stretches(%x: memref<f32>, %c: i1) {
  %v = arith.constant 1.0 : f32
  %s = arith.constant 7 : i32
  memref.store %v, %x[] : memref<f32>
  func.call @record(%s) : (i32) -> ()
  memref.store %v, %x[] : memref<f32>
  scf.if %c {
    memref.store %v, %x[] : memref<f32>
    func.call @record(%s) : (i32) -> ()
  }
  scf.if %c {
    memref.store %v, %x[] : memref<f32>
  }
  return
}

// -----

// Only scalars come back: a vector read from device memory and used on the
// host is an error.

func.func @vector_result(%x: memref<8xf32>) -> vector<4xf32> {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{a 'vector<4xf32>' computed from device memory is used on the host; --target=cuda can only bring scalars back}}
  %v = vector.load %x[%c0] : memref<8xf32>, vector<4xf32>
  return %v : vector<4xf32>
}

// -----

// A view whose size was read from device memory (the reinterpret_cast of a
// tensor.reshape to a run-time shape) stays on the host, which makes
// descriptors: the size comes back from a one-thread kernel, and the load
// through the view runs in a second one after it.
// CHECK-LABEL: func.func @view_of_device_size(
// CHECK-SAME:    %[[X:.+]]: memref<?x8xf32>, %[[S:.+]]: memref<1xindex>, %[[O:.+]]: memref<f32>)
// CHECK:         gpu.launch
// CHECK:           %[[N:.+]] = memref.load %[[S]]
// CHECK:           memref.store %[[N]], %[[BUF:.+]][]
// CHECK:         memref.copy %[[BUF]], %[[SLOT:.+]] :
// CHECK:         %[[HN:.+]] = memref.load %[[SLOT]][]
// CHECK:         %[[V:.+]] = memref.reinterpret_cast %[[X]] to offset: [0], sizes: [%[[HN]]], strides: [1]
// CHECK:         gpu.launch
// CHECK:           memref.load %[[V]]
// CHECK:           memref.store %{{.+}}, %[[O]][]
func.func @view_of_device_size(%x: memref<?x8xf32>, %s: memref<1xindex>, %o: memref<f32>) {
  %c0 = arith.constant 0 : index
  %n = memref.load %s[%c0] : memref<1xindex>
  %v = memref.reinterpret_cast %x to offset: [0], sizes: [%n], strides: [1] : memref<?x8xf32> to memref<?xf32>
  %e = memref.load %v[%c0] : memref<?xf32>
  memref.store %e, %o[] : memref<f32>
  return
}

// A stack slot is host memory (a status cell read back after a kernel, a
// scalar brought back by this pass): its store and load stay on the host,
// around the copies; only the device buffer's update becomes a kernel.
// CHECK-LABEL: func.func @stack_slot(
// CHECK-SAME:    %[[CELL:.+]]: memref<i32>) -> i32
// CHECK:         %[[SLOT:.+]] = memref.alloca() : memref<i32>
// CHECK-NEXT:    memref.store %{{.+}}, %[[SLOT]][]
// CHECK-NEXT:    memref.copy %[[SLOT]], %[[CELL]]
// CHECK:         gpu.launch
// CHECK:           memref.atomic_rmw maxs %{{.+}}, %[[CELL]][]
// CHECK:           gpu.terminator
// CHECK:         memref.copy %[[CELL]], %[[SLOT]]
// CHECK-NEXT:    %[[GOT:.+]] = memref.load %[[SLOT]][]
// CHECK-NEXT:    return %[[GOT]]
func.func @stack_slot(%cell: memref<i32>) -> i32 {
  %zero = arith.constant 0 : i32
  %two = arith.constant 2 : i32
  %slot = memref.alloca() : memref<i32>
  memref.store %zero, %slot[] : memref<i32>
  memref.copy %slot, %cell : memref<i32> to memref<i32>
  %old = memref.atomic_rmw maxs %two, %cell[] : (i32, memref<i32>) -> i32
  memref.copy %cell, %slot : memref<i32> to memref<i32>
  %got = memref.load %slot[] : memref<i32>
  return %got : i32
}

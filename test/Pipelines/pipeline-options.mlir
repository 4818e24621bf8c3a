// Invalid option values of the sto pipelines are errors (exit status 1),
// not silently ignored or reported without failing.

// RUN: not sto-opt %s --sto-cpu-pipeline=moe-scans=bogus 2>&1 | FileCheck %s --check-prefix=SCANS
// RUN: not sto-opt %s --sto-cuda-pipeline=dp-form=rows 2>&1 | FileCheck %s --check-prefix=DP
// RUN: not sto-opt %s --sto-cuda-pipeline=gpu-format=bogus 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not sto-opt %s --sto-cuda-pipeline=threads-per-block=0 2>&1 | FileCheck %s --check-prefix=TPB0
// RUN: not sto-opt %s --sto-cuda-pipeline=threads-per-block=2048 2>&1 | FileCheck %s --check-prefix=TPB
// RUN: not sto-opt %s --sto-cuda-pipeline=chip= 2>&1 | FileCheck %s --check-prefix=NOCHIP
// RUN: not sto-opt %s --sto-cuda-pipeline=chip=sm_90x 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not sto-opt %s --sto-cuda-pipeline=ptx-features=ptx80 2>&1 | FileCheck %s --check-prefix=PTX
// RUN: not sto-opt %s '--sto-cuda-pipeline=chip=sm_100 ptx-features=+ptx80' 2>&1 | FileCheck %s --check-prefix=OLDPTX
// Valid values, and the defaults, pass.
// RUN: sto-opt %s '--sto-cpu-pipeline=moe-scans=parallel dp-form=flat' -o /dev/null
// RUN: sto-opt %s --sto-cpu-pipeline -o /dev/null

// SCANS: pipeline-options.mlir:0:0: error: sto-cpu-pipeline: moe-scans must be sequential or parallel, not 'bogus'
// SCANS-NOT: see current operation
// DP: error: sto-cuda-pipeline: dp-form must be grouped or flat, not 'rows'
// FORMAT: error: sto-cuda-pipeline: gpu-format must be fatbin or bin or isa, not 'bogus'
// TPB0: error: sto-cuda-pipeline: threads-per-block must be in [1, 1024] (a CUDA block), not 0
// TPB: error: sto-cuda-pipeline: threads-per-block must be in [1, 1024] (a CUDA block), not 2048
// An empty chip crashed in NVVM's target verifier; an unknown chip or
// feature was only warned about.
// NOCHIP: error: sto-cuda-pipeline: chip must be an NVPTX GPU architecture (e.g. sm_90a), not ''
// CHIP: error: sto-cuda-pipeline: chip must be an NVPTX GPU architecture (e.g. sm_90a), not 'sm_90x'
// PTX: error: sto-cuda-pipeline: ptx-features must be NVPTX features with + or - (e.g. +ptx80), not 'ptx80'
// OLDPTX: error: sto-cuda-pipeline: ptx-features must give PTX 8.6 or later for sm_100 (+ptx86), not +ptx80

func.func @f(%s: i64, %x: tensor<64xf32>) -> tensor<64xf32> {
  %k = sto.seed %s : i64
  %y = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<64xf32>
  return %y : tensor<64xf32>
}

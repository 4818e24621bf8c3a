# -*- Python -*-
# lit configuration of the sto test suite.

import os
import platform
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "STO"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "README.md", "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sto_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%sto_src_root", config.sto_src_root))
# The MLIR runtime libraries (mlir-runner's -shared-libs) and libomp live in
# the LLVM library folder of Debian's packages.
mlir_lib_dir = config.mlir_lib_dir or config.llvm_lib_dir
config.substitutions.append(("%mlir_lib_dir", mlir_lib_dir))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.sto_tools_dir, append_path=True)

tool_dirs = [config.sto_tools_dir, config.llvm_tools_dir]
tools = ["sto-opt", "sto-compile", "sto-lsp-server", "mlir-runner", "mlir-tblgen"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Integration tests (test/Integration) compile a C++ driver that includes the
# header sto-compile generates and the reference sto/Runtime/Philox.h, link it
# with the compiled object and run it. The reference must not be contracted.
clangxx = os.path.join(config.llvm_tools_dir, "clang++")
config.substitutions.append(("%clangxx", clangxx))
config.substitutions.append(
    ("%sto_driver_flags",
     "-std=c++17 -O1 -ffp-contract=off -Wall -Werror=return-type "
     "-I{0}/include -I{0}/test/Integration/CPU/Inputs".format(
         config.sto_src_root)))
libomp = os.path.join(config.llvm_lib_dir, "libomp.so")
config.substitutions.append(
    ("%sto_runtime_link",
     "{0} {1} -lm -Wl,-rpath,{2}".format(
         os.path.join(config.sto_obj_root, "lib", "libsto_runtime.a"), libomp,
         config.llvm_lib_dir)))
if os.path.exists(clangxx) and os.path.exists(libomp):
    config.available_features.add("sto-cpu-integration")
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64")

# GPU tests run only where a CUDA driver and a device exist.
if shutil.which("nvidia-smi") and os.system("nvidia-smi -L >/dev/null 2>&1") == 0:
    config.available_features.add("cuda")

if config.sto_sanitizers:
    config.available_features.add("sanitizers")
    # allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons a new slab
    # when it is started from our (instrumented) inline code, e.g. a sto
    # attribute's storage in the context's allocator, and only instrumented
    # code unpoisons what it allocates from it; libMLIR is not instrumented,
    # so its later allocations in that slab read as use-after-poison (seen
    # in FileLineColRange::get while parsing). Compiler-instrumented checks
    # (overflows, use after free or scope) stay on.
    config.environment["ASAN_OPTIONS"] = "detect_leaks=1:allow_user_poisoning=0"

# The example tests (test/Integration/Examples) compile a model of examples/
# with sto-compile and link it into the C driver examples/drivers/<name>.c.
clang_c = os.path.join(config.llvm_tools_dir, "clang")
config.substitutions.append(
    ("%sto_example_cc",
     "{0} -std=c11 -O2 -Wall -Wextra -Werror -I{1}/examples/drivers "
     "-I{1}/include".format(clang_c, config.sto_src_root)))
if os.path.exists(clang_c) and os.path.exists(libomp):
    config.available_features.add("sto-example-drivers")

# CUDA toolkit (ptxas, fatbinary) for the fatbin tests; PTX-only tests need
# nothing but LLVM's NVPTX backend.
cuda_root = os.environ.get("CUDA_ROOT", "/usr/local/cuda")
if os.path.exists(os.path.join(cuda_root, "bin", "ptxas")):
    config.available_features.add("ptxas")
    config.environment["CUDA_ROOT"] = cuda_root

# The fake CUDA driver and cuBLAS (tools/fake-cuda, test helpers that run
# on the host): with STO_CUDA_DRIVER and STO_CUBLAS naming them, the CUDA
# runtime's GPU paths run without a GPU (test/GPU/fake-driver*.test).
fake_cuda = os.path.join(config.sto_obj_root, "lib", "libsto_fake_cuda.so")
fake_cublas = os.path.join(config.sto_obj_root, "lib", "libsto_fake_cublas.so")
config.substitutions.append(("%fake_cuda_driver", fake_cuda))
config.substitutions.append(("%fake_cublas", fake_cublas))
config.substitutions.append(("%sto_unittests_dir", config.sto_unittests_dir))
if os.path.exists(fake_cuda) and os.path.exists(fake_cublas):
    config.available_features.add("fake-cuda")
if os.path.exists(os.path.join(config.sto_unittests_dir,
                               "StoCudaRuntimeTests")):
    config.available_features.add("sto-cuda-unittests")

# A sanitizer build's libsto_runtime.a needs the sanitizer runtimes at link.
if config.sto_sanitizers:
    config.substitutions = [
        (k, v + " -fsanitize=address,undefined") if k == "%sto_runtime_link"
        else (k, v) for (k, v) in config.substitutions]

# The generated-docs check runs mlir-tblgen on the dialect's TableGen.
config.substitutions.append(("%mlir_include_dir", config.mlir_include_dir))

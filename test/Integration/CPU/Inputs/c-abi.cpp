//===- c-abi.cpp - driver of c-abi.mlir
//------------------------------------===//
//
// The status codes of the C ABI (sto-c/Runtime.h): 0 on success, 1 for a NULL
// tensor or result pointer, 2 for a negative dynamic size, NULL checked
// first; a failed call writes nothing. Also the results of a successful call
// (tensors, dynamic sizes, a key through a pointer) and the runtime's
// messages.
//
//===----------------------------------------------------------------------===//

#include "c-abi.h"

#include "check.h"
#include "sto-c/Runtime.h"

using namespace check;
namespace rng = sto::rng;

namespace {

struct Call {
  uint64_t key = keyBits(rng::seed(5));
  std::vector<float> x = makeInputs<float>(6 * 4, 61);
  std::vector<double> y = makeInputs<double>(3, 62);
  Buffer<float> r0 = output<float>(6 * 4);
  Buffer<double> r1 = output<double>(9);
  uint64_t r2 = 0x7F7F7F7F7F7F7F7Full;
  const float *xp = x.data();
  const double *yp = y.data();
  float *r0p = r0.data();
  double *r1p = r1.data();
  uint64_t *r2p = &r2;
  int64_t xDim = 6, n = 9, r0Dim = 6, r1Dim = 9;

  int32_t run() {
    return abi(key, xp, xDim, yp, n, r0p, r0Dim, r1p, r1Dim, r2p);
  }
  /// Nothing was written.
  bool untouched() {
    for (float v : r0)
      if (rawBits(v) != 0x7F7F7F7Fu)
        return false;
    for (double v : r1)
      if (rawBits(v) != 0x7F7F7F7F7F7F7F7Full)
        return false;
    return r2 == 0x7F7F7F7F7F7F7F7Full;
  }
};

} // namespace

int main() {
  Checker c;
  {
    Call call;
    c.status("all valid", call.run(), STO_OK);
    Key k = keyFromBits(call.key);
    Key a = rng::split(k, 3, 0), b = rng::split(k, 3, 1),
        kc = rng::split(k, 3, 2);
    c.elements("dropout f32 [?x4] n=6", call.r0.data(), 24, [&](size_t i) {
      return rng::dropout<float>(a, i, call.x[i], 0.5);
    });
    c.elements("uniform f64 [?] n=9", call.r1.data(), 9,
               [&](size_t i) { return rng::uniform<double>(b, i, 0, 1); });
    c.elements("fold_in key result", &call.r2, 1,
               [&](size_t) { return keyBits(rng::foldIn(kc, 9)); });
  }
  {
    Call call;
    call.xDim = 0;
    call.r0Dim = 0;
    c.status("empty tensors (size 0)", call.run(), STO_OK);
  }
  auto expectError = [&](const char *what, Call &call, int32_t want) {
    c.status(what, call.run(), want);
    c.expect((std::string(what) + ": nothing written").c_str(),
             call.untouched());
    // The call's own failure, not an earlier call's message (the entry
    // point's NULL and size checks returned without recording theirs).
    c.expect((std::string(what) + ": its message").c_str(),
             std::string(sto_last_error_message()) == sto_status_message(want));
  };
  {
    Call call;
    call.xp = nullptr;
    expectError("NULL tensor argument", call, STO_ERROR_NULL_POINTER);
  }
  {
    Call call;
    call.yp = nullptr;
    expectError("NULL static tensor argument", call, STO_ERROR_NULL_POINTER);
  }
  {
    Call call;
    call.r0p = nullptr;
    expectError("NULL tensor result", call, STO_ERROR_NULL_POINTER);
  }
  {
    Call call;
    call.r2p = nullptr;
    expectError("NULL scalar result", call, STO_ERROR_NULL_POINTER);
  }
  {
    Call call;
    call.xDim = -1;
    expectError("negative argument size", call, STO_ERROR_NEGATIVE_SIZE);
  }
  {
    Call call;
    call.r1Dim = INT64_MIN;
    expectError("negative result size", call, STO_ERROR_NEGATIVE_SIZE);
  }
  {
    Call call;
    call.r0Dim = -3;
    call.r1p = nullptr;
    expectError("NULL and negative size", call, STO_ERROR_NULL_POINTER);
  }
  {
    auto out = output<float>(2);
    c.status("no arguments", no_args(out.data()), STO_OK);
    c.elements("uniform f32 [2] seed 42", out.data(), 2, [&](size_t i) {
      return rng::uniform<float>(rng::seed(42), i, 0, 1);
    });
    c.status("no arguments, NULL result", no_args(nullptr),
             STO_ERROR_NULL_POINTER);
  }
  {
    const Key k = rng::seed(-99);
    auto x = makeInputs<float>(50, 63);
    auto y = output<float>(50);
    c.status("private helper with a dynamic result",
             through_helper(keyBits(k), x.data(), 50, y.data(), 50), STO_OK);
    c.elements("dropout f32 [?] n=50 of a helper's result", y.data(), 50,
               [&](size_t i) {
                 return rng::dropout<float>(k, i, rng::fadd(x[i], x[i]), 0.5);
               });
  }
  {
    const Key k = rng::seed(5);
    auto x = makeInputs<float>(7, 64);
    auto y0 = output<float>(7), y1 = output<float>(7), y2 = output<float>(7);
    c.status("one value returned twice",
             thrice(keyBits(k), x.data(), 7, y0.data(), 7, y1.data(), 7,
                    y2.data(), 7),
             STO_OK);
    auto ref = [&](size_t i) { return rng::dropout<float>(k, i, x[i], 0.5); };
    c.elements("returned twice, first", y0.data(), 7, ref);
    c.elements("returned twice, second", y1.data(), 7, ref);
    c.elements("returned twice, third", y2.data(), 7, ref);
  }
  for (int32_t s : {STO_OK, STO_ERROR_NULL_POINTER, STO_ERROR_NEGATIVE_SIZE})
    std::printf("message %d: %s\n", int(s), sto_status_message(s));
  return c.finish();
}

//===- RandomEmitter.h - Philox and samplers as arith ops -------*- C++ -*-===//
//
// Emits the randomness contract of docs/Randomness.md as plain arith ops, so
// that every target computes the same bits: Philox4x32-10, key derivation,
// the element-to-(block, lane) mapping and the samplers. The C++ reference
// in include/sto/Runtime/Philox.h is the independent implementation the
// tests compare against.
//
//===----------------------------------------------------------------------===//

#ifndef STO_LIB_CONVERSION_STOTOLINALG_RANDOMEMITTER_H
#define STO_LIB_CONVERSION_STOTOLINALG_RANDOMEMITTER_H

#include "mlir/IR/Builders.h"

#include <array>

namespace mlir {
namespace sto {

/// Counter word 3 of the Philox blocks that derive keys. Samplers always use
/// counter words 2 and 3 equal to 0, so derived keys never equal samples.
constexpr uint32_t kSplitTag = 0x53504C54;  // "SPLT"
constexpr uint32_t kFoldInTag = 0x464F4C44; // "FOLD"

/// Where an element sits in the stream: Philox block (i64) and lane (i32,
/// 0..3). Element i is block i / 4, lane i mod 4; loops that iterate blocks
/// and lanes separately pass them directly, so the Philox call of a block is
/// loop-invariant in the lane loop and computed once for four elements.
struct ElementIndex {
  Value block;
  Value lane;
};

class RandomEmitter {
public:
  RandomEmitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// Compute Philox on words held in i64 (faster on CPUs whose vector
  /// multiply is 32x32->64 per 64-bit lane) instead of arith.mului_extended
  /// on i32 (one mul.wide.u32 on NVIDIA GPUs). The bits are the same.
  /// Set for the duration of one convert-sto-to-linalg run (`wide-philox`)
  /// by a WidePhiloxScope on the thread that runs the patterns.
  static inline thread_local bool wideWords = false;

  Value i32(uint32_t v);
  Value i64(int64_t v);
  Value f32(float v);

  /// The two 32-bit words of a key held as i64 (word 0 = low half).
  std::array<Value, 2> keyWords(Value key);
  /// Packs two i32 words into an i64 key.
  Value packKey(Value w0, Value w1);

  /// Philox4x32-10 of a counter block under a key (all values i32).
  std::array<Value, 4> philox(std::array<Value, 4> counter,
                              std::array<Value, 2> key);

  /// Child `index` of `sto.split` (index < count, count >= 2).
  Value splitKey(Value key, uint64_t index);
  /// Child of `sto.fold_in` for an i64 datum.
  Value foldInKey(Value key, Value data);

  /// Splits a row-major linear index (i64) into block i / 4, lane i mod 4.
  ElementIndex fromLinear(Value linearIndex);
  /// The Philox block of an element.
  std::array<Value, 4> elementBlock(ElementIndex index,
                                    std::array<Value, 2> key);
  /// The random word of an element: its lane of its block.
  Value elementBits(ElementIndex index, std::array<Value, 2> key);
  Value elementBits(Value linearIndex, std::array<Value, 2> key) {
    return elementBits(fromLinear(linearIndex), key);
  }

  /// U[0, 1) in f32 from a 32-bit word: (r >> 8) * 2^-24.
  Value uniformF32(Value bits);
  /// (0, 1] in f32: ((r >> 8) + 1) * 2^-24 (Box-Muller's u1).
  Value uniformOCF32(Value bits);
  /// (0, 1) in f32: ((r >> 8) | 1) * 2^-24 (Gumbel's u).
  Value uniformOOF32(Value bits);
  /// U[0, 1) in f64: r * 2^-32.
  Value uniformF64(Value bits);
  /// U[0, 1) in the compute type `c` (f32 or f64).
  Value uniform01(Type c, Value bits);

  /// fma in the type of its operands (math.fma, one rounding).
  Value fma(Value a, Value b, Value c);
  /// Natural log of a positive normal f32, from +, *, fma and bit ops only.
  Value logF32(Value x);
  /// sin and cos of 2*pi*n*2^-24 for the i32 `n` in [0, 2^24).
  std::array<Value, 2> sinCos2PiU24(Value n);
  /// The standard normal (f32) of element `linearIndex`: Box-Muller on the
  /// lane pair of its block.
  Value standardNormalF32(ElementIndex index, std::array<Value, 2> key);
  Value standardNormalF32(Value linearIndex, std::array<Value, 2> key) {
    return standardNormalF32(fromLinear(linearIndex), key);
  }
  /// Gumbel(0, 1) in f32 of a 32-bit word: -log(-log(uniformOO)).
  Value gumbelF32(Value bits);

private:
  OpBuilder &b;
  Location loc;
};

/// Selects the Philox word width for the emitters created in its lifetime.
class WidePhiloxScope {
public:
  explicit WidePhiloxScope(bool wide) : saved(RandomEmitter::wideWords) {
    RandomEmitter::wideWords = wide;
  }
  ~WidePhiloxScope() { RandomEmitter::wideWords = saved; }

private:
  bool saved;
};

} // namespace sto
} // namespace mlir

#endif // STO_LIB_CONVERSION_STOTOLINALG_RANDOMEMITTER_H

//===- StatusTest.cpp - status codes and messages of libsto_runtime -------===//
//
// Compiled entry points take the calling thread's status on entry and on
// exit; code inside records failures with sto_record_status or
// sto_record_error. The first failure of a call wins, and its message
// outlives the call.
//
//===----------------------------------------------------------------------===//

#include "sto-c/Runtime.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace {

/// What an entry point does around its body.
int32_t call(void (*body)()) {
  (void)sto_take_status();
  body();
  return sto_take_status();
}

TEST(Status, FirstFailureWins) {
  int32_t st = call([] {
    sto_record_error(STO_ERROR_SHAPE_MISMATCH, "bias is short");
    sto_record_error(STO_ERROR_RUNTIME, "later");
    sto_record_status(STO_ERROR_CUDA);
  });
  EXPECT_EQ(st, STO_ERROR_SHAPE_MISMATCH);
  EXPECT_STREQ(sto_last_error_message(), "bias is short");
  EXPECT_EQ(sto_take_status(), STO_OK);
}

TEST(Status, MessageOutlivesTheCallUntilTheNextFailure) {
  ASSERT_EQ(call([] { sto_record_error(STO_ERROR_SHAPE_MISMATCH, "first"); }),
            STO_ERROR_SHAPE_MISMATCH);
  EXPECT_EQ(call([] {}), STO_OK);
  EXPECT_STREQ(sto_last_error_message(), "first");
  // A failure without a message of its own gives its status's message.
  EXPECT_EQ(call([] { sto_record_status(STO_ERROR_INVALID_ARGUMENT); }),
            STO_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(sto_last_error_message(),
               sto_status_message(STO_ERROR_INVALID_ARGUMENT));
}

TEST(Status, RecordingSuccessChangesNothing) {
  EXPECT_EQ(call([] {
              sto_record_error(STO_OK, "not a failure");
              sto_record_error(STO_ERROR_NULL_POINTER, nullptr);
            }),
            STO_ERROR_NULL_POINTER);
  EXPECT_STREQ(sto_last_error_message(),
               sto_status_message(STO_ERROR_NULL_POINTER));
}

TEST(Status, PerThread) {
  ASSERT_EQ(call([] { sto_record_error(STO_ERROR_SHAPE_MISMATCH, "main"); }),
            STO_ERROR_SHAPE_MISMATCH);
  std::string other;
  int32_t otherStatus = -1;
  std::thread t([&] {
    // A new thread starts clean.
    other = sto_last_error_message();
    otherStatus = call([] {});
  });
  t.join();
  EXPECT_EQ(other, "");
  EXPECT_EQ(otherStatus, STO_OK);
  EXPECT_STREQ(sto_last_error_message(), "main");
}

TEST(Status, ShapeMismatchPointsToTheMessage) {
  EXPECT_NE(std::string(sto_status_message(STO_ERROR_SHAPE_MISMATCH))
                .find("sto_last_error_message"),
            std::string::npos);
}

} // namespace

#pragma once
// Real-time tests on a shared machine: a run can lose a frame to work that is not the player's
// (another guest on the host, another process). until_one_passes() runs a test's body up to
// `tries` times and passes as soon as one run raises no failure; every failed run's failures are
// printed, and the last one's are reported when none passed. A fault of the player's own shows in
// every run and still fails; only a run's bad luck is forgiven, and it is shown. A run that skips
// makes the test skip. Returns whether a run passed (false: the test failed or skipped; a test
// with more to check after it returns).
#include <gtest/gtest.h>
#include <gtest/gtest-spi.h>

#include <cstdio>
#include <functional>

namespace reelsync::testing {

inline bool until_one_passes(int tries, const std::function<void(int run)>& attempt) {
    for (int run = 0; run < tries; ++run) {
        ::testing::TestPartResultArray failures;
        {
            ::testing::ScopedFakeTestPartResultReporter catcher(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                                                                &failures);
            attempt(run);
        }
        int failed = 0;
        for (int i = 0; i < failures.size(); ++i) failed += failures.GetTestPartResult(i).failed();
        // A skip inside a run is the test's skip, never a pass (CI counts skips as failures).
        for (int i = 0; i < failures.size() && failed == 0; ++i)
            if (const ::testing::TestPartResult& r = failures.GetTestPartResult(i); r.skipped()) {
                GTEST_MESSAGE_AT_(r.file_name() ? r.file_name() : "?", r.line_number(), r.message(), ::testing::TestPartResult::kSkip);
                return false;
            }
        if (failed == 0) {
            if (run > 0) std::printf("run %d passed (%d before it did not)\n", run, run);
            return true;
        }
        std::printf("run %d: %d failure%s\n", run, failed, failed == 1 ? "" : "s");
        for (int i = 0; i < failures.size(); ++i) {
            const ::testing::TestPartResult& r = failures.GetTestPartResult(i);
            if (!r.failed()) continue;
            if (run + 1 < tries) std::printf("  %s:%d: %s\n", r.file_name() ? r.file_name() : "?", r.line_number(), r.message());
            else ADD_FAILURE_AT(r.file_name() ? r.file_name() : "?", r.line_number()) << "(run " << run + 1 << " of " << tries << ", none passed) " << r.message();
        }
    }
    return false;
}

}  // namespace reelsync::testing

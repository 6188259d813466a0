#include <gtest/gtest.h>

#include "core/rational.h"
#include "core/timecode.h"

using namespace reelsync;

TEST(Rational, ExactNtscRate) {
    Rational r{24000, 1001};
    EXPECT_NEAR(r.to_double(), 23.976023976, 1e-9);
    EXPECT_EQ(r, (Rational{48000, 2002}));
    EXPECT_EQ((Rational{48000, 2002}).reduced().num, 24000);
    EXPECT_EQ(r.str(), "24000/1001");
}

TEST(Rational, RescaleRoundsToNearest) {
    // Frame 1000 at 24000/1001 fps in a 1/90000 time base.
    EXPECT_EQ(rescale(1000, 1001 * 90000, 24000), 3753750);
    EXPECT_EQ(rescale(1, 1, 3), 0);
    EXPECT_EQ(rescale(2, 1, 3), 1);
    EXPECT_EQ(rescale(-2, 1, 3), -1);
    // No overflow with 64-bit operands.
    EXPECT_EQ(rescale(int64_t{1} << 40, int64_t{1} << 40, int64_t{1} << 50), int64_t{1} << 30);
}

TEST(Timecode, NonDropFrame) {
    EXPECT_EQ(timecode(0, {30, 1}), "00:00:00:00");
    EXPECT_EQ(timecode(29, {30, 1}), "00:00:00:29");
    EXPECT_EQ(timecode(30, {30, 1}), "00:00:01:00");
    EXPECT_EQ(timecode(30 * 3661 + 7, {30, 1}), "01:01:01:07");
    // 23.976 counts 24 frames per timecode second.
    EXPECT_EQ(timecode(24, {24000, 1001}), "00:00:01:00");
    EXPECT_EQ(timecode(23, {24000, 1001}), "00:00:00:23");
    EXPECT_EQ(timecode(25 * 60, {25, 1}), "00:01:00:00");
}

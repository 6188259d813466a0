// EditReader: an edit of shots from clips of different codecs, sizes and rates reads as one
// timeline: every frame in order, each the right picture of the right clip, exact edit times.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "support/media_gen.h"
#include "timeline/edit_reader.h"

using namespace reelsync;
using namespace reelsync::timeline;

namespace {

std::vector<ShotSpec> mixed_edit(size_t n) {
    auto clips = reelsync::testing::mixed_clips();
    std::vector<ShotSpec> shots;
    for (size_t k = 0; k < n; ++k) {
        int64_t in = 3 + static_cast<int64_t>(k % 7) * 5;
        shots.push_back({clips[k % clips.size()], in, in + 9 + static_cast<int64_t>(k % 4) * 3});
    }
    return shots;
}

int64_t picture_index(const media::VideoFrame& f) {
    const AVFrame* p = f.picture.get();
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(p->format));
    const int depth = d->comp[0].depth;
    return reelsync::testing::read_index_luma(p->data[0], p->linesize[0], p->width, depth > 8 ? 2 : 1, depth);
}

media::VideoFrame take(EditReader& r) {
    EXPECT_TRUE(r.wait_for_frame(10.0));
    auto f = r.pop();
    EXPECT_TRUE(f);
    return f ? *f : media::VideoFrame{};
}

}  // namespace

TEST(EditReader, EveryFrameOfEveryShotInOrder) {
    auto shots = mixed_edit(10);
    auto r = EditReader::open(shots, {});
    ASSERT_TRUE(r) << r.error().message;
    EditReader& e = **r;
    int64_t total = 0;
    for (const auto& s : shots) total += s.out - s.in + 1;
    ASSERT_EQ(e.info().frame_count(), total);
    double t = 0;
    for (int64_t i = 0; i < total; ++i) {
        media::VideoFrame f = take(e);
        ASSERT_EQ(f.index, i);
        const size_t k = e.shot_at(i);
        ASSERT_EQ(f.shot, static_cast<int32_t>(k));
        ASSERT_EQ(f.source_index, shots[k].in + (i - e.shot_start(k)));
        ASSERT_EQ(picture_index(f), f.source_index) << "edit frame " << i << " (shot " << k << ")";
        // Edit time advances by each shot's own frame duration, exactly.
        ASSERT_NEAR(f.pts, t, 1e-9) << i;
        t += e.shot_info(k).video->frame_rate.inverse().to_double();
    }
    EXPECT_FALSE(e.wait_for_frame(0.5));
    EXPECT_TRUE(e.finished());
}

TEST(EditReader, SeeksAndReversesAcrossCuts) {
    auto shots = mixed_edit(6);
    auto r = EditReader::open(shots, {});
    ASSERT_TRUE(r);
    EditReader& e = **r;
    // Into the middle of shot 3 (ProRes 23.976).
    const int64_t target = e.shot_start(3) + 4;
    e.seek(target, false);
    media::VideoFrame f = take(e);
    EXPECT_EQ(f.index, target);
    EXPECT_EQ(f.shot, 3);
    EXPECT_EQ(picture_index(f), shots[3].in + 4);
    // Backwards from the first frame of shot 2: shot 2's first, then shot 1's last frames.
    e.seek(e.shot_start(2), true);
    for (int64_t i = e.shot_start(2); i > e.shot_start(2) - 5; --i) {
        media::VideoFrame b = take(e);
        ASSERT_EQ(b.index, i);
        ASSERT_EQ(picture_index(b), b.source_index);
    }
    EXPECT_EQ(e.shot_at(e.shot_start(2) - 1), 1u);
}

namespace {
// The names of this process's threads now (/proc/self/task/*/comm).
std::multiset<std::string> thread_names() {
    std::multiset<std::string> names;
    for (const auto& t : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream in(t.path() / "comm");
        std::string name;
        std::getline(in, name);
        names.insert(name);
    }
    return names;
}
}  // namespace

// The shots' readers are opened and closed on the pool the edit is given and on no thread of their
// own: while 16 shots play through, no unnamed thread (one started by the test's own thread
// would carry its name) appears, the one pool thread does the work, and once the edit is closed
// and the pool has run what was queued, no decode thread is left.
TEST(EditReader, OpensAndClosesItsShotsOnTheGivenPoolOnly) {
    std::string own;
    {
        std::ifstream in("/proc/thread-self/comm");
        std::getline(in, own);
    }
    const auto before = thread_names();
    ASSERT_EQ(before.count("rs-decode"), 0u);
    HelperPool pool(1, threads::Priority::helper, "rs-edit-test");
    auto shots = mixed_edit(16);
    media::ClipReader::Options o;
    o.threads = 1;  // one decoder thread per reader: what is counted below is the reader's own
    {
        auto r = EditReader::open(shots, o, &pool);
        ASSERT_TRUE(r) << r.error().message;
        EditReader& e = **r;
        size_t most_readers = 0;
        for (int64_t i = 0; i < e.info().frame_count(); ++i) {
            media::VideoFrame f = take(e);
            ASSERT_EQ(f.index, i);
            ASSERT_EQ(picture_index(f), f.source_index) << "edit frame " << i;
            if (i % 7 == 0) {
                const auto now = thread_names();
                // The test's own thread and whatever ran before; nothing new under its name.
                ASSERT_EQ(now.count(own), before.count(own)) << "a thread was started outside the pool at frame " << i;
                most_readers = std::max(most_readers, now.count("rs-decode"));
            }
        }
        // The shot playing and the next one, the one after being opened and one being closed at
        // most (16 shots were opened in all).
        EXPECT_GE(most_readers, 1u);
        EXPECT_LE(most_readers, 4u);
    }
    pool.submit([] {}).wait();  // runs after everything the edit queued
    // Every shot was opened there and every reader closed there (the last two when the edit went).
    EXPECT_GE(pool.completed(), 2 * shots.size());
    for (int i = 0; i < 100 && thread_names().count("rs-decode") > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(thread_names().count("rs-decode"), 0u) << "a shot's reader was not closed";
}

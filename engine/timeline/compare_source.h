#pragma once
// CompareSource: two to four takes read as one timeline on one clock, for comparing them.
//
// Rule: at every instant each take shows its own frame whose interval holds that instant (its
// offset taken off), whatever its rate, size or length. The compare's frame table is the union of
// every take's frame boundaries (and ends), in a time base where each is an integer, so a present
// happens whenever any take's frame changes and the player needs nothing new: it plays a compare
// as it plays a clip. Each frame carries every take's frame (`VideoFrame::views`); a take that has
// not started or has ended at that instant has none (index -1).
//
// Takes are timed by their nominal frame rate from their first frame, as the edit's shots are.
//
// Thread: owned by the player's thread, as the ClipReaders' consumer side.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rational.h"
#include "media/clip_reader.h"
#include "media/frame_source.h"

namespace reelsync::timeline {

struct TakeSpec {
    std::string path;
    Rational offset{0, 1};  // seconds after the compare's 0 at which the take's first frame shows
};

class CompareSource final : public media::FrameSource {
public:
    static constexpr size_t kMaxTakes = 4;
    static Result<std::unique_ptr<CompareSource>> open(const std::vector<TakeSpec>& takes, media::ClipReader::Options opts);

    const media::ClipInfo& info() const override { return info_; }
    uint64_t seek(int64_t frame, bool reverse = false) override;
    std::optional<media::VideoFrame> peek() override { return next(false); }
    std::optional<media::VideoFrame> pop() override { return next(true); }
    bool wait_for_frame(double timeout_s) override;
    bool finished() override;
    std::optional<Error> error() override;
    int queued() override;
    int capacity() const override { return opts_.queue_frames; }
    bool decoded_all() override;

    size_t take_count() const { return takes_.size(); }
    const media::ClipInfo& take_info(size_t v) const { return takes_[v].reader->info(); }
    // The frame of take v shown during compare frame `frame`; -1: none then.
    int64_t take_frame(size_t v, int64_t frame) const;

private:
    struct Take {
        std::unique_ptr<media::ClipReader> reader;
        int64_t offset = 0;   // ticks
        int64_t step = 1;     // ticks per frame
        int64_t frames = 0;
        std::optional<media::VideoFrame> current;  // the frame taken from the reader last
    };
    CompareSource() = default;
    std::optional<media::VideoFrame> next(bool remove);
    // Takes take v's frame `want` from its reader into `current`; false while it is decoding.
    bool fetch(Take& t, int64_t want);

    media::ClipReader::Options opts_;
    media::ClipInfo info_;
    std::vector<Take> takes_;
    int64_t pos_ = 0;        // the compare frame to deliver next
    bool reverse_ = false;
    uint64_t serial_ = 0;
};

}  // namespace reelsync::timeline

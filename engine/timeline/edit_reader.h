#pragma once
// EditReader: an edit (shots of different clips, each from its in to its out) read as one
// timeline, so the player plays it exactly as it plays a clip.
//
// Edit time is exact: shot k starts at the sum of the lengths of the shots before it, and its
// frames follow at its clip's nominal rate (a frame table in a time base where every frame
// boundary is an integer). Gapless: while shot k plays, shot k+1's clip is opened and decoded from
// its in-frame on a helper thread, so at the cut its first frame is already waiting; readers of
// finished shots are closed on a helper thread too, so nothing at a cut blocks the player.
//
// Thread: owned by the player's thread. The helpers are a bounded pool: the Session's (opening
// and closing readers are short jobs there), else a pool of two of the reader's own. Its jobs
// hold no pointer to the reader: one still queued when the reader goes skips its open, and a
// reader opened for nobody is closed on the pool.
#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "core/helper_pool.h"
#include "core/rational.h"
#include "media/clip_reader.h"
#include "media/frame_source.h"

namespace reelsync::timeline {

struct ShotSpec {
    std::string path;
    int64_t in = 0, out = -1;  // source frames, inclusive; out < 0: to the clip's last frame
};

class EditReader final : public media::FrameSource {
public:
    // Probes every shot's clip (for its rate and length) and opens the first. `helpers` opens and
    // closes the shots' readers; it must outlive the reader (none: a pool of the reader's own).
    static Result<std::unique_ptr<EditReader>> open(const std::vector<ShotSpec>& shots, media::ClipReader::Options opts,
                                                    HelperPool* helpers = nullptr);
    ~EditReader() override;

    const media::ClipInfo& info() const override { return info_; }
    uint64_t seek(int64_t frame, bool reverse = false) override;
    std::optional<media::VideoFrame> peek() override;
    std::optional<media::VideoFrame> pop() override;
    bool wait_for_frame(double timeout_s) override;
    bool finished() override;
    std::optional<Error> error() override;
    int queued() override;
    int capacity() const override { return opts_.queue_frames; }
    bool decoded_all() override;

    size_t shot_count() const { return shots_.size(); }
    // First edit frame of shot k (k == shot_count(): the frame count), and the shot holding a frame.
    int64_t shot_start(size_t k) const { return k < shots_.size() ? shots_[k].first : info_.frame_count(); }
    size_t shot_at(int64_t frame) const;
    const media::ClipInfo& shot_info(size_t k) const { return shots_[k].info; }
    int64_t shot_in(size_t k) const { return shots_[k].in; }
    int64_t shot_out(size_t k) const { return shots_[k].out; }

private:
    struct Shot {
        std::string path;
        media::ClipInfo info;
        int64_t in = 0, out = 0;   // source frames
        int64_t first = 0;         // first edit frame
    };
    using ReaderPtr = std::unique_ptr<media::ClipReader>;
    EditReader() = default;
    // The shot's reader, positioned at its in (forward) or out (reverse): ready, or being opened.
    void prepare(size_t k, bool reverse);
    media::ClipReader* reader(size_t k);  // null while still opening
    std::optional<media::VideoFrame> next(bool remove);
    void retire_others();
    void service();

    // Hands a reader to the helpers to close (closing joins its decode thread).
    void close_later(ReaderPtr r);

    std::unique_ptr<HelperPool> own_helpers_;  // only when none was given
    HelperPool* helpers_ = nullptr;
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);  // read by queued opens
    media::ClipReader::Options opts_;
    media::ClipInfo info_;             // the edit's frame table
    std::vector<Shot> shots_;
    std::map<size_t, ReaderPtr> open_;                               // ready readers by shot
    std::map<size_t, std::future<Result<ReaderPtr>>> opening_;       // readers being opened
    std::map<size_t, std::pair<int64_t, bool>> want_;                // seeks to apply once a reader is ready
    std::map<size_t, bool> positioned_reverse_;                      // how a prepared reader was seeked
    std::set<size_t> untouched_;                                     // seeked, nothing taken from it since
    size_t cur_ = 0;                   // shot being delivered
    bool reverse_ = false;
    bool done_ = false;                // no more frames in this direction
    uint64_t serial_ = 0;
    std::optional<Error> error_;
};

}  // namespace reelsync::timeline

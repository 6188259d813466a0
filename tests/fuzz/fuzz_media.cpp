// Probe, demux and decode arbitrary bytes as a clip file: no crash, no hang, no leak; a clear
// error or frames.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "media/audio_track.h"
#include "media/clip_info.h"
#include "media/video_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace reelsync;
    static const std::string path = fuzz::scratch_path("clip");
    if (!fuzz::write_file(path, data, size)) return 0;
    auto info = media::probe(path, true);
    if (!info) return 0;
    if (info->video) {
        auto dec = media::VideoDecoder::open(path);
        if (dec) {
            for (int i = 0; i < 6; ++i) {
                auto f = (*dec)->next();
                if (!f || !*f) break;
            }
            if (info->frame_count() > 2) (void)(*dec)->seek(info->frame_count() / 2);
            (void)(*dec)->next();
        }
    }
    if (info->audio) (void)media::decode_audio(path, 48000, 2, info->origin_seconds());
    return 0;
}

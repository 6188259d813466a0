#pragma once
// Colour conversion parameters for the video shader. Everything about a frame's format (bit depth,
// range, matrix, plane order, chroma siting) is folded here into one affine transform
//   rgb = M * (plane0, plane1, plane2, 1)
// of the normalised texture samples, so the shader stays a single generic pass.
extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}
#include <array>
#include <string>

namespace reelsync::render {

enum class Matrix { bt601, bt709, bt2020, smpte240m, fcc, rgb };

struct ColorParams {
    std::array<float, 12> rows{};     // 3 rows of vec4
    std::array<float, 2> chroma_shift{}; // uv offset for planes 1 and 2
    Matrix matrix = Matrix::bt709;
    bool full_range = false;
    int bit_depth = 8;
};

// Picks the matrix the way players do when a stream says nothing: BT.709 for HD and larger,
// BT.601 for SD.
Matrix matrix_for(AVColorSpace cs, int width, int height, bool rgb);
const char* matrix_name(Matrix m);

// For a frame in a renderable format (see media::renderable_format()).
ColorParams color_params(const AVFrame& frame);

}  // namespace reelsync::render

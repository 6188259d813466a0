#include "render/color.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace reelsync::render {

Matrix matrix_for(AVColorSpace cs, int width, int height, bool rgb) {
    if (rgb) return Matrix::rgb;
    switch (cs) {
        case AVCOL_SPC_BT709: return Matrix::bt709;
        case AVCOL_SPC_BT470BG:
        case AVCOL_SPC_SMPTE170M: return Matrix::bt601;
        case AVCOL_SPC_BT2020_NCL:
        case AVCOL_SPC_BT2020_CL: return Matrix::bt2020;
        case AVCOL_SPC_SMPTE240M: return Matrix::smpte240m;
        case AVCOL_SPC_FCC: return Matrix::fcc;
        case AVCOL_SPC_RGB: return Matrix::rgb;
        default: return (width >= 1280 || height > 576) ? Matrix::bt709 : Matrix::bt601;
    }
}

const char* matrix_name(Matrix m) {
    switch (m) {
        case Matrix::bt601: return "BT.601";
        case Matrix::bt709: return "BT.709";
        case Matrix::bt2020: return "BT.2020";
        case Matrix::smpte240m: return "SMPTE 240M";
        case Matrix::fcc: return "FCC";
        case Matrix::rgb: return "RGB";
    }
    return "?";
}

ColorParams color_params(const AVFrame& frame) {
    const auto fmt = static_cast<AVPixelFormat>(frame.format);
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
    ColorParams p;
    const bool rgb = d && (d->flags & AV_PIX_FMT_FLAG_RGB);
    const int depth = d ? d->comp[0].depth : 8;
    p.bit_depth = depth;
    p.matrix = matrix_for(frame.colorspace, frame.width, frame.height, rgb);
    const bool yuvj = fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_YUVJ422P || fmt == AV_PIX_FMT_YUVJ444P ||
                      fmt == AV_PIX_FMT_YUVJ440P || fmt == AV_PIX_FMT_YUVJ411P;
    p.full_range = rgb ? frame.color_range != AVCOL_RANGE_MPEG : (yuvj || frame.color_range == AVCOL_RANGE_JPEG);

    // A sample s in [0,1] stands for code value v = s * container_max.
    const double container_max = depth > 8 ? 65535.0 : 255.0;
    const double k = static_cast<double>(1 << (depth - 8 > 0 ? depth - 8 : 0));  // 8-bit code scale
    const double vmax = static_cast<double>((1 << depth) - 1);

    // Per-plane affine normalisation: value = a * s + b, for luma-like and chroma-like planes.
    double ya, yb, ca, cb;
    if (p.full_range) {
        ya = container_max / vmax;
        yb = 0;
        ca = container_max / vmax;
        cb = -static_cast<double>(1 << (depth - 1)) / vmax;
    } else {
        ya = container_max / (219.0 * k);
        yb = -16.0 / 219.0;
        ca = container_max / (224.0 * k);
        cb = -128.0 / 224.0;  // (v - 128k) / 224k
    }

    double m[3][3];
    if (p.matrix == Matrix::rgb) {
        // Planar GBR: plane0 = G, plane1 = B, plane2 = R, all "luma-like" (no chroma offset).
        double g[3][3] = {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}};
        for (int r = 0; r < 3; ++r) {
            for (int c = 0; c < 3; ++c) p.rows[r * 4 + c] = static_cast<float>(g[r][c] * ya);
            p.rows[r * 4 + 3] = static_cast<float>(yb);
        }
        return p;
    }
    double kr = 0.2126, kb = 0.0722;
    switch (p.matrix) {
        case Matrix::bt601: kr = 0.299; kb = 0.114; break;
        case Matrix::bt709: kr = 0.2126; kb = 0.0722; break;
        case Matrix::bt2020: kr = 0.2627; kb = 0.0593; break;
        case Matrix::smpte240m: kr = 0.212; kb = 0.087; break;
        case Matrix::fcc: kr = 0.30; kb = 0.11; break;
        case Matrix::rgb: break;
    }
    const double kg = 1.0 - kr - kb;
    m[0][0] = 1; m[0][1] = 0;                              m[0][2] = 2 * (1 - kr);
    m[1][0] = 1; m[1][1] = -2 * kb * (1 - kb) / kg;        m[1][2] = -2 * kr * (1 - kr) / kg;
    m[2][0] = 1; m[2][1] = 2 * (1 - kb);                    m[2][2] = 0;
    const double a[3] = {ya, ca, ca};
    const double b[3] = {yb, cb, cb};
    for (int r = 0; r < 3; ++r) {
        double off = 0;
        for (int c = 0; c < 3; ++c) {
            p.rows[r * 4 + c] = static_cast<float>(m[r][c] * a[c]);
            off += m[r][c] * b[c];
        }
        p.rows[r * 4 + 3] = static_cast<float>(off);
    }

    // Chroma siting: with "left" (MPEG-2/H.264/HEVC default) a chroma sample sits on the first luma
    // column of its pair, a quarter chroma texel left of where plain bilinear sampling assumes.
    if (d && d->log2_chroma_w > 0) {
        int cw = AV_CEIL_RSHIFT(frame.width, d->log2_chroma_w);
        AVChromaLocation loc = frame.chroma_location == AVCHROMA_LOC_UNSPECIFIED ? AVCHROMA_LOC_LEFT : frame.chroma_location;
        if (loc == AVCHROMA_LOC_LEFT || loc == AVCHROMA_LOC_TOPLEFT || loc == AVCHROMA_LOC_BOTTOMLEFT)
            p.chroma_shift[0] = static_cast<float>(0.25 / cw);
        if (d->log2_chroma_h > 0) {
            int ch = AV_CEIL_RSHIFT(frame.height, d->log2_chroma_h);
            if (loc == AVCHROMA_LOC_TOPLEFT || loc == AVCHROMA_LOC_TOP) p.chroma_shift[1] = static_cast<float>(0.25 / ch);
            if (loc == AVCHROMA_LOC_BOTTOMLEFT || loc == AVCHROMA_LOC_BOTTOM) p.chroma_shift[1] = static_cast<float>(-0.25 / ch);
        }
    }
    return p;
}

}  // namespace reelsync::render

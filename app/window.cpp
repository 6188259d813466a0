// The windowed player: GLFW window, Vulkan swapchain, the video pass and the ImGui overlay.
// Loop order, as in Dear ImGui's examples: poll, apply keys, rebuild the swapchain if needed,
// plan the next image, record video + overlay, wait until it is due, present.
#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_vulkan.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "app/gpu_setup.h"
#include "app/overlay.h"
#include "app/run.h"
#include "core/log.h"
#include "core/timecode.h"
#include "gpu/target.h"
#include "render/image_io.h"
#include "render/thumbnail_atlas.h"
#include "render/video_renderer.h"
#include "app/review_ui.h"

namespace reelsync::app {

namespace {

// Input gathered by GLFW callbacks on the main thread, consumed by the loop on the same thread.
struct WindowInput {
    std::vector<KeyEvent> keys;
    bool resized = false;
    int dirty_frames = 2;  // ImGui needs a second frame to settle after input
    // The left button over the picture (window coordinates): pressed, dragged, released.
    bool left_pressed = false, left_down = false, dragged = false;
    double pointer_x = 0, pointer_y = 0;
};

WindowInput* input_of(GLFWwindow* w) { return static_cast<WindowInput*>(glfwGetWindowUserPointer(w)); }

void on_key(GLFWwindow* w, int key, int, int action, int mods) {
    if (action != GLFW_PRESS && action != GLFW_REPEAT) return;
    std::string name = glfw_key_name(key, mods);
    if (!name.empty()) input_of(w)->keys.push_back({std::move(name), steady_seconds()});
}
void on_resize(GLFWwindow* w, int, int) { input_of(w)->resized = true; }
void on_cursor(GLFWwindow* w, double x, double y) {
    WindowInput* in = input_of(w);
    in->dirty_frames = 2;
    in->pointer_x = x;
    in->pointer_y = y;
    if (in->left_down) in->dragged = true;
}
void on_button(GLFWwindow* w, int button, int action, int) {
    WindowInput* in = input_of(w);
    in->dirty_frames = 2;
    if (button != GLFW_MOUSE_BUTTON_LEFT) return;
    glfwGetCursorPos(w, &in->pointer_x, &in->pointer_y);
    in->left_down = action == GLFW_PRESS;
    if (action == GLFW_PRESS) in->left_pressed = true;
}

// The mouse on a compare's pictures, as commands (so they act as the keys do): in a wipe, pressing
// and dragging puts the split under the pointer (`wipe_to`); in the other views of a project's
// compare, a click makes the take under the pointer the one decisions go to (`take N`). Nothing
// while ImGui has the mouse (the scrub bar, a panel).
std::optional<std::string> pointer_command(WindowInput& in, GLFWwindow* w, const render::CompareLayout& l, bool takes) {
    const bool pressed = std::exchange(in.left_pressed, false), dragged = std::exchange(in.dragged, false);
    if (!pressed && !(dragged && in.left_down)) return std::nullopt;
    if (ImGui::GetIO().WantCaptureMouse) return std::nullopt;
    int ww = 0, wh = 0;
    glfwGetWindowSize(w, &ww, &wh);
    if (ww <= 0 || wh <= 0) return std::nullopt;
    if (l.mode == render::CompareMode::wipe) {
        const double share = l.horizontal ? in.pointer_y / wh : in.pointer_x / ww;
        return "wipe_to " + std::to_string(std::lround(std::clamp(share, 0.0, 1.0) * 100));
    }
    if (!pressed || !takes) return std::nullopt;
    const int v = render::compare_view_at(l, VkExtent2D{static_cast<uint32_t>(ww), static_cast<uint32_t>(wh)}, in.pointer_x, in.pointer_y);
    if (v < 0) return std::nullopt;
    return "take " + std::to_string(v + 1);
}

struct GlfwScope {
    bool ok = false;
    GLFWwindow* window = nullptr;
    ~GlfwScope() {
        if (window) glfwDestroyWindow(window);
        if (ok) glfwTerminate();
    }
};

// The thumbnails drawn this frame, for the ImGui draw callbacks (main thread only).
struct ThumbDraw {
    int64_t id;
    float x0, y0, x1, y1;
};
struct ThumbFrame {
    render::ThumbnailAtlas* atlas = nullptr;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkExtent2D extent{};
    std::deque<ThumbDraw> draws;  // a deque: callbacks keep pointers to its elements
};
ThumbFrame g_thumbs;

void draw_thumbnail_callback(const ImDrawList*, const ImDrawCmd* cmd) {
    const auto* d = static_cast<const ThumbDraw*>(cmd->UserCallbackData);
    const ImVec4 c = cmd->ClipRect;
    const float w = static_cast<float>(g_thumbs.extent.width), h = static_cast<float>(g_thumbs.extent.height);
    const float x0 = std::clamp(c.x, 0.0f, w), y0 = std::clamp(c.y, 0.0f, h);
    const float x1 = std::clamp(c.z, x0, w), y1 = std::clamp(c.w, y0, h);
    VkRect2D scissor{{static_cast<int32_t>(x0), static_cast<int32_t>(y0)},
                     {static_cast<uint32_t>(x1 - x0), static_cast<uint32_t>(y1 - y0)}};
    if (scissor.extent.width == 0 || scissor.extent.height == 0) return;
    g_thumbs.atlas->draw(g_thumbs.cmd, d->id, d->x0, d->y0, d->x1, d->y1, g_thumbs.extent, scissor);
}

}  // namespace

int run_play_window(Session& s, const PlayOptions& o, const review::KeyMap& keymap, review::CommandFeed& feed, Review* review) {
    if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) {
        print_error("no display to open a window on (set DISPLAY, or use --headless)");
        return 1;
    }
    GlfwScope glfw;
    glfw.ok = glfwInit() == GLFW_TRUE;
    if (!glfw.ok || !glfwVulkanSupported()) {
        print_error("cannot open a window: GLFW could not initialise a Vulkan-capable display");
        return 1;
    }
    VkExtent2D pic = s.has_player() ? display_size(s.reader().info()) : VkExtent2D{1280, 720};
    int w = o.width, h = o.height;
    if (w <= 0 || h <= 0) {
        double scale = std::min({1.0, 1280.0 / pic.width, 720.0 / pic.height});
        w = std::max(320, static_cast<int>(std::lround(pic.width * scale)));
        h = std::max(180, static_cast<int>(std::lround(pic.height * scale)));
    }
    glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
    std::string title = "reelsync - " + (review ? review->project().folder().filename().string()
                                              : std::filesystem::path(s.reader().info().path).filename().string());
    glfw.window = glfwCreateWindow(w, h, title.c_str(), nullptr, nullptr);
    if (!glfw.window) {
        print_error("cannot create a window");
        return 1;
    }
    WindowInput input;
    glfwSetWindowUserPointer(glfw.window, &input);
    // Our callbacks first: ImGui's GLFW backend chains to them.
    glfwSetKeyCallback(glfw.window, on_key);
    glfwSetFramebufferSizeCallback(glfw.window, on_resize);
    glfwSetCursorPosCallback(glfw.window, on_cursor);
    glfwSetMouseButtonCallback(glfw.window, on_button);

    gpu::ContextOptions co;
    uint32_t n_ext = 0;
    const char** ext = glfwGetRequiredInstanceExtensions(&n_ext);
    for (uint32_t i = 0; i < n_ext; ++i) co.instance_extensions.emplace_back(ext[i]);
    co.swapchain = true;
    co.device_name = o.vk_device;
    co.validation = validation_requested();
    GLFWwindow* win = glfw.window;
    co.make_surface = [win](VkInstance inst) -> Result<VkSurfaceKHR> {
        VkSurfaceKHR surf;
        VkResult r = glfwCreateWindowSurface(inst, win, nullptr, &surf);
        if (r != VK_SUCCESS) return fail("cannot create a Vulkan surface for the window: " + gpu::vk_result_string(r));
        return surf;
    };
    auto ctx = gpu::Context::create(co);
    if (!ctx) {
        print_error(ctx.error().message);
        return 1;
    }
    auto swapchain = gpu::Swapchain::create(**ctx, glfw.window);
    if (!swapchain) {
        print_error(swapchain.error().message);
        return 1;
    }
    auto video = render::VideoRenderer::create(**ctx, (*swapchain)->render_pass());
    if (!video) {
        print_error(video.error().message);
        return 1;
    }
    gpu::Swapchain& sc = **swapchain;
    render::VideoRenderer& vr = **video;

    // Dear ImGui on the same render pass, drawn after the picture.
    VkDescriptorPoolSize pool_sizes[] = {{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 16}};
    VkDescriptorPoolCreateInfo dpi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    dpi.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
    dpi.maxSets = 16;
    dpi.poolSizeCount = 1;
    dpi.pPoolSizes = pool_sizes;
    VkDescriptorPool imgui_pool;
    vkCreateDescriptorPool((*ctx)->device(), &dpi, nullptr, &imgui_pool);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::StyleColorsDark();
    ImGui_ImplGlfw_InitForVulkan(glfw.window, true);
    ImGui_ImplVulkan_InitInfo ii{};
    ii.Instance = (*ctx)->instance();
    ii.PhysicalDevice = (*ctx)->physical();
    ii.Device = (*ctx)->device();
    ii.QueueFamily = (*ctx)->queue_family();
    ii.Queue = (*ctx)->queue();
    ii.DescriptorPool = imgui_pool;
    ii.MinImageCount = sc.min_image_count();
    ii.ImageCount = sc.image_count();
    ii.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
    ImGui_ImplVulkan_Init(&ii, sc.render_pass());
    (void)(*ctx)->immediate_submit([](VkCommandBuffer cmd) { ImGui_ImplVulkan_CreateFontsTexture(cmd); });
    ImGui_ImplVulkan_DestroyFontUploadObjects();

    // Screenshot of the swapchain image itself (what the window shows), for the README and tests.
    gpu::Buffer shot;
    int presents_before_shot = o.screenshot.empty() ? -1 : 6;
    bool shot_pending_write = false;
    VkExtent2D shot_extent{};

    OverlayState ui;
    ui.keys = &keymap;
    feed.on_window = [&](const review::Command& c) { window_command(s, ui, c); };
    ui.visible = o.overlay;
    ui.heat_map = o.heat_map;
    s.scan_clips = o.analysis;  // artifact flags for the overlay, computed in the background
    if (o.analysis && s.has_player() && !s.playing_edit() && !s.compare()) s.start_scan();  // a compare's takes: not scanned
    const BackgroundScan* scan_shown = nullptr;  // the scan whose finished flags are on screen
    // How long a present takes to put the image on screen (under X it is a copy): the present is
    // issued that much before the frame's instant, so the image is up when the clock gets there.
    CostEstimate present_cost{0.008, 0.002};

    // Review mode: thumbnails live in a GPU atlas and are drawn from ImGui draw callbacks.
    std::unique_ptr<render::ThumbnailAtlas> atlas;
    if (review) {
        auto a = render::ThumbnailAtlas::create(**ctx, sc.render_pass(), project::kThumbWidth, project::kThumbHeight);
        if (!a) {
            print_error(a.error().message);
            return 1;
        }
        atlas = std::move(*a);
        g_thumbs.atlas = atlas.get();
    }
    const ThumbnailDrawer thumb = [](ImDrawList* dl, int64_t id, ImVec2 a, ImVec2 b) {
        if (!g_thumbs.atlas || !g_thumbs.atlas->has(id)) return false;
        g_thumbs.draws.push_back({id, a.x, a.y, b.x, b.y});
        dl->AddCallback(draw_thumbnail_callback, &g_thumbs.draws.back());
        dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
        return true;
    };
    bool browser_shown = false;
    bool catalogue_reported = false;
    const timeline::Player* warmed = nullptr;  // the player last warmed up
    double last_ui_frame = 0;

    const double start = steady_seconds();
    feed.set_start(start);
    int rc = 0;
    // Drawing one image: `frame` (or none: the browser) with the overlay, recorded, submitted and
    // complete; false when the swapchain had no image (being resized). Then showing it.
    uint32_t drawn_image = 0;
    bool shot_ready = false;
    bool stop = false;  // --screenshot: taken, quit
    auto draw_image = [&](const media::VideoFrame* frame) -> Result<bool> {
        if (atlas)
            if (auto u = atlas->upload_pending(); !u) return std::unexpected(u.error());
        auto slot = vr.begin_frame();
        if (!slot) return std::unexpected(slot.error());
        auto img = sc.acquire(vr.acquire_semaphore(**slot));
        if (!img || !*img) {
            (void)vr.submit(**slot);  // close the slot's empty command buffer
            if (!img) return std::unexpected(img.error());
            input.resized = true;
            return false;
        }
        drawn_image = **img;
        const bool comparing = frame && frame->views && s.compare();
        if (comparing) {
            // Each take's frame for this instant in its own view (none: that view is black).
            vr.reserve_views(static_cast<int>(frame->views->size()));
            for (size_t v = 0; v < frame->views->size() && v < static_cast<size_t>(render::kMaxViews); ++v) {
                const media::VideoFrame& vf = (*frame->views)[v];
                if (!vf.picture) vr.clear_view(**slot, static_cast<int>(v));
                else if (auto u = vr.upload(**slot, vf.picture, static_cast<int>(v)); !u) return std::unexpected(u.error());
            }
        } else if (frame) {
            if (auto u = vr.upload(**slot, frame->picture); !u) return std::unexpected(u.error());
        } else {
            vr.clear_picture(**slot);
        }
        ImGui_ImplVulkan_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        g_thumbs.draws.clear();
        if (review && review->mode() == Review::Mode::browser) {
            build_browser(*review, thumb, keymap);
            if (ui.help) build_help(ui);
        } else if (frame) {
            if (review) {
                ui.mark_in = ui.mark_out = std::nullopt;
                ui.cuts.clear();
                ui.beats.clear();
                ui.downbeats.clear();
                ui.waveform = nullptr;
                if (timeline::EditReader* er = s.edit()) {
                    for (size_t k = 1; k < er->shot_count(); ++k) ui.cuts.push_back(er->shot_start(k));
                    if (review->beats()) {
                        ui.beats = review->beats()->beats;
                        ui.downbeats = review->beats()->downbeats;
                        ui.waveform = &review->waveform();
                        ui.song_seconds = review->beats()->duration;
                    }
                }
                // (A compare's scrub bar counts compare frames, not a take's: its marks are not drawn there.)
                if (const project::Clip* c = review->project().clip(s.project_clip); c && review->compared().empty()) {
                    ui.mark_in = c->mark_in;
                    ui.mark_out = c->mark_out;
                }
                if (ui.visible) build_review_panel(*review, frame->index, keymap);
            }
            ui.can_save_thresholds = review != nullptr;
            if (comparing && ui.visible)
                build_compare_labels(s, *frame, sc.extent(), review && !review->compared().empty() ? static_cast<int>(review->active_take()) : -1,
                                     review ? review->compared_states() : std::vector<std::string>{});
            build_overlay(s, ui, frame);
            if (ui.save_thresholds && review) review->save_thresholds(ui.editing);
            ui.save_thresholds = false;
        }
        if (review) build_note_editor(*review);
        ImGui::Render();
        VkCommandBuffer cmd = vr.command_buffer(**slot);
        g_thumbs.cmd = cmd;
        g_thumbs.extent = sc.extent();
        const auto imgui = [](VkCommandBuffer c) { ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), c); };
        if (comparing) {
            std::array<Rational, render::kMaxViews> sar{Rational{1, 1}, Rational{1, 1}, Rational{1, 1}, Rational{1, 1}};
            if (const auto* cmp = dynamic_cast<const timeline::CompareSource*>(&s.reader()))
                for (size_t v = 0; v < frame->views->size() && v < cmp->take_count() && v < sar.size(); ++v)
                    sar[v] = sample_aspect_of((*frame->views)[v], cmp->take_info(v));
            vr.draw_compare(**slot, sc.render_pass(), sc.framebuffer(**img), sc.extent(), *s.compare(), sar, imgui);
        } else {
            vr.draw(**slot, sc.render_pass(), sc.framebuffer(**img), sc.extent(),
                    frame ? sample_aspect_of(*frame, s.reader().info()) : Rational{1, 1}, imgui);
        }
        // In the browser the screenshot waits for the catalogue: it shows the thumbnails.
        // Where a clip is being scanned, it waits for the flags when the overlay shows them: they
        // are part of the picture then. Without the overlay nothing of the scan is drawn.
        shot_ready = !(review && review->mode() == Review::Mode::browser && !review->all_catalogued()) &&
                     !(review && review->mode() == Review::Mode::edit && review->beats_pending()) &&
                     !(ui.visible && s.scan() && !s.scan()->result() && !s.scan()->error());
        bool take_shot = presents_before_shot == 0 && sc.can_read_back() && shot_ready;
        if (take_shot) {
            shot_extent = sc.extent();
            auto b = gpu::create_host_buffer(**ctx, VkDeviceSize{shot_extent.width} * shot_extent.height * 4,
                                             VK_BUFFER_USAGE_TRANSFER_DST_BIT);
            if (b) {
                shot = std::move(*b);
                VkImage image = sc.image(**img);
                // Presentable image -> copy source; after the copy, back to presentable.
                gpu::transition(cmd, image, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                                VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
                                VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
                VkBufferImageCopy region{};
                region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
                region.imageExtent = {shot_extent.width, shot_extent.height, 1};
                vkCmdCopyImageToBuffer(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, shot.buffer, 1, &region);
                gpu::transition(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
                                VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0);
                shot_pending_write = true;
            }
            presents_before_shot = -1;
        }
        if (auto r = vr.submit(**slot, vr.acquire_semaphore(**slot), sc.render_done(**img)); !r) return std::unexpected(r.error());
        // The picture complete: what is left is presenting it at its instant.
        if (auto r = vr.wait(**slot); !r) return std::unexpected(r.error());
        return true;
    };
    auto show_image = [&]() -> Result<double> {
        const double present_call = steady_seconds();
        auto pr = sc.present(drawn_image, sc.render_done(drawn_image));
        const double presented_at = steady_seconds();
        present_cost.add(std::min(presented_at - present_call, 0.03));
        if (!pr) return std::unexpected(pr.error());
        if (!*pr) input.resized = true;
        if (presents_before_shot > 0 && shot_ready) --presents_before_shot;
        if (shot_pending_write) {
            std::vector<uint8_t> px(static_cast<size_t>(shot_extent.width) * shot_extent.height * 4);
            std::memcpy(px.data(), shot.mapped, px.size());
            if (sc.format() == VK_FORMAT_B8G8R8A8_UNORM)
                for (size_t i = 0; i < px.size(); i += 4) std::swap(px[i], px[i + 2]);
            shot_pending_write = false;
            stop = true;  // --screenshot: save, then quit
            if (auto wr = render::write_png(o.screenshot, px, shot_extent.width, shot_extent.height); !wr) return std::unexpected(wr.error());
        }
        return presented_at;
    };
    // The window as the presenter's target: frames are drawn with the overlay, and presented early
    // by the short end of what presenting costs (a little late is inside the frame's interval,
    // early is not).
    struct WindowTarget : review::FrameTarget {
        std::function<Result<bool>(const media::VideoFrame*)> draw_fn;
        std::function<Result<double>()> show_fn;
        const CostEstimate* present_cost;
        Result<bool> draw(const media::VideoFrame& f, Rational) override { return draw_fn(&f); }
        Result<double> show() override { return show_fn(); }
        double show_lead() const override { return std::max(0.0, present_cost->mean - 2 * present_cost->dev); }
        double show_cost() const override { return present_cost->mean; }
        // Waiting for a frame's instant on the window's events: a key that goes down meanwhile is
        // taken (and stamped) at once; it is acted on after the present, at that instant.
        void wait_until(double steady) override {
            for (double left = steady - steady_seconds(); left > 0; left = steady - steady_seconds()) glfwWaitEventsTimeout(left);
        }
    } target;
    target.draw_fn = draw_image;
    target.show_fn = show_image;
    target.present_cost = &present_cost;
    review::Presenter presenter(CostEstimate{0.020, 0.004});  // pessimistic until measured: early draws only wait longer
    // The browser's image (no frame): drawn and shown at once.
    auto draw_and_show_ui = [&]() -> Result<void> {
        auto d = draw_image(nullptr);
        if (!d) return std::unexpected(d.error());
        if (*d)
            if (auto sh = show_image(); !sh) return std::unexpected(sh.error());
        return {};
    };

    std::string ran_out;  // "--duration N ran out" when it ended the run (not the director closing the window)
    while (!glfwWindowShouldClose(glfw.window) && !ui.quit && !g_stop_requested.load()) {
        double now = steady_seconds();
        if (o.duration > 0 && now - start >= o.duration) {
            ran_out = duration_ran_out(o.duration);
            break;
        }
        glfwPollEvents();
        if (!input.keys.empty()) {
            for (const KeyEvent& k : input.keys) {
                if (ImGui::GetIO().WantTextInput) continue;  // typing in a field (a threshold): ImGui has the keys
                if (review && (review->note_editing || review->relink_editing)) continue;  // typing: ImGui has the keys
                // One key table for every view: the key's command here, run at the instant it went down.
                const review::Context where = review ? review->context() : review::Context::player;
                const review::Command* cmd = keymap.lookup(where, k.key);
                if (!cmd) continue;
                const review::Outcome out = review ? review->execute(*cmd, k.at) : review::execute_transport(s, *cmd, k.at);
                if (out == review::Outcome::for_window) window_command(s, ui, *cmd);
                if (ui.quit) break;
            }
            input.keys.clear();
            input.dirty_frames = std::max(input.dirty_frames, 2);
        }
        if (s.compare() && !(review && review->mode() == Review::Mode::browser)) {
            const bool takes = review && !review->compared().empty();
            if (auto line = pointer_command(input, glfw.window, *s.compare(), takes)) {
                if (auto cmd = review::parse_command(*line)) {
                    const double at = steady_seconds();
                    const review::Outcome out = review ? review->execute(*cmd, at) : review::execute_transport(s, *cmd, at);
                    if (out == review::Outcome::for_window) window_command(s, ui, *cmd);
                }
            }
        } else {
            input.left_pressed = input.dragged = false;
        }
        // Scripted keys (--keys), each at its instant, through the same key table.
        if (!feed.idle()) {
            (void)feed.pump(s, review, steady_seconds());
            input.dirty_frames = std::max(input.dirty_frames, 1);
            if (feed.quit()) break;
        }
        if (input.resized) {
            auto r = sc.rebuild();
            if (!r) {
                print_error(r.error().message);
                rc = 1;
                break;
            }
            if (!*r) {  // minimised: wait for the window to come back
                glfwWaitEventsTimeout(0.05);
                continue;
            }
            ImGui_ImplVulkan_SetMinImageCount(sc.min_image_count());
            input.resized = false;
            if (s.has_player()) s.player().request_redraw();
            input.dirty_frames = std::max(input.dirty_frames, 1);
        }
        bool new_thumbs = false;
        if (review) {
            for (auto& [id, px] : review->tick()) {
                atlas->put(id, std::move(px));
                new_thumbs = true;
            }
            if (!catalogue_reported && review->catalogue_seconds() >= 0) {
                catalogue_reported = true;
                std::printf("reelsync: %zu clips catalogued (probe and thumbnail) in %.2f s\n", review->catalog()->total(),
                            review->catalogue_seconds());
                std::fflush(stdout);
            }
        }
        if (review && review->mode() == Review::Mode::browser) {
            // The browser redraws on input, new thumbnails, and a few times a second while the
            // catalogue runs (its progress); otherwise it sleeps until an event.
            const project::Catalog* cat = review->catalog();
            const bool progress = cat && ((!cat->finished() && now - last_ui_frame > 0.25) ||
                                          (cat->scanned() < cat->to_scan() && now - last_ui_frame > 0.5));
            if (input.dirty_frames <= 0 && !new_thumbs && !progress && browser_shown && presents_before_shot < 0) {
                glfwWaitEventsTimeout(0.05);
                continue;
            }
            if (input.dirty_frames > 0) --input.dirty_frames;
            if (auto r = draw_and_show_ui(); !r) {
                print_error(r.error().message);
                rc = 1;
                break;
            }
            last_ui_frame = steady_seconds();
            if (!browser_shown) {
                browser_shown = true;
                std::printf("reelsync: browser shown %.3f s after start (%zu clips)\n", steady_seconds() - process_start_seconds(),
                            review->project().clips().size());
                std::fflush(stdout);
            }
            if (stop) break;
            continue;
        }
        if (!s.has_player()) {
            glfwWaitEventsTimeout(0.05);
            continue;
        }
        if (s.scan()) {
            s.scan()->set_playback_running(s.player().playing());
            s.scan()->refresh_live();
            if (review && scan_shown != s.scan() && s.project_clip >= 0) review->store_scan(s.project_clip, *s.scan());
        }
        if (s.scan() && scan_shown != s.scan() && (s.scan()->result() || s.scan()->error())) {
            scan_shown = s.scan();  // new flags (this clip's): draw them even while paused
            s.player().request_redraw();
        }
        if (input.dirty_frames > 0) {
            --input.dirty_frames;
            s.player().request_redraw();
        }
        timeline::Player& player = s.player();
        if (&player != warmed) {
            // A new clip or edit: its first frame is drawn a few times before its clock starts,
            // so the cost estimate knows this clip's frames before the first one has a deadline.
            warmed = &player;
            player.warm_up(3);
        }
        now = steady_seconds();
        auto step = presenter.step(player, target, s.reader().info(), now);
        if (!step) {
            print_error(step.error().message);
            rc = 1;
            break;
        }
        if (stop) break;
        if (!step->shown) {
            if (player.at_end() && !review && !s.playing_edit() && s.clip_index() + 1 < s.clip_count()) {
                if (auto r = s.open_clip(s.clip_index() + 1); !r) print_error(r.error().message);
                continue;
            }
            if (presents_before_shot >= 0) player.request_redraw();  // keep drawing until the screenshot
            double wait = std::clamp(step->wake_at - steady_seconds(), 0.0, 0.02);
            if (wait > 0.0003) glfwWaitEventsTimeout(wait);
            continue;
        }
    }
    if (!o.screenshot.empty() && presents_before_shot >= 0 && rc == 0) {
        print_error(o.screenshot + ": no screenshot taken (the window never showed enough frames)");
        rc = 1;
    }
    vkDeviceWaitIdle((*ctx)->device());
    ImGui_ImplVulkan_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    vkDestroyDescriptorPool((*ctx)->device(), imgui_pool, nullptr);
    shot.reset();
    g_thumbs.atlas = nullptr;
    atlas.reset();
    video->reset();
    swapchain->reset();
    ctx->reset();
    print_summary(s, steady_seconds() - start);
    // A script whose keys or requests were not all done when its time ran out did not do what it
    // was asked (as headless).
    if (!ran_out.empty())
        if (const std::string e = feed.finish(ran_out); !e.empty() && rc == 0) {
            print_error(e);
            rc = 1;
        }
    return rc;
}

}  // namespace reelsync::app

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
#include <filesystem>

#include "app/gpu_setup.h"
#include "app/overlay.h"
#include "app/session.h"
#include "core/log.h"
#include "core/timecode.h"
#include "gpu/target.h"
#include "render/image_io.h"
#include "render/video_renderer.h"

namespace reelsync::app {

namespace {

// Input gathered by GLFW callbacks on the main thread, consumed by the loop on the same thread.
struct WindowInput {
    std::vector<KeyEvent> keys;
    bool resized = false;
    int dirty_frames = 2;  // ImGui needs a second frame to settle after input
};

WindowInput* input_of(GLFWwindow* w) { return static_cast<WindowInput*>(glfwGetWindowUserPointer(w)); }

void on_key(GLFWwindow* w, int key, int, int action, int mods) {
    if (action == GLFW_PRESS || action == GLFW_REPEAT) input_of(w)->keys.push_back({key, mods});
}
void on_resize(GLFWwindow* w, int, int) { input_of(w)->resized = true; }
void on_cursor(GLFWwindow* w, double, double) { input_of(w)->dirty_frames = 2; }
void on_button(GLFWwindow* w, int, int, int) { input_of(w)->dirty_frames = 2; }

struct GlfwScope {
    bool ok = false;
    GLFWwindow* window = nullptr;
    ~GlfwScope() {
        if (window) glfwDestroyWindow(window);
        if (ok) glfwTerminate();
    }
};

}  // namespace

int run_play_window(Session& s) {
    const PlayOptions& o = s.options();
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
    VkExtent2D pic = display_size(s.reader().info());
    int w = o.width, h = o.height;
    if (w <= 0 || h <= 0) {
        double scale = std::min({1.0, 1280.0 / pic.width, 720.0 / pic.height});
        w = std::max(320, static_cast<int>(std::lround(pic.width * scale)));
        h = std::max(180, static_cast<int>(std::lround(pic.height * scale)));
    }
    glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
    std::string title = "reelsync - " + std::filesystem::path(s.reader().info().path).filename().string();
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
    ui.visible = o.overlay;
    if (o.analysis) s.start_scan();  // artifact flags for the overlay, computed in the background
    const BackgroundScan* scan_shown = nullptr;  // the scan whose finished flags are on screen
    CostEstimate est{0.020, 0.004};  // pessimistic until measured: early renders only wait longer
    // How long a present takes to put the image on screen (under X it is a copy): the present is
    // issued that much before the frame's instant, so the image is up when the clock gets there.
    CostEstimate present_cost{0.008, 0.002};
    const double start = steady_seconds();
    int rc = 0;
    while (!glfwWindowShouldClose(glfw.window) && !ui.quit && !g_stop_requested.load()) {
        double now = steady_seconds();
        if (o.duration > 0 && now - start >= o.duration) break;
        glfwPollEvents();
        if (!input.keys.empty()) {
            handle_keys(s, ui, input.keys);
            input.keys.clear();
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
            s.player().request_redraw();
        }
        if (s.scan()) s.scan()->set_playback_running(s.player().playing());
        if (s.scan() && scan_shown != s.scan() && (s.scan()->result() || s.scan()->error())) {
            scan_shown = s.scan();  // new flags (this clip's): draw them even while paused
            s.player().request_redraw();
        }
        if (input.dirty_frames > 0) {
            --input.dirty_frames;
            s.player().request_redraw();
        }
        timeline::Player& player = s.player();
        now = steady_seconds();
        auto plan = player.plan(now, est.value() + present_cost.mean, est.expected() + present_cost.mean);
        if (!plan.frame) {
            if (player.at_end() && !s.playing_edit() && s.clip_index() + 1 < s.clip_count()) {
                if (auto r = s.open_clip(s.clip_index() + 1); !r) print_error(r.error().message);
                continue;
            }
            if (presents_before_shot >= 0) player.request_redraw();  // keep drawing until the screenshot
            double wait = std::clamp(plan.wake_at - steady_seconds(), 0.0, 0.02);
            if (wait > 0.0003) glfwWaitEventsTimeout(wait);
            continue;
        }
        const double t0 = steady_seconds();
        auto slot = vr.begin_frame();
        if (!slot) {
            print_error(slot.error().message);
            rc = 1;
            break;
        }
        auto img = sc.acquire(vr.acquire_semaphore(**slot));
        if (!img || !*img) {
            (void)vr.submit(**slot);  // close the slot's empty command buffer
            if (!img) {
                print_error(img.error().message);
                rc = 1;
                break;
            }
            input.resized = true;
            player.request_redraw();
            continue;
        }
        if (auto u = vr.upload(**slot, plan.frame->picture); !u) {
            print_error(u.error().message);
            rc = 1;
            break;
        }
        ImGui_ImplVulkan_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        build_overlay(s, ui, &*plan.frame);
        ImGui::Render();
        VkCommandBuffer cmd = vr.command_buffer(**slot);
        vr.draw(**slot, sc.render_pass(), sc.framebuffer(**img), sc.extent(), sample_aspect_of(*plan.frame, s.reader().info()),
                [](VkCommandBuffer c) { ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), c); });
        bool take_shot = presents_before_shot == 0 && sc.can_read_back();
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
        if (auto r = vr.submit(**slot, vr.acquire_semaphore(**slot), sc.render_done(**img)); !r) {
            print_error(r.error().message);
            rc = 1;
            break;
        }
        // Wait for the picture to be complete, then present it at its instant.
        if (auto r = vr.wait(**slot); !r) {
            print_error(r.error().message);
            rc = 1;
            break;
        }
        // The first draw compiles pipelines: not a measure of what the next ones cost.
        if (player.stats().presented() > 0) est.add(steady_seconds() - t0);
        // Aim at the short end of the present cost: a little late is in the frame's interval, early is not.
        const double lead = std::max(0.0, present_cost.mean - 2 * present_cost.dev);
        wait_until_due(player, *plan.frame, plan.present_at, lead);
        const double present_call = steady_seconds();
        auto pr = sc.present(**img, sc.render_done(**img));
        const double presented_at = steady_seconds();
        present_cost.add(std::min(presented_at - present_call, 0.03));
        if (!pr) {
            print_error(pr.error().message);
            rc = 1;
            break;
        }
        if (!*pr) input.resized = true;
        player.presented(*plan.frame, presented_at);
        if (presents_before_shot > 0) --presents_before_shot;
        if (shot_pending_write) {
            std::vector<uint8_t> px(static_cast<size_t>(shot_extent.width) * shot_extent.height * 4);
            std::memcpy(px.data(), shot.mapped, px.size());
            if (sc.format() == VK_FORMAT_B8G8R8A8_UNORM)
                for (size_t i = 0; i < px.size(); i += 4) std::swap(px[i], px[i + 2]);
            if (auto wr = render::write_png(o.screenshot, px, shot_extent.width, shot_extent.height); !wr) {
                print_error(wr.error().message);
                rc = 1;
            }
            shot_pending_write = false;
            break;  // --screenshot: save, then quit
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
    video->reset();
    swapchain->reset();
    ctx->reset();
    print_summary(s, steady_seconds() - start);
    return rc;
}

}  // namespace reelsync::app

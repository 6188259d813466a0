#pragma once
// The Vulkan device reelsync draws with: instance, one physical device, one graphics queue.
// Works on whatever driver is present. A real GPU (discrete, then integrated, then virtual) is
// preferred; a CPU implementation (lavapipe) is accepted when it is all there is.
//
// Thread-safety: created and destroyed by one thread; the queue is used by the render thread only.
#include <vulkan/vulkan.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

namespace reelsync::gpu {

std::string vk_result_string(VkResult r);

// Warnings and errors the Khronos validation layer reported in this process (when enabled).
int validation_messages();
// True when the validation layer was requested and is loaded in at least one context.
bool validation_active();

struct ContextOptions {
    std::vector<std::string> instance_extensions;  // e.g. what GLFW needs for a surface
    bool swapchain = false;                        // enable VK_KHR_swapchain on the device
    // Creates the window surface once the instance exists (windowed mode), so device selection
    // can require present support.
    std::function<Result<VkSurfaceKHR>(VkInstance)> make_surface;
    std::string device_name;                       // substring to pick a device; empty: best
    bool validation = false;                       // enable VK_LAYER_KHRONOS_validation if present
};

class Context {
public:
    static Result<std::unique_ptr<Context>> create(const ContextOptions& opts);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    VkInstance instance() const { return instance_; }
    VkPhysicalDevice physical() const { return physical_; }
    VkDevice device() const { return device_; }
    VkQueue queue() const { return queue_; }
    uint32_t queue_family() const { return queue_family_; }
    VkSurfaceKHR surface() const { return surface_; }
    const VkPhysicalDeviceProperties& properties() const { return props_; }
    std::string device_name() const { return props_.deviceName; }
    bool is_cpu() const { return props_.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU; }

    // Memory type with all `required` flags among `type_bits`; prefers also having `preferred`.
    Result<uint32_t> memory_type(uint32_t type_bits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred = 0) const;
    bool format_supports(VkFormat f, VkFormatFeatureFlags features) const;

    // Records and runs a one-off command buffer, waiting for it (set-up work only, never per frame).
    Result<void> immediate_submit(const std::function<void(VkCommandBuffer)>& record);

private:
    Context() = default;
    VkInstance instance_ = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
    VkSurfaceKHR surface_ = VK_NULL_HANDLE;
    VkPhysicalDevice physical_ = VK_NULL_HANDLE;
    VkDevice device_ = VK_NULL_HANDLE;
    VkQueue queue_ = VK_NULL_HANDLE;
    uint32_t queue_family_ = 0;
    VkPhysicalDeviceProperties props_{};
    VkPhysicalDeviceMemoryProperties mem_props_{};
    VkCommandPool setup_pool_ = VK_NULL_HANDLE;
};

// Buffer with its own memory (set-up sized objects; per-frame data goes through StagingRing).
struct Buffer {
    VkDevice device = VK_NULL_HANDLE;
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkDeviceSize size = 0;
    void* mapped = nullptr;  // persistently mapped when host visible

    Buffer() = default;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    Buffer(Buffer&& o) noexcept { *this = std::move(o); }
    Buffer& operator=(Buffer&& o) noexcept;
    ~Buffer() { reset(); }
    void reset();
};

Result<Buffer> create_host_buffer(const Context& ctx, VkDeviceSize size, VkBufferUsageFlags usage);

}  // namespace reelsync::gpu

#include "gpu/context.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/log.h"

namespace reelsync::gpu {

std::string vk_result_string(VkResult r) {
    switch (r) {
        case VK_SUCCESS: return "success";
        case VK_ERROR_OUT_OF_HOST_MEMORY: return "out of host memory";
        case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "out of device memory";
        case VK_ERROR_INITIALIZATION_FAILED: return "initialization failed";
        case VK_ERROR_DEVICE_LOST: return "device lost";
        case VK_ERROR_LAYER_NOT_PRESENT: return "layer not present";
        case VK_ERROR_EXTENSION_NOT_PRESENT: return "extension not present";
        case VK_ERROR_FEATURE_NOT_PRESENT: return "feature not present";
        case VK_ERROR_INCOMPATIBLE_DRIVER: return "incompatible driver (no Vulkan driver installed?)";
        case VK_ERROR_SURFACE_LOST_KHR: return "surface lost";
        case VK_ERROR_OUT_OF_DATE_KHR: return "swapchain out of date";
        case VK_SUBOPTIMAL_KHR: return "swapchain suboptimal";
        case VK_TIMEOUT: return "timeout";
        default: return "VkResult " + std::to_string(static_cast<int>(r));
    }
}

namespace {

std::atomic<int> g_validation_messages{0};
std::atomic<bool> g_validation_active{false};

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                             VkDebugUtilsMessageTypeFlagsEXT,
                                             const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
    if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        g_validation_messages.fetch_add(1);
        RS_LOG_ERROR("vulkan validation: %s", data->pMessage);
    }
    return VK_FALSE;
}

int type_rank(VkPhysicalDeviceType t) {
    switch (t) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
        default: return 0;
    }
}

bool has_extension(VkPhysicalDevice pd, const char* name) {
    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> exts(n);
    vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, exts.data());
    return std::any_of(exts.begin(), exts.end(), [&](const auto& e) { return std::strcmp(e.extensionName, name) == 0; });
}

}  // namespace

int validation_messages() { return g_validation_messages.load(); }
bool validation_active() { return g_validation_active.load(); }

Result<std::unique_ptr<Context>> Context::create(const ContextOptions& opts) {
    std::unique_ptr<Context> c(new Context());

    std::vector<const char*> exts;
    for (const auto& e : opts.instance_extensions) exts.push_back(e.c_str());
    std::vector<const char*> layers;
    bool validation = opts.validation;
    if (validation) {
        uint32_t n = 0;
        vkEnumerateInstanceLayerProperties(&n, nullptr);
        std::vector<VkLayerProperties> props(n);
        vkEnumerateInstanceLayerProperties(&n, props.data());
        validation = std::any_of(props.begin(), props.end(),
                                 [](const auto& p) { return std::strcmp(p.layerName, "VK_LAYER_KHRONOS_validation") == 0; });
        if (validation) {
            layers.push_back("VK_LAYER_KHRONOS_validation");
            exts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
        } else {
            RS_LOG_WARN("validation requested but VK_LAYER_KHRONOS_validation is not installed");
        }
    }

    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "reelsync";
    app.pEngineName = "reelsync";
    app.apiVersion = VK_API_VERSION_1_1;
    VkInstanceCreateInfo ici{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ici.pApplicationInfo = &app;
    ici.enabledExtensionCount = static_cast<uint32_t>(exts.size());
    ici.ppEnabledExtensionNames = exts.data();
    ici.enabledLayerCount = static_cast<uint32_t>(layers.size());
    ici.ppEnabledLayerNames = layers.data();
    VkResult r = vkCreateInstance(&ici, nullptr, &c->instance_);
    if (r != VK_SUCCESS) return fail("gpu: cannot create a Vulkan instance: " + vk_result_string(r));

    if (validation) {
        auto create_messenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(c->instance_, "vkCreateDebugUtilsMessengerEXT"));
        VkDebugUtilsMessengerCreateInfoEXT mci{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
        mci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
        mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                          VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
        mci.pfnUserCallback = on_validation;
        if (create_messenger && create_messenger(c->instance_, &mci, nullptr, &c->messenger_) == VK_SUCCESS)
            g_validation_active.store(true);
    }

    if (opts.make_surface) {
        auto s = opts.make_surface(c->instance_);
        if (!s) return std::unexpected(s.error());
        c->surface_ = *s;
    }

    uint32_t n = 0;
    vkEnumeratePhysicalDevices(c->instance_, &n, nullptr);
    std::vector<VkPhysicalDevice> devices(n);
    vkEnumeratePhysicalDevices(c->instance_, &n, devices.data());
    if (devices.empty()) return fail("gpu: no Vulkan device found (install a Vulkan driver, e.g. mesa-vulkan-drivers)");

    int best_score = -1;
    std::string seen;
    for (VkPhysicalDevice pd : devices) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(pd, &p);
        seen += std::string(seen.empty() ? "" : ", ") + p.deviceName;
        if (!opts.device_name.empty() && !std::strstr(p.deviceName, opts.device_name.c_str())) continue;
        if (p.apiVersion < VK_API_VERSION_1_1) continue;
        if (opts.swapchain && !has_extension(pd, VK_KHR_SWAPCHAIN_EXTENSION_NAME)) continue;
        uint32_t qn = 0;
        vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, nullptr);
        std::vector<VkQueueFamilyProperties> qs(qn);
        vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, qs.data());
        for (uint32_t q = 0; q < qn; ++q) {
            if (!(qs[q].queueFlags & VK_QUEUE_GRAPHICS_BIT)) continue;
            if (c->surface_) {
                VkBool32 present = VK_FALSE;
                vkGetPhysicalDeviceSurfaceSupportKHR(pd, q, c->surface_, &present);
                if (!present) continue;
            }
            int score = type_rank(p.deviceType);
            if (score > best_score) {
                best_score = score;
                c->physical_ = pd;
                c->queue_family_ = q;
            }
            break;
        }
    }
    if (!c->physical_)
        return fail("gpu: no suitable Vulkan device" + (opts.device_name.empty() ? std::string() : " named '" + opts.device_name + "'") +
                    " (found: " + seen + ")");
    vkGetPhysicalDeviceProperties(c->physical_, &c->props_);
    vkGetPhysicalDeviceMemoryProperties(c->physical_, &c->mem_props_);

    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    qci.queueFamilyIndex = c->queue_family_;
    qci.queueCount = 1;
    qci.pQueuePriorities = &prio;
    std::vector<const char*> dev_exts;
    if (opts.swapchain) dev_exts.push_back(VK_KHR_SWAPCHAIN_EXTENSION_NAME);
    VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    dci.enabledExtensionCount = static_cast<uint32_t>(dev_exts.size());
    dci.ppEnabledExtensionNames = dev_exts.data();
    r = vkCreateDevice(c->physical_, &dci, nullptr, &c->device_);
    if (r != VK_SUCCESS) return fail("gpu: cannot create a device on " + c->device_name() + ": " + vk_result_string(r));
    vkGetDeviceQueue(c->device_, c->queue_family_, 0, &c->queue_);

    VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
    pci.queueFamilyIndex = c->queue_family_;
    vkCreateCommandPool(c->device_, &pci, nullptr, &c->setup_pool_);
    RS_LOG_INFO("gpu: %s (%s)", c->props_.deviceName, c->is_cpu() ? "CPU implementation" : "GPU");
    return c;
}

Context::~Context() {
    if (device_) {
        vkDeviceWaitIdle(device_);
        if (setup_pool_) vkDestroyCommandPool(device_, setup_pool_, nullptr);
        vkDestroyDevice(device_, nullptr);
    }
    if (surface_) vkDestroySurfaceKHR(instance_, surface_, nullptr);
    if (messenger_) {
        auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
        if (destroy) destroy(instance_, messenger_, nullptr);
    }
    if (instance_) vkDestroyInstance(instance_, nullptr);
}

Result<uint32_t> Context::memory_type(uint32_t type_bits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) const {
    int fallback = -1;
    for (uint32_t i = 0; i < mem_props_.memoryTypeCount; ++i) {
        if (!(type_bits & (1u << i))) continue;
        VkMemoryPropertyFlags f = mem_props_.memoryTypes[i].propertyFlags;
        if ((f & required) != required) continue;
        if ((f & preferred) == preferred) return i;
        if (fallback < 0) fallback = static_cast<int>(i);
    }
    if (fallback >= 0) return static_cast<uint32_t>(fallback);
    return fail("gpu: no suitable memory type on " + device_name());
}

bool Context::format_supports(VkFormat f, VkFormatFeatureFlags features) const {
    VkFormatProperties p;
    vkGetPhysicalDeviceFormatProperties(physical_, f, &p);
    return (p.optimalTilingFeatures & features) == features;
}

Result<void> Context::immediate_submit(const std::function<void(VkCommandBuffer)>& record) {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = setup_pool_;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VkCommandBuffer cmd;
    if (vkAllocateCommandBuffers(device_, &ai, &cmd) != VK_SUCCESS) return fail("gpu: cannot allocate a command buffer");
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkBeginCommandBuffer(cmd, &bi);
    record(cmd);
    vkEndCommandBuffer(cmd);
    VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence fence;
    vkCreateFence(device_, &fci, nullptr, &fence);
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd;
    VkResult r = vkQueueSubmit(queue_, 1, &si, fence);
    if (r == VK_SUCCESS) r = vkWaitForFences(device_, 1, &fence, VK_TRUE, UINT64_MAX);
    vkDestroyFence(device_, fence, nullptr);
    vkFreeCommandBuffers(device_, setup_pool_, 1, &cmd);
    if (r != VK_SUCCESS) return fail("gpu: submit failed: " + vk_result_string(r));
    return {};
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
    if (this != &o) {
        reset();
        device = o.device;
        buffer = o.buffer;
        memory = o.memory;
        size = o.size;
        mapped = o.mapped;
        o.device = VK_NULL_HANDLE;
        o.buffer = VK_NULL_HANDLE;
        o.memory = VK_NULL_HANDLE;
        o.mapped = nullptr;
        o.size = 0;
    }
    return *this;
}

void Buffer::reset() {
    if (!device) return;
    if (mapped) vkUnmapMemory(device, memory);
    if (buffer) vkDestroyBuffer(device, buffer, nullptr);
    if (memory) vkFreeMemory(device, memory, nullptr);
    device = VK_NULL_HANDLE;
    buffer = VK_NULL_HANDLE;
    memory = VK_NULL_HANDLE;
    mapped = nullptr;
}

Result<Buffer> create_host_buffer(const Context& ctx, VkDeviceSize size, VkBufferUsageFlags usage) {
    Buffer b;
    b.device = ctx.device();
    b.size = size;
    VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = size;
    bci.usage = usage;
    bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    if (vkCreateBuffer(ctx.device(), &bci, nullptr, &b.buffer) != VK_SUCCESS) return fail("gpu: cannot create a buffer");
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx.device(), b.buffer, &req);
    // Host-coherent so writes need no flush; cached when available (readback is faster).
    auto type = ctx.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                                (usage & VK_BUFFER_USAGE_TRANSFER_DST_BIT) ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0);
    if (!type) return std::unexpected(type.error());
    VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = *type;
    VkResult r = vkAllocateMemory(ctx.device(), &mai, nullptr, &b.memory);
    if (r != VK_SUCCESS) return fail("gpu: cannot allocate " + std::to_string(size) + " bytes: " + vk_result_string(r));
    vkBindBufferMemory(ctx.device(), b.buffer, b.memory, 0);
    vkMapMemory(ctx.device(), b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped);
    return b;
}

}  // namespace reelsync::gpu

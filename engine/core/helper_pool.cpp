#include "core/helper_pool.h"

namespace reelsync {

HelperPool::HelperPool(size_t threads, threads::Priority priority, std::string name) : priority_(priority), name_(std::move(name)) {
    for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) workers_.emplace_back([this] { work(); });
}

HelperPool::~HelperPool() {
    {
        std::lock_guard lock(mutex_);
        quit_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
}

size_t HelperPool::queued() {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

void HelperPool::push(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void HelperPool::work() {
    threads::set_current(priority_, name_.c_str());
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return quit_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // quitting, and nothing left to run
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
        job = nullptr;  // what the job held goes here, on this thread, before it counts as done
        completed_.fetch_add(1);
    }
}

}  // namespace reelsync

#pragma once
// A bounded pool of helper threads for short jobs that must not run on the thread that presents
// frames: opening a clip or an edit, closing a reader (it joins a decode thread), tracking a song,
// turning live measures into flags. Jobs run in the order given, on at most `threads` threads at
// the pool's priority. A job never waits for another job of the same pool (that could take every
// thread); owners poll their futures instead.
//
// Thread: the pool is owned by one thread (the Session's owner, the main thread), which submits
// and destroys it; its workers only run jobs. Destruction runs what is queued, then joins.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/threads.h"

namespace reelsync {

class HelperPool {
public:
    HelperPool(size_t threads, threads::Priority priority, std::string name);
    ~HelperPool();
    HelperPool(const HelperPool&) = delete;
    HelperPool& operator=(const HelperPool&) = delete;

    template <class F>
    auto submit(F&& f) -> std::future<std::invoke_result_t<std::decay_t<F>>> {
        using R = std::invoke_result_t<std::decay_t<F>>;
        auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
        auto fut = task->get_future();
        push([task] { (*task)(); });
        return fut;
    }
    size_t threads() const { return workers_.size(); }
    // Jobs waiting for a thread, and jobs run to their end (for tests and the thread map).
    size_t queued();
    size_t completed() const { return completed_.load(); }

private:
    void push(std::function<void()> job);
    void work();
    const threads::Priority priority_;
    const std::string name_;
    std::mutex mutex_;
    std::condition_variable wake_;
    // Guarded by mutex_:
    std::deque<std::function<void()>> jobs_;
    bool quit_ = false;
    std::atomic<size_t> completed_{0};
    std::vector<std::thread> workers_;  // last: started once the fields above exist
};

}  // namespace reelsync

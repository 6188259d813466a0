#include "core/threads.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace reelsync::threads {

void set_current(Priority p, const char* name) {
    const id_t tid = static_cast<id_t>(syscall(SYS_gettid));
    const int now = getpriority(PRIO_PROCESS, tid);
    if (static_cast<int>(p) > now) setpriority(PRIO_PROCESS, tid, static_cast<int>(p));
    if (name) pthread_setname_np(pthread_self(), std::string(name).substr(0, 15).c_str());
}

unsigned cores() {
    static const unsigned n = std::max(1u, std::thread::hardware_concurrency());
    return n;
}

bool few_cores() { return cores() <= 2; }

}  // namespace reelsync::threads

#pragma once
// The command interface for scripts: JSON lines in, JSON lines out (mpv's IPC is the model).
//
//   request:  {"command": "seek 12.5s"}                or {"command": ["rate", 3], "request_id": 7}
//             {"command": "mark_in", "at": 2.0}        run when the master clock reaches 2.0 s
//             {"command": "get_state"}                 what plays, where, the clip and its decisions
//             {"command": "get_history"}               every command run, with its clock instant
//   reply:    {"request_id": 7, "error": "success", "data": {...}}
//             {"request_id": 8, "error": "unknown command 'rat' (...)"}
//
// Requests are read on a reader thread (the only thread it owns) and handed to the main loop,
// which runs them between frames, in order; a request with "at" waits for its clock instant and
// holds the ones after it. Replies are written by the main loop.
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "review/review.h"

namespace reelsync::review {

struct Request {
    nlohmann::json id;          // request_id, echoed (null when none)
    std::string command;        // as typed: "seek 12.5s", "get_state"
    std::optional<double> at;   // master-clock seconds it applies at
    std::string error;          // the line was not a request
};

// Parses one line of the protocol.
Request parse_request(const std::string& line);

class CommandServer {
public:
    // Reads requests from file descriptor `in` (0: stdin) and writes replies to `out`.
    CommandServer(int in, FILE* out);
    ~CommandServer();  // stops and joins the reader
    CommandServer(const CommandServer&) = delete;
    CommandServer& operator=(const CommandServer&) = delete;

    // Requests read since the last call (main thread).
    std::vector<Request> take();
    // The input has ended (and every request was taken).
    bool closed();
    void reply(const nlohmann::json& r);

private:
    void read_loop();
    int in_;
    FILE* out_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    // Guarded by mutex_:
    std::vector<Request> queue_;
    bool eof_ = false;
    std::thread reader_;  // last: starts once the fields above exist
};

// What a script reads back: the view, what plays and where, the clip and its decisions.
nlohmann::json state_json(Session& s, Review* review);
// The review's command history with clock instants.
nlohmann::json history_json(const Review& review);

}  // namespace reelsync::review

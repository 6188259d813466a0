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
// Two transports: standard input and output, or a local (Unix domain) socket that any number of
// scripts connect to and disconnect from while reelsync runs (mpv's --input-ipc-server); each
// reply goes to the connection its request came from.
//
// Requests are read on a reader thread (the only thread it owns) and handed to the main loop,
// which runs them between frames, in order; a request with "at" waits for its clock instant and
// holds the ones after it. Replies are made by the main loop; on a socket they are queued and
// written by the reader thread, so a script that does not read never stalls playback.
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
    int client = -1;            // the socket connection it came on (-1: standard input)
};

// Parses one line of the protocol.
Request parse_request(const std::string& line);

class CommandServer {
public:
    // Reads requests from file descriptor `in` (0: stdin) and writes replies to `out`.
    CommandServer(int in, FILE* out);
    // Listens on a local socket at `path`. A socket file left by a reelsync that is gone is
    // replaced; one another reelsync listens on, or a file that is not a socket, is an error.
    static Result<std::unique_ptr<CommandServer>> listen(const std::string& path);
    ~CommandServer();  // stops and joins the reader (and removes its socket file)
    CommandServer(const CommandServer&) = delete;
    CommandServer& operator=(const CommandServer&) = delete;

    // Requests read since the last call (main thread).
    std::vector<Request> take();
    // The input has ended (and every request was taken). A socket never ends: scripts come and go.
    bool closed();
    // The answer to `to` (to its connection; dropped if that script has gone).
    void reply(const Request& to, const nlohmann::json& r);

private:
    CommandServer(int listen_fd, std::string path);
    void read_loop();
    void socket_loop();
    struct Client {
        int fd = -1;
        std::string in, out;  // bytes read and not yet a line; replies not yet written
    };
    int in_ = -1;
    FILE* out_ = nullptr;
    int listen_fd_ = -1;
    std::string path_;        // the socket file (empty: standard input)
    int wake_[2] = {-1, -1};  // a pipe: the main thread tells the socket reader a reply is queued
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    // Guarded by mutex_:
    std::vector<Request> queue_;
    bool eof_ = false;
    std::vector<std::pair<int, Client>> clients_;  // id -> connection (socket mode)
    std::thread reader_;  // last: starts once the fields above exist
};

// What a script reads back: the view, what plays and where, the clip and its decisions.
nlohmann::json state_json(Session& s, Review* review);
// The review's command history with clock instants.
nlohmann::json history_json(const Review& review);

}  // namespace reelsync::review

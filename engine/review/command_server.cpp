#include "review/command_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/timecode.h"

namespace reelsync::review {

using json = nlohmann::json;

Request parse_request(const std::string& line) {
    Request r;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        r.error = "not a JSON object: " + line.substr(0, 80);
        return r;
    }
    if (j.contains("request_id")) r.id = j["request_id"];
    const json& c = j.contains("command") ? j["command"] : json();
    if (c.is_string()) {
        r.command = c.get<std::string>();
    } else if (c.is_array() && !c.empty()) {
        for (const json& part : c) {
            if (!r.command.empty()) r.command += ' ';
            if (part.is_string()) r.command += part.get<std::string>();
            else if (part.is_number_integer()) r.command += std::to_string(part.get<int64_t>());
            else if (part.is_number()) {
                char b[32];
                std::snprintf(b, sizeof b, "%.9g", part.get<double>());
                r.command += b;
            } else {
                r.error = "a command's parts are strings or numbers";
                return r;
            }
        }
    } else {
        r.error = "no \"command\" (a string, or an array of a name and its argument)";
        return r;
    }
    if (j.contains("at")) {
        if (!j["at"].is_number()) {
            r.error = "\"at\" is master-clock seconds (a number)";
            return r;
        }
        r.at = j["at"].get<double>();
    }
    return r;
}

CommandServer::CommandServer(int in, FILE* out) : in_(in), out_(out), reader_([this] { read_loop(); }) {}

CommandServer::CommandServer(int listen_fd, std::string path) : listen_fd_(listen_fd), path_(std::move(path)) {
    if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
    reader_ = std::thread([this] { socket_loop(); });
}

Result<std::unique_ptr<CommandServer>> CommandServer::listen(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return fail("--ipc " + path + ": a socket path is 1 to " + std::to_string(sizeof addr.sun_path - 1) + " bytes long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return fail("--ipc " + path + ": a file that is not a socket is there; not replacing it");
        // A socket file: in use by another reelsync, or left by one that is gone.
        const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const bool live = probe >= 0 && connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
        if (probe >= 0) close(probe);
        if (live) return fail("--ipc " + path + ": another program is listening there");
        unlink(path.c_str());
    }
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return fail("--ipc " + path + ": cannot make a socket: " + std::strerror(errno));
    if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 8) != 0) {
        const std::string why = std::strerror(errno);
        close(fd);
        return fail("--ipc " + path + ": cannot listen there: " + why);
    }
    return std::unique_ptr<CommandServer>(new CommandServer(fd, path));
}

CommandServer::~CommandServer() {
    stop_.store(true);
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
    if (reader_.joinable()) reader_.join();
    for (auto& [id, c] : clients_) close(c.fd);
    if (listen_fd_ >= 0) {
        close(listen_fd_);
        unlink(path_.c_str());
    }
    for (int fd : wake_)
        if (fd >= 0) close(fd);
}

namespace {
// Complete lines out of `pending`, as requests from `client`.
void take_lines(std::string& pending, int client, std::vector<Request>& out) {
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        out.push_back(parse_request(line));
        out.back().client = client;
    }
}
}  // namespace

void CommandServer::socket_loop() {
    int next_id = 0;
    char buf[4096];
    while (!stop_.load()) {
        std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        std::vector<int> ids;
        {
            std::lock_guard lock(mutex_);
            for (auto& [id, c] : clients_) {
                fds.push_back({c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
                ids.push_back(id);
            }
        }
        const int n = poll(fds.data(), fds.size(), 100);
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        if (fds[1].revents & POLLIN)
            while (::read(wake_[0], buf, sizeof buf) > 0) {
            }
        std::vector<Request> lines;
        std::lock_guard lock(mutex_);
        if (fds[0].revents & POLLIN) {
            for (int c; (c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0;) clients_.push_back({next_id++, Client{c, {}, {}}});
        }
        for (size_t k = 0; k < ids.size(); ++k) {
            const short ev = fds[k + 2].revents;
            auto it = std::find_if(clients_.begin(), clients_.end(), [&](const auto& e) { return e.first == ids[k]; });
            if (it == clients_.end() || !ev) continue;
            Client& c = it->second;
            bool gone = (ev & (POLLERR | POLLNVAL)) != 0;
            if (!gone && (ev & (POLLIN | POLLHUP))) {
                const ssize_t got = ::read(c.fd, buf, sizeof buf);
                if (got > 0) {
                    c.in.append(buf, static_cast<size_t>(got));
                    take_lines(c.in, it->first, lines);
                } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    gone = true;
                }
            }
            if (!gone && (ev & POLLOUT) && !c.out.empty()) {
                const ssize_t put = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
                if (put > 0) c.out.erase(0, static_cast<size_t>(put));
                else if (errno != EAGAIN && errno != EINTR) gone = true;
            }
            if (gone) {
                // A last line without its newline is still a request.
                if (c.in.find_first_not_of(" \t\r\n") != std::string::npos) {
                    lines.push_back(parse_request(c.in));
                    lines.back().client = -2;  // nobody to answer
                }
                close(c.fd);
                clients_.erase(it);
            }
        }
        for (Request& r : lines) queue_.push_back(std::move(r));
    }
}

void CommandServer::read_loop() {
    std::string pending;
    char buf[4096];
    while (!stop_.load()) {
        // poll with a timeout, so that the owner can stop the reader without closing its input.
        pollfd p{in_, POLLIN, 0};
        const int n = poll(&p, 1, 50);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n < 0) break;
            continue;
        }
        const ssize_t got = ::read(in_, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        pending.append(buf, static_cast<size_t>(got));
        std::vector<Request> lines;
        take_lines(pending, -1, lines);
        if (!lines.empty()) {
            std::lock_guard lock(mutex_);
            for (Request& r : lines) queue_.push_back(std::move(r));
        }
    }
    if (pending.find_first_not_of(" \t\r\n") != std::string::npos) {
        std::lock_guard lock(mutex_);
        queue_.push_back(parse_request(pending));
    }
    std::lock_guard lock(mutex_);
    eof_ = true;
}

std::vector<Request> CommandServer::take() {
    std::lock_guard lock(mutex_);
    std::vector<Request> out;
    out.swap(queue_);
    return out;
}

bool CommandServer::closed() {
    std::lock_guard lock(mutex_);
    return eof_ && queue_.empty();
}

void CommandServer::reply(const Request& to, const json& r) {
    const std::string line = r.dump() + "\n";
    if (listen_fd_ < 0) {
        std::fwrite(line.data(), 1, line.size(), out_);
        std::fflush(out_);
        return;
    }
    {
        std::lock_guard lock(mutex_);
        auto it = std::find_if(clients_.begin(), clients_.end(), [&](const auto& e) { return e.first == to.client; });
        if (it == clients_.end()) return;  // that script has gone
        it->second.out += line;
    }
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
}

namespace {
const char* status_name(project::Status s) {
    switch (s) {
        case project::Status::unreviewed: return "unreviewed";
        case project::Status::approved: return "approved";
        case project::Status::rejected: return "rejected";
    }
    return "?";
}

json clip_json(const project::Clip& c) {
    json j{{"id", c.id}, {"name", c.name}, {"status", status_name(c.status)}, {"rating", c.rating}, {"note", c.note}};
    j["mark_in"] = c.mark_in ? json(*c.mark_in) : json();
    j["mark_out"] = c.mark_out ? json(*c.mark_out) : json();
    j["in_edit"] = c.edit_pos.has_value();
    return j;
}
}  // namespace

json state_json(Session& s, Review* review) {
    json j;
    j["view"] = review ? to_string(review->context()) : "player";
    if (s.has_player()) {
        timeline::Player& p = s.player();
        const double now = steady_seconds();
        json pl{{"frame", p.current_index()}, {"playing", p.playing()}, {"speed", p.speed()},
                {"clock", p.clock().time_at(now)}, {"frames", p.info().frame_count()}};
        auto on = p.on_screen_at(p.clock().time_at(now));
        pl["on_screen"] = on ? json(on->frame) : json();
        if (auto l = p.loop()) pl["loop"] = {l->first, l->second};
        pl["presented"] = s.stats().presented();
        pl["dropped"] = s.stats().dropped();
        j["player"] = pl;
    }
    if (!review) {
        if (s.has_player()) j["file"] = s.reader().info().path;
        return j;
    }
    project::Project& proj = review->project();
    if (s.project_clip >= 0)
        if (const project::Clip* c = proj.clip(s.project_clip)) j["clip"] = clip_json(*c);
    if (const int64_t sel = review->selected_id(); sel >= 0) j["selected"] = clip_json(*proj.clip(sel));
    j["visible"] = review->visible().size();
    j["clips"] = proj.clips().size();
    int counts[3] = {0, 0, 0};
    for (const auto& c : proj.clips()) ++counts[static_cast<int>(c.status)];
    j["approved"] = counts[1];
    j["rejected"] = counts[2];
    j["unreviewed"] = counts[0];
    j["message"] = review->message();
    j["message_is_error"] = review->message_is_error();
    if (review->context() == Context::edit && review->edit()) {
        json shots = json::array();
        for (const auto& sh : review->edit()->shots) shots.push_back({{"clip", sh.clip_id}, {"in", sh.in}, {"out", sh.out}});
        j["edit"] = shots;
    }
    return j;
}

json history_json(const Review& review) {
    json a = json::array();
    for (const Review::Record& r : review.history()) {
        json e{{"view", to_string(r.where)}, {"command", r.command}};
        e["clock"] = r.clock >= 0 ? json(r.clock) : json();
        a.push_back(e);
    }
    return a;
}

}  // namespace reelsync::review

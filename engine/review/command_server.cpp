#include "review/command_server.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

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

CommandServer::~CommandServer() {
    stop_.store(true);
    if (reader_.joinable()) reader_.join();
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
        size_t nl;
        std::vector<Request> lines;
        while ((nl = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            lines.push_back(parse_request(line));
        }
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

void CommandServer::reply(const json& r) {
    const std::string line = r.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
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

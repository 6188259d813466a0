#include "review/command_feed.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace reelsync::review {

Result<std::vector<ScriptedKey>> parse_keys(const std::string& spec) {
    std::vector<ScriptedKey> out;
    size_t pos = 0;
    while (pos < spec.size()) {
        size_t comma = spec.find(',', pos);
        // "0.5:," presses the comma key: a comma right after the colon is the key, not a separator.
        if (comma != std::string::npos && comma > 0 && spec[comma - 1] == ':') comma = spec.find(',', comma + 1);
        std::string item = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? spec.size() : comma + 1;
        size_t colon = item.find(':');
        if (colon == std::string::npos) return fail("--keys: '" + item + "' is not SECONDS:KEY");
        char* end = nullptr;
        const std::string t = item.substr(0, colon);
        const double at = std::strtod(t.c_str(), &end);
        if (t.empty() || end != t.c_str() + t.size()) return fail("--keys: '" + item + "': '" + t + "' is not seconds");
        auto name = review::canonical_key(item.substr(colon + 1));
        if (!name) return fail("--keys: " + name.error().message);
        out.push_back({at, *name});
    }
    std::stable_sort(out.begin(), out.end(), [](const ScriptedKey& a, const ScriptedKey& b) { return a.t < b.t; });
    return out;
}

CommandFeed::CommandFeed(const KeyMap& keymap, std::vector<ScriptedKey> keys, CommandServer* ipc)
    : keymap_(keymap), keys_(std::move(keys)), ipc_(ipc) {}

bool CommandFeed::stuck_after(double clock_t) {
    if (ipc_ && !ipc_->closed()) return false;
    if (next_key_ < keys_.size() && keys_[next_key_].t > clock_t) return true;
    return !requests_.empty() && requests_.front().at && *requests_.front().at > clock_t;
}

std::string CommandFeed::finish(const std::string& why) {
    if (quit_) return {};
    const size_t refused = why.empty() ? 0 : requests_.size();
    if (refused && ipc_)
        for (const Request& r : requests_) ipc_->reply(r, nlohmann::json{{"request_id", r.id}, {"error", "never came due: " + why}});
    if (refused) requests_.clear();
    std::string out;
    if (next_key_ < keys_.size()) {
        char t[32];
        std::snprintf(t, sizeof t, "%.3f", keys_[next_key_].t);
        out = "--keys: " + std::to_string(keys_.size() - next_key_) + " of " + std::to_string(keys_.size()) +
              " keys not pressed (the next: " + t + ":" + keys_[next_key_].key + ")";
    }
    if (refused) out += std::string(out.empty() ? "" : ", and ") + std::to_string(refused) + " requests never came due";
    return out.empty() || why.empty() ? out : out + ": " + why;
}

bool CommandFeed::idle() { return next_key_ >= keys_.size() && requests_.empty() && (!ipc_ || ipc_->closed()); }

namespace {
// The steady instant script time `t` comes at: the clock of what plays, else time since `start`.
// While the clock stands still the time does not come, with one exception: when playback is
// stopped (paused by a key or --paused, or at the end; not a clip starting or a seek that will
// play on), a key at or before the stopped instant is due now, so that "1.0:space,1.0:i" pauses
// and then marks, and a key after a pause can start play again.
std::optional<double> due(Session& s, Review* review, double t, double start, double now) {
    const bool clocked = s.has_player() && !(review && review->context() == Context::browser);
    if (!clocked) return start + t;
    timeline::Player& p = s.player();
    if (!p.clock().playing()) {
        if (!p.playing() && t <= p.clock().time_at(now)) return now;
        return std::nullopt;
    }
    return now - (p.clock().time_at(now) - t);
}
}  // namespace

Outcome CommandFeed::run(Session& s, Review* review, const Command& c, double at) {
    const Outcome o = review ? review->execute(c, at) : execute_transport(s, c, at);
    if (o == Outcome::for_window) {
        if (c.name == "quit") quit_ = true;
        else if (on_window) on_window(c);
    }
    return o;
}

double CommandFeed::pump(Session& s, Review* review, double now) {
    double wake = now + 1.0;
    if (ipc_)
        for (Request& r : ipc_->take()) requests_.push_back(std::move(r));
    while (!quit_) {
        // While a clip or an edit opens, what comes next waits for it (it is meant for it).
        if (review && review->pending()) return std::min(wake, now + 0.005);
        // The earlier of the next key and the next request (a request without "at" is now).
        std::optional<double> key_at, req_at;
        if (next_key_ < keys_.size()) key_at = due(s, review, keys_[next_key_].t, start_, now);
        if (!requests_.empty()) req_at = requests_.front().at ? due(s, review, *requests_.front().at, start_, now) : now;
        const bool key_first = key_at && (!req_at || *key_at <= *req_at);
        if (key_first && *key_at <= now) {
            const ScriptedKey& k = keys_[next_key_];
            const Context where = review ? review->context() : Context::player;
            const Command* c = keymap_.lookup(where, k.key);
            // (A grid command waits for the grid, and what comes after it waits too: in order.)
            if (c && review && review->waits_for_grid(*c)) return std::min(wake, now + 0.005);
            ++next_key_;
            if (c) run(s, review, *c, *key_at);
            continue;
        }
        if (!key_first && req_at && *req_at <= now) {
            if (review) {
                auto c = parse_command(requests_.front().command);
                if (c && review->waits_for_grid(*c)) return std::min(wake, now + 0.005);
            }
            Request r = std::move(requests_.front());
            requests_.pop_front();
            answer(s, review, r, *req_at);
            continue;
        }
        if (key_at) wake = std::min(wake, *key_at);
        if (req_at) wake = std::min(wake, *req_at);
        break;
    }
    return wake;
}

void CommandFeed::answer(Session& s, Review* review, const Request& r, double at) {
    nlohmann::json reply{{"request_id", r.id}};
    if (!r.error.empty()) {
        reply["error"] = r.error;
    } else if (r.command == "get_state") {
        reply["error"] = "success";
        reply["data"] = state_json(s, review);
    } else if (r.command == "get_history") {
        reply["error"] = "success";
        reply["data"] = review ? history_json(*review) : nlohmann::json::array();
    } else if (auto c = parse_command(r.command); !c) {
        reply["error"] = c.error().message;
    } else {
        const Outcome o = run(s, review, *c, at);
        if (o == Outcome::done || (o == Outcome::for_window && (c->name == "quit" || on_window))) reply["error"] = "success";
        else if (o == Outcome::for_window) reply["error"] = c->name + " needs the window";
        else reply["error"] = review && !review->message().empty() && review->message_is_error() ? review->message()
                                                                                                : c->name + " does nothing here";
    }
    if (ipc_) ipc_->reply(r, reply);
}

}  // namespace reelsync::review

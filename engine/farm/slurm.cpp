// The farm's scheduler on Slurm: sbatch submits an array, squeue says what is still queued,
// scontrol how a task ended, scancel cancels. Each command's own error is passed on.
#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "core/process.h"
#include "farm/farm.h"

namespace reelsync::farm {

namespace {

std::string first_line(const std::string& s) {
    std::string t = s.substr(0, s.find('\n'));
    while (!t.empty() && (t.back() == '\r' || t.back() == ' ')) t.pop_back();
    return t;
}

Result<ProcessOutput> slurm_command(const std::vector<std::string>& argv) {
    auto r = run_process(argv);
    if (!r) {
        if (r.error().message.find("no such program") != std::string::npos)
            return fail("Slurm is not installed here (no " + argv[0] + " on PATH; Debian: slurm-client)");
        return std::unexpected(r.error());
    }
    if (r->exit_code != 0) {
        std::string why = first_line(r->err.empty() ? r->out : r->err);
        return fail(argv[0] + " failed (exit " + std::to_string(r->exit_code) + ")" + (why.empty() ? "" : ": " + why));
    }
    return r;
}

class Slurm final : public Scheduler {
public:
    const char* name() const override { return "slurm"; }

    Result<void> check() override {
        auto r = slurm_command({"sinfo", "--noheader", "--format=%P %a"});
        if (!r) {
            if (r.error().message.rfind("Slurm is not installed", 0) == 0) return std::unexpected(r.error());
            return fail("Slurm's controller cannot be reached (" + r.error().message + ")");
        }
        if (first_line(r->out).empty()) return fail("Slurm answers but has no partition to run on");
        return {};
    }

    Result<std::string> submit(const fs::path& script, const fs::path& work, const std::vector<int>& tasks, const SubmitOptions& o) override {
        std::string list;
        for (int t : tasks) list += (list.empty() ? "" : ",") + std::to_string(t);
        std::vector<std::string> argv = {"sbatch",
                                         "--parsable",
                                         "--job-name=reelsync-scan",
                                         "--array=" + list,
                                         "--output=" + (work / "logs" / "%A_%a.log").string(),
                                         "--chdir=" + work.string(),
                                         "--cpus-per-task=" + std::to_string(std::max(o.cpus_per_task, 1))};
        if (!o.partition.empty()) argv.push_back("--partition=" + o.partition);
        if (!o.time_limit.empty()) argv.push_back("--time=" + o.time_limit);
        argv.push_back(script.string());
        auto r = slurm_command(argv);
        if (!r) return std::unexpected(r.error());
        std::string id = first_line(r->out);
        id = id.substr(0, id.find(';'));  // "JOB;CLUSTER" on a multi-cluster setup
        if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) return fail("sbatch answered '" + first_line(r->out) + "', not a job id");
        return id;
    }

    Result<std::map<std::string, TaskPhase>> queue(const std::vector<std::string>& jobs) override {
        std::map<std::string, TaskPhase> out;
        if (jobs.empty()) return out;
        // Every job in the queue (asking for ids that have left it is an error in squeue).
        auto r = slurm_command({"squeue", "--noheader", "--array", "--format=%F %K %T"});
        if (!r) return std::unexpected(r.error());
        const std::set<std::string> ours(jobs.begin(), jobs.end());
        std::istringstream in(r->out);
        std::string job, index, st;
        while (in >> job >> index >> st) {
            if (!ours.count(job)) continue;
            const bool running = st == "RUNNING" || st == "COMPLETING" || st == "STOPPED" || st == "SUSPENDED";
            out[job + "_" + index] = running ? TaskPhase::running : TaskPhase::pending;
        }
        return out;
    }

    std::string how_ended(const std::string& task) override {
        auto r = run_process({"scontrol", "--oneliner", "show", "job", task});
        if (!r || r->exit_code != 0) return "";
        auto field = [&](const std::string& key) {
            const size_t at = r->out.find(" " + key + "=");
            if (at == std::string::npos) return std::string();
            const size_t from = at + key.size() + 2;
            return r->out.substr(from, r->out.find_first_of(" \n", from) - from);
        };
        std::string state = field("JobState"), code = field("ExitCode");
        if (state.empty()) return "";
        // ExitCode=STATUS:SIGNAL
        const size_t colon = code.find(':');
        const std::string sig = colon == std::string::npos ? "0" : code.substr(colon + 1);
        if (sig != "0") state += ", killed by signal " + sig;
        else if (state == "FAILED" && !code.empty()) state += ", exit " + code.substr(0, colon);
        return state;
    }

    Result<void> cancel(const std::vector<std::string>& jobs) override {
        if (jobs.empty()) return {};
        std::vector<std::string> argv = {"scancel"};
        argv.insert(argv.end(), jobs.begin(), jobs.end());
        auto r = slurm_command(argv);
        if (!r) return std::unexpected(r.error());
        return {};
    }

    Result<int> cpus() override {
        auto r = slurm_command({"sinfo", "--noheader", "--format=%C"});  // allocated/idle/other/total
        if (!r) return std::unexpected(r.error());
        int total = 0;
        std::istringstream in(r->out);
        for (std::string l; std::getline(in, l);)
            if (const size_t at = l.rfind('/'); at != std::string::npos) total += std::atoi(l.c_str() + at + 1);
        return total;
    }
};

}  // namespace

std::unique_ptr<Scheduler> slurm_scheduler() { return std::make_unique<Slurm>(); }

}  // namespace reelsync::farm

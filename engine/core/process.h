#pragma once
// Running another program and reading what it printed (the cluster scheduler's commands). The
// program is found on PATH; its arguments go to it as they are, through no shell.
#include <string>
#include <vector>

#include "core/error.h"

namespace reelsync {

struct ProcessOutput {
    int exit_code = 0;    // 128 + N when signal N ended it
    std::string out, err; // what it wrote to stdout and stderr
};

// Fails only when the program could not be started (the message says so: "no such program" when
// it is not installed); a program that ran and failed is an exit code and its stderr.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv);

}  // namespace reelsync

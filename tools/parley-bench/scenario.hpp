#pragma once

#include "options.hpp"

namespace bench {

// Runs the scenario the options name and prints the report. Returns the exit status: 0 when the
// run completed, 1 when it could not (clients failed to join, server gone). Throws UsageError for
// a run this machine cannot do (more clients than open files).
int run_scenario(const Options& options);

}  // namespace bench

#pragma once

namespace parley::cli {

// Each subcommand takes the arguments after its own name and returns the process exit code:
// 0 success, 1 runtime failure, 2 invalid usage or configuration.
int run_serve(int argc, char** argv);
int run_token(int argc, char** argv);

}  // namespace parley::cli

// parley-bench: a load generator for Parley and, with --raw, for any WebSocket broadcast server.
// See docs/benchmarks.md for the method and the figures.
#include <csignal>
#include <cstdio>
#include <exception>

#include "options.hpp"
#include "scenario.hpp"

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);  // a server closing on us must be an error code, not death
    try {
        const bench::Options options = bench::parse_options(argc, argv);
        if (options.help) {
            std::fputs(bench::usage_text().c_str(), stdout);
            return 0;
        }
        return bench::run_scenario(options);
    } catch (const bench::UsageError& error) {
        std::fprintf(stderr, "parley-bench: %s\n", error.what());
        return 2;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "parley-bench: %s\n", error.what());
        return 1;
    }
}

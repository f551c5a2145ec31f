#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "config/logging.hpp"
#include "config/options.hpp"
#include "server.hpp"

extern char** environ;

namespace parley::cli {

int run_serve(int argc, char** argv) {
    if (config::wants_help(argc, argv)) {
        std::cout << config::serve_help();
        return 0;
    }
    auto parsed = config::parse_serve_options(argc, argv, environ);
    if (!parsed) {
        std::cerr << "parley serve: " << parsed.error().message << " (see parley serve --help)\n";
        return 2;
    }
    auto& options = *parsed;
    config::setup_logging(options.log_level, options.log_format);
    try {
        Server server(std::move(options));
        return server.run();
    } catch (const StartupError& e) {
        spdlog::error("cannot start: {}", e.what());
        std::cerr << "parley serve: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace parley::cli

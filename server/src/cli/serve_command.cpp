#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "config/logging.hpp"
#include "config/options.hpp"
#include "server.hpp"

extern char** environ;

namespace parley::cli {

int run_serve(int argc, char** argv) {
    auto parsed = config::parse_serve_options(argc, argv, environ);
    if (std::holds_alternative<config::HelpRequested>(parsed)) {
        std::cout << config::serve_help();
        return 0;
    }
    if (auto* error = std::get_if<config::ParseError>(&parsed)) {
        std::cerr << "parley serve: " << error->message << " (see parley serve --help)\n";
        return 2;
    }
    auto& options = std::get<config::Options>(parsed);
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

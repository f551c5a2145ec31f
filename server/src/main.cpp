#include <cstring>
#include <iostream>
#include <string_view>

#include "cli/commands.hpp"

namespace {

constexpr const char* usage =
    "Usage: parley <command> [options]\n\n"
    "Commands:\n"
    "  serve    run the chat server (HTTP, browser client and WebSocket on one port)\n"
    "  token    print an HS256 token for a user, for token mode\n\n"
    "Run 'parley <command> --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << usage;
        return 2;
    }
    std::string_view command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << usage;
        return 0;
    }
    if (command == "--version") {
        std::cout << "parley " << PARLEY_VERSION << "\n";
        return 0;
    }
    if (command == "serve") return parley::cli::run_serve(argc - 2, argv + 2);
    if (command == "token") return parley::cli::run_token(argc - 2, argv + 2);
    std::cerr << "parley: unknown command '" << command << "' (try parley --help)\n";
    return 2;
}

#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

enum class Scenario { fanout, rooms, idle, connect, history, welcome };

struct Options {
    Scenario scenario = Scenario::fanout;
    // Servers to load. Repeat --url to spread the clients over several (cluster nodes): client c
    // connects to urls[c % count].
    std::vector<std::string> urls{"ws://127.0.0.1:8080/ws"};
    bool raw = false;  // no hello/join: every text frame is a delivery (peer servers)

    std::uint32_t clients = 1000;
    std::uint32_t channels = 1;
    std::uint32_t senders = 20;
    std::uint32_t window = 1;  // closed loop: messages in flight per sender
    double rate = 0;           // open loop: messages per second, all senders together; 0 = closed
    std::uint32_t text_size = 64;

    double duration_s = 10;
    double warmup_s = 2;
    double drain_s = 5;
    double handshake_timeout_s = 10;
    double setup_timeout_s = 120;

    std::uint32_t threads = 1;
    std::uint32_t max_pending = 64;  // handshakes in progress at once, per thread
    std::uint32_t concurrency = 32;  // connect scenario: connections cycling at once
    std::uint32_t per_address = 0;   // connections per source address; 0 = from the port range
    std::uint32_t max_addresses = 250;

    // history: fill the channels with this many events (unless no_fill), then time pages from
    // `readers` connections; data_file is the server's --data, for the database's size.
    std::uint64_t events = 1000000;
    bool no_fill = false;
    std::uint32_t readers = 1;
    std::string data_file;

    // welcome: the token users to log in as (`parley token`), what each is set up with, and
    // (--clients) how many others fill its channels at once.
    std::vector<std::string> tokens;
    std::uint32_t messages = 20;       // from others, in each of the user's channels
    std::uint32_t conversations = 50;  // others who send the user direct messages

    std::vector<int> server_pids;  // their CPU and RSS are summed
    std::string channel_prefix = "bench";
    std::string nick_prefix;  // empty: "b" + a per-run tag, so repeated runs never collide
    bool json = false;
    bool help = false;
};

// A bad command line: main prints the message on one line and exits 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses argv (argv[0] is skipped); scenario defaults fill whatever was not given. Throws
// UsageError.
Options parse_options(int argc, const char* const* argv);

std::string usage_text();
const char* scenario_name(Scenario scenario);

}  // namespace bench

#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "welcome.hpp"
#include "ws_url.hpp"

namespace bench {
namespace {

std::uint32_t parse_count(const std::string& name, const std::string& text, std::uint32_t min,
                          std::uint32_t max) {
    std::uint64_t value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc{} || result.ptr != text.data() + text.size() || value < min ||
        value > max)
        throw UsageError(name + " wants a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got '" + text + "'");
    return static_cast<std::uint32_t>(value);
}

double parse_seconds(const std::string& name, const std::string& text, double min, double max) {
    std::string_view digits = text;
    if (!digits.empty() && digits.back() == 's') digits.remove_suffix(1);
    double value = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (result.ec != std::errc{} || result.ptr != digits.data() + digits.size() ||
        !std::isfinite(value) || value < min || value > max)
        throw UsageError(name + " wants a number of seconds from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got '" + text + "'");
    return value;
}

bool valid_name(const std::string& text, std::size_t max_size) {
    if (text.empty() || text.size() > max_size) return false;
    for (char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

Scenario parse_scenario(const std::string& text) {
    if (text == "fanout") return Scenario::fanout;
    if (text == "rooms") return Scenario::rooms;
    if (text == "idle") return Scenario::idle;
    if (text == "connect") return Scenario::connect;
    if (text == "history") return Scenario::history;
    if (text == "welcome") return Scenario::welcome;
    throw UsageError("unknown scenario '" + text +
                     "' (fanout, rooms, idle, connect, history or welcome)");
}

std::string run_tag() {
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::uint32_t seed = static_cast<std::uint32_t>(getpid()) * 2654435761u ^
                         static_cast<std::uint32_t>(std::time(nullptr));
    std::string tag;
    for (int i = 0; i < 4; ++i) {
        tag += digits[seed % 36];
        seed /= 36;
    }
    return tag;
}

}  // namespace

const char* scenario_name(Scenario scenario) {
    switch (scenario) {
        case Scenario::fanout:
            return "fanout";
        case Scenario::rooms:
            return "rooms";
        case Scenario::idle:
            return "idle";
        case Scenario::connect:
            return "connect";
        case Scenario::history:
            return "history";
        case Scenario::welcome:
            return "welcome";
    }
    return "?";
}

std::string usage_text() {
    return R"(usage: parley-bench SCENARIO [options]

Load generator for Parley (or, with --raw, any WebSocket broadcast server). One process, epoll,
non-blocking sockets: it opens thousands of clients cheaply. Only loopback targets are allowed.

Scenarios:
  fanout   N clients in one channel, S of them sending (closed loop, or open loop with --rate)
  rooms    N clients spread over M channels, S senders (default: everyone) chatting
  idle     hold N connections (each hello'd and joined) for the duration, report memory
  connect  handshakes per second: open, hello, close, repeatedly, C at a time
  history  fill M channels with E events (says, edits, deletes, reactions) from N clients, W
           commands in flight each, then time `history` pages of 100 (one in four the newest,
           the rest at random depths) from R readers, closed loop
  welcome  set up token users (--token) who keep M channels that N others fill and have C
           conversations, then log in as them over and over, one fresh connection at a time,
           timing hello to welcome and checking every figure of each welcome

Options (--name VALUE or --name=VALUE):
  --scenario NAME          the scenario, instead of the first argument
  --url URL                server to load, ws://HOST:PORT/PATH (default ws://127.0.0.1:8080/ws);
                           repeat it to spread the clients over several servers (client c goes
                           to the (c mod count)-th URL), e.g. the nodes of a cluster
  --raw                    no Parley protocol: no hello/join, senders send the bare text and every
                           text frame received counts as a delivery (for peer broadcast servers)
  --clients N              clients to open (default 1000; history: fill clients, default 4;
                           welcome: others filling the user's channels at once, default 4)
  --channels M             channels the clients are spread over (fanout 1, rooms 10); history:
                           channels every fill client fills in turn (default 1); welcome:
                           channels each user keeps (default 100)
  --senders S              clients that send (fanout 20, rooms all clients)
  --window W               closed loop: messages each sender keeps in flight; a message is in
                           flight until the sender receives it back from the server (default 1);
                           history: commands each fill client keeps awaiting their ok (64)
  --rate R                 open loop: R messages per second from all senders together (0: closed)
  --text-size BYTES        message text size, timestamp stamp included (default 64)
  --duration SECONDS       measured interval (default 10)
  --warmup SECONDS         traffic before measuring starts (fanout/rooms 2, connect 1)
  --drain SECONDS          after measuring, how long to wait for messages in flight (default 5)
  --handshake-timeout SEC  per connection: connect + upgrade + hello + join (default 10)
  --setup-timeout SEC      all clients connected and joined within this (default 120)
  --threads T              worker threads, each with its own epoll set (default 1)
  --max-pending N          handshakes in progress at once per thread while opening (default 64)
  --concurrency C          connect scenario: connections cycling at once (default 32)
  --per-address N          connections per source address 127.0.0.x before using the next one
                           (default: a third of the ephemeral port range)
  --max-addresses K        source addresses to use at most, 127.0.0.1 .. 127.0.0.K (default 250)
  --events E               history: events to add to the channels (default 1000000)
  --no-fill                history: add nothing, time pages on what the channels hold already
                           (e.g. after restarting the server on the same --data file)
  --readers R              history: connections reading pages, one request each (default 1)
  --data FILE              history, welcome: the server's --data file, for the database's size
  --token JWT              welcome: a token user to set up and log in as (parley token --secret S
                           --user NICK); repeat it for several users, logged in in turn
  --messages N             welcome: messages others send to each of the user's channels (20)
  --conversations C        welcome: others who send the user 1-3 direct messages each (50)
  --server-pid PID         read the server's CPU time and RSS from /proc/PID; repeat it for
                           several server processes (their figures are summed)
  --channel-prefix NAME    channel names: NAME, or NAME0..NAME(M-1) (default bench)
  --nick-prefix NAME       nick prefix (default: b + a random per-run tag)
  --json                   also print the results as one JSON object on the last line
  -h, --help               this text

Figures: deliveries/s (message events received by all clients), messages/s sent and acked,
latency from send to delivery (p50/p99/max, timestamp carried in the text), losses (expected
deliveries vs received, and holes in each sender's sequence), the tool's own CPU time and, with
--server-pid, the server's CPU time per 1000 deliveries and RSS per connection. history: events/s
while filling, `history` request-to-reply latency p50/p90/p99/max, what the pages held, and the
database's size with --data. welcome: hello-to-welcome latency p50/p90/p99/max, the welcome's
size and, with --server-pid, the server's CPU time per login.
Exit status: 0 done, 1 the run failed (server unreachable, clients lost), 2 bad arguments.
)";
}

Options parse_options(int argc, const char* const* argv) {
    Options options;
    std::set<std::string> given;
    std::optional<std::string> scenario_text;
    bool urls_given = false;

    using Setter = std::function<void(const std::string& name, const std::string& value)>;
    const std::map<std::string, Setter> valued = {
        {"--scenario", [&](auto&, auto& v) { scenario_text = v; }},
        {"--url",
         [&](auto&, auto& v) {
             if (!urls_given) options.urls.clear();
             urls_given = true;
             options.urls.push_back(v);
         }},
        {"--clients", [&](auto& n, auto& v) { options.clients = parse_count(n, v, 1, 1000000); }},
        {"--channels", [&](auto& n, auto& v) { options.channels = parse_count(n, v, 1, 100000); }},
        {"--senders", [&](auto& n, auto& v) { options.senders = parse_count(n, v, 1, 1000000); }},
        {"--window", [&](auto& n, auto& v) { options.window = parse_count(n, v, 1, 100000); }},
        {"--rate", [&](auto& n, auto& v) { options.rate = parse_seconds(n, v, 0, 1e8); }},
        {"--text-size",
         [&](auto& n, auto& v) { options.text_size = parse_count(n, v, 1, 1000000); }},
        {"--duration",
         [&](auto& n, auto& v) { options.duration_s = parse_seconds(n, v, 0.1, 86400); }},
        {"--warmup", [&](auto& n, auto& v) { options.warmup_s = parse_seconds(n, v, 0, 3600); }},
        {"--drain", [&](auto& n, auto& v) { options.drain_s = parse_seconds(n, v, 0, 3600); }},
        {"--handshake-timeout",
         [&](auto& n, auto& v) { options.handshake_timeout_s = parse_seconds(n, v, 0.1, 3600); }},
        {"--setup-timeout",
         [&](auto& n, auto& v) { options.setup_timeout_s = parse_seconds(n, v, 1, 86400); }},
        {"--threads", [&](auto& n, auto& v) { options.threads = parse_count(n, v, 1, 64); }},
        {"--max-pending",
         [&](auto& n, auto& v) { options.max_pending = parse_count(n, v, 1, 100000); }},
        {"--concurrency",
         [&](auto& n, auto& v) { options.concurrency = parse_count(n, v, 1, 100000); }},
        {"--per-address",
         [&](auto& n, auto& v) { options.per_address = parse_count(n, v, 1, 65535); }},
        {"--max-addresses",
         [&](auto& n, auto& v) { options.max_addresses = parse_count(n, v, 1, 254); }},
        {"--server-pid",
         [&](auto& n, auto& v) {
             options.server_pids.push_back(static_cast<int>(parse_count(n, v, 1, 1u << 30)));
         }},
        {"--events",
         [&](auto& n, auto& v) { options.events = parse_count(n, v, 1, 1'000'000'000); }},
        {"--readers", [&](auto& n, auto& v) { options.readers = parse_count(n, v, 1, 64); }},
        {"--data", [&](auto&, auto& v) { options.data_file = v; }},
        {"--token", [&](auto&, auto& v) { options.tokens.push_back(v); }},
        {"--messages", [&](auto& n, auto& v) { options.messages = parse_count(n, v, 1, 100000); }},
        {"--conversations",
         [&](auto& n, auto& v) { options.conversations = parse_count(n, v, 0, 100000); }},
        {"--channel-prefix", [&](auto&, auto& v) { options.channel_prefix = v; }},
        {"--nick-prefix", [&](auto&, auto& v) { options.nick_prefix = v; }},
    };

    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            options.help = true;
            return options;
        }
        if (arg == "--raw") {
            options.raw = true;
            continue;
        }
        if (arg == "--json") {
            options.json = true;
            continue;
        }
        if (arg == "--no-fill") {
            options.no_fill = true;
            given.insert(arg);
            continue;
        }
        if (arg.rfind("--", 0) != 0) {
            if (scenario_text) throw UsageError("unexpected argument '" + arg + "'");
            scenario_text = arg;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> value;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        const auto option = valued.find(name);
        if (option == valued.end()) throw UsageError("unknown option '" + name + "' (see --help)");
        if (!value) {
            if (i + 1 >= argc) throw UsageError(name + " needs a value");
            value = argv[++i];
        }
        option->second(name, *value);
        given.insert(name);
    }

    if (!scenario_text)
        throw UsageError("no scenario given (fanout, rooms, idle, connect, history or welcome)");
    options.scenario = parse_scenario(*scenario_text);
    const auto set = [&](const char* name) { return given.count(name) != 0; };

    // Scenario defaults, for whatever the command line left open.
    if (options.scenario == Scenario::rooms) {
        if (!set("--channels")) options.channels = 10;
        if (!set("--senders")) options.senders = options.clients;
    }
    if (options.scenario == Scenario::connect && !set("--warmup")) options.warmup_s = 1;
    const bool history = options.scenario == Scenario::history;
    if (history) {
        if (!set("--clients")) options.clients = 4;
        if (!set("--window")) options.window = 64;
        for (const char* other : {"--senders", "--rate", "--threads", "--concurrency"})
            if (set(other))
                throw UsageError(std::string("history: ") + other +
                                 " does not apply (--clients fill, --readers read)");
        if (options.raw) throw UsageError("history needs Parley's protocol: no --raw");
        if (options.urls.size() != 1) throw UsageError("history loads one server: one --url");
    }
    const bool welcome = options.scenario == Scenario::welcome;
    if (welcome) {
        if (!set("--clients")) options.clients = 4;
        if (!set("--channels")) options.channels = 100;
        if (!set("--warmup")) options.warmup_s = 1;
        if (options.tokens.empty())
            throw UsageError("welcome needs --token (parley token --secret S --user NICK)");
        for (const auto& token : options.tokens) token_subject(token);
        for (const char* other : {"--senders", "--rate", "--window", "--threads", "--concurrency",
                                  "--events", "--no-fill", "--readers"})
            if (set(other)) throw UsageError(std::string("welcome: ") + other + " does not apply");
        if (options.raw) throw UsageError("welcome needs Parley's protocol: no --raw");
        if (options.urls.size() != 1) throw UsageError("welcome logs in to one server: one --url");
    }
    for (const char* own : {"--events", "--no-fill", "--readers"})
        if (!history && set(own))
            throw UsageError(std::string(own) + " is for the history scenario");
    if (!history && !welcome && set("--data"))
        throw UsageError("--data is for the history and welcome scenarios");
    for (const char* own : {"--token", "--messages", "--conversations"})
        if (!welcome && set(own))
            throw UsageError(std::string(own) + " is for the welcome scenario");
    if (!set("--senders")) options.senders = std::min(options.senders, options.clients);
    if (options.scenario == Scenario::idle || options.scenario == Scenario::connect || history ||
        welcome) {
        if (!history && !welcome && (set("--senders") || set("--rate") || set("--window")))
            throw UsageError(std::string(scenario_name(options.scenario)) +
                             " sends no messages: --senders, --rate and --window do not apply");
        options.senders = 0;
    }
    if (options.scenario == Scenario::fanout && options.channels != 1)
        throw UsageError("fanout uses one channel; use the rooms scenario for --channels");

    // Cross-checks.
    for (const auto& url : options.urls) parse_ws_url(url);
    if (options.senders > options.clients)
        throw UsageError("--senders (" + std::to_string(options.senders) +
                         ") cannot exceed --clients (" + std::to_string(options.clients) + ")");
    if (!history && !welcome && options.channels > options.clients)
        throw UsageError("--channels cannot exceed --clients");
    if (options.raw && options.channels > 1)
        throw UsageError("--raw has no channels: a peer server broadcasts to every client");
    if (!valid_name(options.channel_prefix, 48) || options.channel_prefix[0] == '_' ||
        options.channel_prefix[0] == '-')
        throw UsageError("--channel-prefix must be 1-48 of A-Z a-z 0-9 _ -, starting alphanumeric");
    if (options.nick_prefix.empty()) options.nick_prefix = "b" + run_tag();
    if (!valid_name(options.nick_prefix, 16))
        throw UsageError("--nick-prefix must be 1-16 of A-Z a-z 0-9 _ -");
    for (const int pid : options.server_pids)
        if (access(("/proc/" + std::to_string(pid)).c_str(), F_OK) != 0)
            throw UsageError("--server-pid " + std::to_string(pid) + ": no such process");
    return options;
}

}  // namespace bench

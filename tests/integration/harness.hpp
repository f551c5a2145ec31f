#pragma once
// Test harness: the real `parley` binary as a child process, and real WebSocket clients.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace parley::test {

using nlohmann::json;
using namespace std::chrono_literals;

// Generous: tests wait on events, and only a broken server makes them wait this long.
inline constexpr std::chrono::milliseconds default_timeout = 10s;

// Sanitizer builds (scripts/test --asan, --tsan) run several times slower. A test's bound on how
// long something may take (that the server did not stall, never a measurement) is stretched by
// this much there.
inline constexpr int time_stretch = PARLEY_TIME_STRETCH;

// A fresh folder under the system temp dir, removed at destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// The `parley` binary the tests start: the one built with them, unless the environment variable
// PARLEY_TEST_BINARY names another (e.g. a build from before a fix, to see its regression test
// fail there).
std::string parley_binary();

// `parley serve` on 127.0.0.1 and an ephemeral port (unless --port is given), its stdout
// captured so tests can wait for log lines. `open_files`, when not 0, is the process's
// open-files limit (soft and hard), as under `prlimit --nofile=N:N`.
class ServerProcess {
  public:
    explicit ServerProcess(std::vector<std::string> args = {}, bool wait_until_listening = true,
                           std::size_t open_files = 0);
    ~ServerProcess();

    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    // Sends a signal and waits for exit; returns the exit status (or 128+signal when killed).
    int stop(int signal = SIGTERM, std::chrono::milliseconds timeout = default_timeout);
    // Waits for the process to exit by itself.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout = default_timeout);
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout = default_timeout);
    std::string logs() const;
    long rss_kib() const;
    long peak_rss_kib() const;  // the most it has held (VmHWM)

  private:
    void drain_output();

    pid_t pid_ = -1;
    int output_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string output_;
    bool exited_ = false;
    int exit_status_ = -1;
};

// Runs `parley` with arguments to completion; returns exit code and combined output.
struct CommandResult {
    int exit_code;
    std::string output;
};
CommandResult run_parley(const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = default_timeout);

struct Closed {
    std::uint16_t code = 0;
    std::string reason;
};

// While one lives, this thread's clients and requests connect from `address` (another loopback
// address such as 127.0.0.2), as a different client machine would.
class FromAddress {
  public:
    explicit FromAddress(std::string address);
    ~FromAddress();
    FromAddress(const FromAddress&) = delete;
    FromAddress& operator=(const FromAddress&) = delete;

  private:
    std::string previous_;
};
// Connects `socket` (opened already or not) to the server, from the thread's FromAddress.
void connect_to_server(boost::asio::ip::tcp::socket& socket, std::uint16_t port);

// A WebSocket client with timeouts. Frames that a `next_*` call skips are kept, so that a test
// waiting for one type does not lose another that arrived first.
class Client {
  public:
    explicit Client(std::uint16_t port, const std::string& target = "/ws",
                    std::vector<std::pair<std::string, std::string>> headers = {});
    ~Client();

    void send(const std::string& text);
    void send(const json& frame) { send(frame.dump()); }
    void send_binary(const std::string& bytes);

    // The next frame of any type; nothing on timeout or close.
    std::optional<json> next(std::chrono::milliseconds timeout = default_timeout);
    // The next frame for which `match` holds; the others stay queued for later calls.
    json next_where(const std::function<bool(const json&)>& match,
                    std::chrono::milliseconds timeout = default_timeout);
    json next_of_type(const std::string& type, std::chrono::milliseconds timeout = default_timeout);
    // Reads until the server closes; returns its close code (1006 for a dropped connection).
    Closed wait_closed(std::chrono::milliseconds timeout = default_timeout);
    // True when no frame arrives within `quiet`.
    bool nothing_within(std::chrono::milliseconds quiet);
    bool is_closed() const { return closed_.has_value(); }

    // hello, then its welcome.
    json hello(const std::string& nick, std::optional<std::string> token = std::nullopt);
    // join, then its joined.
    json join(const std::string& channel, std::optional<std::int64_t> since = std::nullopt);

    // Stop reading: the socket's receive buffer fills and the server's queue must grow.
    boost::asio::ip::tcp::socket& socket() { return boost::beast::get_lowest_layer(ws_); }

  private:
    // Runs the client's io_context until `ready` holds or the timeout passes.
    void start_read();
    bool pump_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

    boost::asio::io_context io_;
    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
    boost::beast::flat_buffer buffer_;
    std::deque<json> backlog_;
    std::optional<Closed> closed_;
};

// An HTTP/1.1 request over a plain socket; returns the status code, headers and body.
struct HttpResponse {
    int status = 0;
    std::string headers;
    std::string body;
    std::string header(const std::string& name) const;
};
HttpResponse http_get(std::uint16_t port, const std::string& target,
                      const std::string& method = "GET",
                      std::vector<std::pair<std::string, std::string>> headers = {});
// The status, headers and body of a whole HTTP/1.1 answer (status 0 when it is not one).
HttpResponse parse_http_response(const std::string& answer);
// Sends raw bytes and returns whatever the server answers before closing or the timeout.
std::string raw_request(std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout = 3s);

// Attempts a WebSocket upgrade and returns the HTTP status the server answers it with (101 when
// it is accepted; 0 when there is no HTTP answer). The connection is closed afterwards.
int upgrade_status(std::uint16_t port, const std::string& target = "/ws",
                   std::vector<std::pair<std::string, std::string>> headers = {});

// A token from `parley token --secret SECRET --user USER --ttl TTL`.
std::string parley_token(const std::string& secret, const std::string& user,
                         const std::string& ttl = "1h");

}  // namespace parley::test

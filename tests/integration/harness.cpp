#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <stdexcept>

namespace parley::test {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;

TempDir::TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("parley-test-" + std::to_string(getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

namespace {

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
    for (const auto& arg : args)
        if (arg == flag || arg.rfind(flag + "=", 0) == 0) return true;
    return false;
}

// `open_files`: when not 0, the child's open-files limit (soft and hard), set between fork and
// exec, as `prlimit --nofile` would.
pid_t spawn(const std::vector<std::string>& args, int& output_fd, std::size_t open_files = 0) {
    std::string binary = parley_binary();
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (open_files != 0) {
            rlimit limit{static_cast<rlim_t>(open_files), static_cast<rlim_t>(open_files)};
            if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(126);
        }
        std::vector<char*> argv;
        argv.push_back(binary.data());
        for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    close(fds[1]);
    output_fd = fds[0];
    return pid;
}

// In a sanitizer build (scripts/test --asan or --tsan) the server reports a data race, a memory
// error or undefined behaviour on its stderr, which is captured with its logs. Depending on the
// sanitizer's options it then exits (TSan: code 66) or carries on; either way a report fails
// the test that started the server, even when what the test checks still came out right.
void expect_no_sanitizer_report(const std::string& output) {
    for (const char* marker : {"WARNING: ThreadSanitizer:", "ERROR: AddressSanitizer:",
                               "ERROR: LeakSanitizer:", "runtime error:"}) {
        auto at = output.find(marker);
        if (at == std::string::npos) continue;
        auto begin = output.rfind('\n', at);
        ADD_FAILURE() << "the parley process reported:\n"
                      << output.substr(begin == std::string::npos ? 0 : begin + 1);
        return;
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

std::string parley_binary() {
    // PARLEY_TEST_BINARY runs the suite against another build of parley, such as one from
    // before a fix, to see a regression test fail there.
    if (const char* other = std::getenv("PARLEY_TEST_BINARY"); other && *other) return other;
    return PARLEY_BINARY;
}

ServerProcess::ServerProcess(std::vector<std::string> args, bool wait_until_listening,
                             std::size_t open_files) {
    std::vector<std::string> full = {"serve"};
    if (!has_flag(args, "--host")) full.insert(full.end(), {"--host", "127.0.0.1"});
    if (!has_flag(args, "--port")) full.insert(full.end(), {"--port", "0"});
    if (!has_flag(args, "--data")) full.insert(full.end(), {"--data", ":memory:"});
    if (!has_flag(args, "--web-root"))
        full.insert(full.end(), {"--web-root", std::string(PARLEY_SOURCE_DIR) + "/web"});
    full.insert(full.end(), args.begin(), args.end());
    pid_ = spawn(full, output_fd_, open_files);
    reader_ = std::thread([this] { drain_output(); });
    if (!wait_until_listening) return;
    auto fail = [this](const std::string& why) {
        // No destructor runs for a constructor that throws: end the child and the reader here,
        // or the reader thread's destructor ends the whole test program.
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        exited_ = true;
        if (reader_.joinable()) reader_.join();
        close(output_fd_);
        throw std::runtime_error(why + logs());
    };
    if (!wait_for_log("listening on http")) fail("server did not start:\n");
    std::smatch match;
    auto text = logs();
    static const std::regex listening(R"(listening on https?://[^\s:]+:(\d+))");
    if (!std::regex_search(text, match, listening)) fail("no port in the server's output:\n");
    port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0 && !exited_) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) reader_.join();
    if (output_fd_ >= 0) close(output_fd_);
    expect_no_sanitizer_report(output_);
}

void ServerProcess::drain_output() {
    char chunk[4096];
    for (;;) {
        auto n = read(output_fd_, chunk, sizeof chunk);
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        output_.append(chunk, static_cast<std::size_t>(n));
        changed_.notify_all();
    }
}

bool ServerProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout,
                             [&] { return output_.find(text) != std::string::npos; });
}

std::string ServerProcess::logs() const {
    std::lock_guard lock(mutex_);
    return output_;
}

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (exited_) return exit_status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            exit_status_ = decode_status(status);
            return exit_status_;
        }
        std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
}

int ServerProcess::stop(int signal, std::chrono::milliseconds timeout) {
    if (exited_) return exit_status_;
    kill(pid_, signal);
    if (auto status = wait_exit(timeout)) return *status;
    kill(pid_, SIGKILL);
    return wait_exit(timeout).value_or(-1);
}

long ServerProcess::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

CommandResult run_parley(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    int fd = -1;
    pid_t pid = spawn(args, fd);
    std::string output;
    char chunk[4096];
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        auto n = read(fd, chunk, sizeof chunk);
        if (n <= 0) break;
        output.append(chunk, static_cast<std::size_t>(n));
    }
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    expect_no_sanitizer_report(output);
    return {decode_status(status), output};
}

// ---- source addresses ----------------------------------------------------------------------

namespace {
thread_local std::string source_address;  // empty: let the kernel choose (127.0.0.1)
}  // namespace

FromAddress::FromAddress(std::string address) : previous_(std::move(source_address)) {
    source_address = std::move(address);
}

FromAddress::~FromAddress() {
    source_address = std::move(previous_);
}

void connect_to_server(asio::ip::tcp::socket& socket, std::uint16_t port) {
    asio::ip::tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
    if (!source_address.empty()) {
        if (!socket.is_open()) socket.open(server.protocol());
        socket.bind({asio::ip::make_address(source_address), 0});
    }
    socket.connect(server);
}

// ---- WebSocket client ----------------------------------------------------------------------

Client::Client(std::uint16_t port, const std::string& target,
               std::vector<std::pair<std::string, std::string>> headers)
    : ws_(io_) {
    connect_to_server(socket(), port);
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
        for (const auto& [name, value] : headers) request.set(name, value);
    }));
    ws_.read_message_max(64 * 1024 * 1024);
    ws_.handshake("127.0.0.1:" + std::to_string(port), target);
    // One read is always outstanding; frames land in the backlog whenever io_ runs.
    start_read();
}

void Client::start_read() {
    ws_.async_read(buffer_, [this](error_code ec, std::size_t) {
        if (ec) {
            Closed closed;
            if (ec == websocket::error::closed) {
                closed.code = static_cast<std::uint16_t>(ws_.reason().code);
                closed.reason = std::string(ws_.reason().reason.c_str());
            } else {
                closed.code = 1006;
                closed.reason = ec.message();
            }
            closed_ = closed;
            return;
        }
        backlog_.push_back(
            json::parse(boost::beast::buffers_to_string(buffer_.data()), nullptr, false));
        buffer_.consume(buffer_.size());
        start_read();
    });
}

Client::~Client() {
    error_code ignored;
    socket().close(ignored);
    io_.restart();
    io_.run_for(100ms);
}

void Client::send(const std::string& text) {
    bool done = false;
    error_code result;
    ws_.text(true);
    ws_.async_write(asio::buffer(text), [&](error_code ec, std::size_t) {
        done = true;
        result = ec;
    });
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        io_.restart();
        io_.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    if (!done || result) throw std::runtime_error("send failed: " + result.message());
}

void Client::send_binary(const std::string& bytes) {
    ws_.binary(true);
    bool done = false;
    ws_.async_write(asio::buffer(bytes), [&](error_code, std::size_t) { done = true; });
    while (!done) {
        io_.restart();
        io_.run_one_for(1s);
    }
    ws_.text(true);
}

bool Client::pump_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ready()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        io_.restart();
        if (io_.run_one_for(deadline - now) == 0 && closed_ && !ready()) return false;
    }
    return true;
}

std::optional<json> Client::next(std::chrono::milliseconds timeout) {
    if (!pump_until([&] { return !backlog_.empty() || closed_; }, timeout) || backlog_.empty())
        return std::nullopt;
    json frame = std::move(backlog_.front());
    backlog_.pop_front();
    return frame;
}

json Client::next_where(const std::function<bool(const json&)>& match,
                        std::chrono::milliseconds timeout) {
    std::size_t checked = 0;
    json found;
    bool ok = pump_until(
        [&] {
            for (; checked < backlog_.size(); ++checked) {
                if (match(backlog_[checked])) {
                    found = std::move(backlog_[checked]);
                    backlog_.erase(backlog_.begin() + static_cast<std::ptrdiff_t>(checked));
                    return true;
                }
            }
            return closed_.has_value();
        },
        timeout);
    if (!ok || found.is_null()) {
        std::string seen;
        for (const auto& frame : backlog_) seen += frame.dump() + "\n";
        throw std::runtime_error(
            "expected frame did not arrive" +
            std::string(closed_ ? " (connection closed " + std::to_string(closed_->code) + ")"
                                : "") +
            "; frames seen:\n" + seen);
    }
    return found;
}

json Client::next_of_type(const std::string& type, std::chrono::milliseconds timeout) {
    return next_where([&](const json& frame) { return frame.value("type", "") == type; }, timeout);
}

Closed Client::wait_closed(std::chrono::milliseconds timeout) {
    pump_until([&] { return closed_.has_value(); }, timeout);
    if (!closed_) throw std::runtime_error("the server did not close the connection");
    return *closed_;
}

bool Client::nothing_within(std::chrono::milliseconds quiet) {
    auto before = backlog_.size();
    pump_until([&] { return backlog_.size() > before; }, quiet);
    return backlog_.size() == before;
}

json Client::hello(const std::string& nick, std::optional<std::string> token) {
    json frame{{"type", "hello"}, {"nick", nick}};
    if (token) frame["token"] = *token;
    send(frame);
    return next_where([](const json& f) {
        auto type = f.value("type", "");
        return type == "welcome" || type == "error";
    });
}

json Client::join(const std::string& channel, std::optional<std::int64_t> since) {
    json frame{{"type", "join"}, {"channel", channel}};
    if (since) frame["since"] = *since;
    send(frame);
    return next_where([&](const json& f) {
        return (f.value("type", "") == "joined" && f.value("channel", "") == channel) ||
               f.value("type", "") == "error";
    });
}

// ---- HTTP ----------------------------------------------------------------------------------

std::string HttpResponse::header(const std::string& name) const {
    std::string lower_headers = headers;
    std::string lower_name = name;
    for (auto& c : lower_headers) c = static_cast<char>(std::tolower(c));
    for (auto& c : lower_name) c = static_cast<char>(std::tolower(c));
    auto at = lower_headers.find("\r\n" + lower_name + ":");
    if (at == std::string::npos) return {};
    auto start = at + 3 + name.size();
    auto end = headers.find("\r\n", start);
    auto value = headers.substr(start, end - start);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    return value;
}

std::string raw_request(std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    connect_to_server(socket, port);
    asio::write(socket, asio::buffer(bytes));
    std::string answer;
    char chunk[4096];
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool done = false;
    std::function<void()> read_more = [&] {
        socket.async_read_some(asio::buffer(chunk), [&](error_code ec, std::size_t n) {
            if (ec) {
                done = true;
                return;
            }
            answer.append(chunk, n);
            read_more();
        });
    };
    read_more();
    while (!done && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    return answer;
}

HttpResponse http_get(std::uint16_t port, const std::string& target, const std::string& method,
                      std::vector<std::pair<std::string, std::string>> headers) {
    std::string request = method + " " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nConnection: close\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    return parse_http_response(raw_request(port, request, default_timeout));
}

HttpResponse parse_http_response(const std::string& answer) {
    HttpResponse response;
    auto header_end = answer.find("\r\n\r\n");
    if (answer.rfind("HTTP/1.1 ", 0) != 0 || header_end == std::string::npos) return response;
    response.status = std::stoi(answer.substr(9, 3));
    response.headers = answer.substr(0, header_end + 2);
    response.body = answer.substr(header_end + 4);
    return response;
}

int upgrade_status(std::uint16_t port, const std::string& target,
                   std::vector<std::pair<std::string, std::string>> headers) {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";

    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    connect_to_server(socket, port);
    asio::write(socket, asio::buffer(request));
    // Only the status line matters, and after a 101 the server keeps the connection open.
    std::string answer;
    char chunk[1024];
    bool done = false;
    std::function<void()> read_more = [&] {
        socket.async_read_some(asio::buffer(chunk), [&](error_code ec, std::size_t n) {
            answer.append(chunk, n);
            if (ec || answer.find("\r\n") != std::string::npos) {
                done = true;
                return;
            }
            read_more();
        });
    };
    read_more();
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
    return std::stoi(answer.substr(9, 3));
}

std::string parley_token(const std::string& secret, const std::string& user,
                         const std::string& ttl) {
    auto result = run_parley({"token", "--secret", secret, "--user", user, "--ttl", ttl});
    auto token = result.output;
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
        token.pop_back();
    if (result.exit_code != 0 || token.find('\n') != std::string::npos)
        throw std::runtime_error("parley token failed: " + result.output);
    return token;
}

}  // namespace parley::test

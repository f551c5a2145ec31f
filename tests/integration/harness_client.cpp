// The harness's clients: source addresses, the WebSocket client, and HTTP requests over plain
// sockets.
#include "harness.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <cctype>
#include <stdexcept>

namespace parley::test {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;

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

}  // namespace parley::test

#include "raw_client.hpp"

#include <boost/asio/write.hpp>
#include <stdexcept>

namespace parley::test {

namespace asio = boost::asio;
using boost::system::error_code;

std::string client_frame(unsigned char opcode, const std::string& payload, bool fin, bool masked) {
    std::string bytes;
    bytes.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
    const unsigned char mask_bit = masked ? 0x80 : 0;
    if (payload.size() < 126) {
        bytes.push_back(static_cast<char>(mask_bit | payload.size()));
    } else {
        bytes.push_back(static_cast<char>(mask_bit | 126));
        bytes.push_back(static_cast<char>(payload.size() >> 8));
        bytes.push_back(static_cast<char>(payload.size() & 0xff));
    }
    const char mask[4] = {'\x5a', '\x13', '\x7e', '\x01'};
    if (masked) bytes.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        bytes.push_back(static_cast<char>(payload[i] ^ (masked ? mask[i % 4] : 0)));
    return bytes;
}

std::string close_payload(std::uint16_t code, const std::string& reason) {
    return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)} + reason;
}

std::string upgrade_request(std::uint16_t port) {
    return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::uint16_t ServerFrame::close_code() const {
    return payload.size() < 2
               ? 1005
               : static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                            static_cast<unsigned char>(payload[1]));
}

RawClient::RawClient(std::uint16_t port, const std::string& after_request, int receive_buffer)
    : socket_(io_) {
    if (receive_buffer != 0) {
        socket_.open(asio::ip::tcp::v4());
        socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    }
    connect_to_server(socket_, port);
    send(upgrade_request(port) + after_request);
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!fill(default_timeout)) throw std::runtime_error("no upgrade response");
    response_ = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
}

void RawClient::set_no_delay() {
    socket_.set_option(asio::ip::tcp::no_delay(true));
}

void RawClient::send(const std::string& bytes) {
    asio::write(socket_, asio::buffer(bytes));
}

std::optional<ServerFrame> RawClient::next(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (auto frame = parse()) return frame;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds(0) || !fill(left)) return std::nullopt;
    }
}

std::optional<ServerFrame> RawClient::next_answering_pings() {
    while (auto frame = next()) {
        if (frame->opcode != ping_op) return frame;
        send(client_frame(pong_op, frame->payload));
    }
    return std::nullopt;
}

bool RawClient::ends_within(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds(0)) return false;
        buffer_.clear();
        fill(left);
    }
    return true;
}

std::optional<ServerFrame> RawClient::parse() {
    if (buffer_.size() < 2) return std::nullopt;
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(buffer_[i]); };
    std::size_t length = byte(1) & 0x7f, at = 2;
    if (length == 126) {
        if (buffer_.size() < 4) return std::nullopt;
        length = (byte(2) << 8) | byte(3);
        at = 4;
    } else if (length == 127) {
        if (buffer_.size() < 10) return std::nullopt;
        length = 0;
        for (int i = 2; i < 10; ++i) length = (length << 8) | byte(i);
        at = 10;
    }
    if (buffer_.size() < at + length) return std::nullopt;
    ServerFrame frame{static_cast<unsigned char>(byte(0) & 0x0f), buffer_.substr(at, length)};
    buffer_.erase(0, at + length);
    return frame;
}

bool RawClient::fill(std::chrono::milliseconds timeout) {
    bool done = false, got = false;
    char chunk[4096];
    socket_.async_read_some(asio::buffer(chunk), [&](error_code ec, std::size_t n) {
        done = true;
        if (ec) {
            eof_ = ec != asio::error::operation_aborted;  // not when fill() gave up waiting
            return;
        }
        buffer_.append(chunk, n);
        got = true;
    });
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        io_.restart();
        io_.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    if (!done) {
        socket_.cancel();
        io_.restart();
        io_.run();
    }
    return got;
}

}  // namespace parley::test

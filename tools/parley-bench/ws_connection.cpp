#include "ws_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "json_scan.hpp"
#include "ws_frame.hpp"
#include "ws_handshake.hpp"

namespace bench {
namespace {

// A history page of 100 long messages with reactions is well under a megabyte; anything near
// this is a broken server, and it bounds what one can make us buffer.
constexpr std::uint64_t max_frame_payload = 64ull << 20;

std::runtime_error failure(const std::string& what, int error = 0) {
    return std::runtime_error(error ? what + ": " + std::strerror(error) : what);
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

WsConnection::WsConnection(const WsTarget& target, int timeout_ms)
    : random_state_(0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(now_ms()) ^
                    reinterpret_cast<std::uintptr_t>(this)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw failure("socket", errno);
    const int on = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    timeval limit{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&target.address), sizeof target.address) !=
        0) {
        const int error = errno;
        ::close(fd_);
        fd_ = -1;
        throw failure("connect to " + target.host_header, error);
    }
    unsigned char key[16];
    for (auto& byte : key) byte = static_cast<unsigned char>(next_mask());
    write_all(make_upgrade_request(target, key));

    const std::int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        const auto response = check_upgrade_response(inbox_);
        if (response.status == UpgradeStatus::refused)
            throw failure("upgrade refused: " + response.status_line);
        if (response.status == UpgradeStatus::accepted) {
            inbox_.erase(0, response.header_size);
            return;
        }
        pollfd wait{fd_, POLLIN, 0};
        const int left = static_cast<int>(deadline - now_ms());
        if (left <= 0 || ::poll(&wait, 1, left) <= 0) throw failure("timeout: waiting for 101");
        char buffer[4096];
        const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
        if (got <= 0) throw failure("closed during the upgrade", got < 0 ? errno : 0);
        inbox_.append(buffer, static_cast<std::size_t>(got));
    }
}

WsConnection::~WsConnection() {
    if (fd_ >= 0) ::close(fd_);
}

std::uint32_t WsConnection::next_mask() {
    random_state_ ^= random_state_ >> 12;
    random_state_ ^= random_state_ << 25;
    random_state_ ^= random_state_ >> 27;
    return static_cast<std::uint32_t>((random_state_ * 0x2545F4914F6CDD1Dull) >> 32);
}

void WsConnection::write_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) throw failure("send", sent < 0 ? errno : 0);
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
}

void WsConnection::send_text(std::string_view payload) {
    frame_.clear();
    append_client_frame(frame_, Opcode::text, payload, next_mask());
    write_all(frame_);
}

bool WsConnection::receive(int timeout_ms, const std::function<void(std::string_view)>& on_text) {
    pollfd wait{fd_, POLLIN, 0};
    const int ready = ::poll(&wait, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) throw failure("poll", errno);
    if (ready <= 0) return false;
    char buffer[64 * 1024];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) return true;
    if (got <= 0) throw failure("the server closed the connection", got < 0 ? errno : 0);
    inbox_.append(buffer, static_cast<std::size_t>(got));

    std::size_t used = 0;
    for (;;) {
        const auto parsed =
            parse_server_frame(std::string_view(inbox_).substr(used), max_frame_payload);
        if (parsed.status == ParseStatus::invalid)
            throw failure(std::string("bad frame from the server: ") + parsed.error);
        if (parsed.status == ParseStatus::incomplete) break;
        const FrameView& frame = parsed.frame;
        used += frame.frame_size;
        switch (frame.opcode) {
            case Opcode::text:
            case Opcode::continuation:
                if (frame.fin && fragments_.empty()) {
                    on_text(frame.payload);
                } else {
                    fragments_.append(frame.payload);
                    if (frame.fin) {
                        on_text(fragments_);
                        fragments_.clear();
                    }
                }
                break;
            case Opcode::ping:
                frame_.clear();
                append_client_frame(frame_, Opcode::pong, frame.payload, next_mask());
                write_all(frame_);
                break;
            case Opcode::close:
                throw failure("the server closed the connection");
            default:
                break;
        }
    }
    inbox_.erase(0, used);
    return true;
}

std::string WsConnection::request(std::string_view json, std::string_view reply_type,
                                  int timeout_ms) {
    send_text(json);
    const std::int64_t deadline = now_ms() + timeout_ms;
    std::string reply;
    while (reply.empty()) {
        const int left = static_cast<int>(deadline - now_ms());
        if (left <= 0)
            throw failure("timeout: no " + std::string(reply_type) + " for " + std::string(json));
        receive(left, [&](std::string_view text) {
            if (!reply.empty()) return;
            std::string_view type, code;
            visit_json_fields(text, [&](std::string_view key, std::string_view value) {
                if (key == "type") type = value;
                if (key == "code") code = value;
            });
            if (type == "error")
                throw failure(std::string(json) + " refused: " + std::string(code));
            if (type == reply_type) reply = text;
        });
    }
    return reply;
}

void WsConnection::close() {
    if (fd_ < 0) return;
    static constexpr char normal[] = {'\x03', '\xE8'};  // 1000
    frame_.clear();
    append_client_frame(frame_, Opcode::close, std::string_view(normal, 2), next_mask());
    [[maybe_unused]] const ssize_t sent = ::send(fd_, frame_.data(), frame_.size(), MSG_NOSIGNAL);
    ::close(fd_);
    fd_ = -1;
}

}  // namespace bench
